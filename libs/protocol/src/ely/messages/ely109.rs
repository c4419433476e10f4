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
