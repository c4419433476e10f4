use baohan_domain::command::{Command, Ending, Refusal};

crate::wire_enum! {
    /// 申请类型
    pub enum ApplicationType {
        /// 退保
        Surrender = "01",
        /// 订单取消
        Cancel = "02",
    }
}

crate::wire_message! {
    /// ELY109 提交取消订单/退保申请信息: the supplier cancels or surrenders.
    /// We answer through ELY102.
    pub struct Ely109 {
        /// 申请编号
        application_id: req String = "applicationId" max 64;
        /// 申请类型 01 退保 02 订单取消
        application_type: req ApplicationType = "applicationType";
        /// 原因
        refund_reason: opt String = "refundReason" max 1000;
    }
}

/// ELY109: `01` 退保, `02` 订单取消 (a withdrawal before issue). Either is
/// accepted once the application exists; the outcome, a refusal included,
/// goes back by ELY102 (`08`/`09`, `07`/`06`).
pub fn to_command(r: &Ely109) -> Command {
    let ending = Ending {
        application: r.application_id.clone(),
        guarantee_no: None,
        reason: r.refund_reason.clone(),
        refusal: Refusal::ByCallback,
    };
    match r.application_type {
        ApplicationType::Surrender => Command::Surrender(ending),
        ApplicationType::Cancel => Command::Withdraw(ending),
    }
}
