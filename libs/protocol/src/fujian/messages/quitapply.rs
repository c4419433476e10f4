use crate::wire::DateTimeSec;
use baohan_domain::command::{Command, Ending, Refusal};

crate::wire_message! {
    /// 退保申请 (quitapply): the bidder asks to surrender the guarantee.
    pub struct QuitApply {
        appkey: req String = "appkey" max 64;
        timestamp: req DateTimeSec = "timestamp";
        /// 业务流水号
        applyno: req String = "applyno" max 64;
        /// 保函编号
        baohanno: req String = "baohanno" max 64;
        /// 退保原因
        reason: req String = "reason" max 1024;
        sign: req String = "sign" max 128;
    }
}

/// quitapply: 退保 of the guarantee `baohanno`, which must be the
/// application's; a refusal is told in the answer.
pub fn to_command(q: &QuitApply) -> Command {
    Command::Surrender(Ending {
        application: q.applyno.clone(),
        guarantee_no: Some(q.baohanno.clone()),
        reason: Some(q.reason.clone()),
        refusal: Refusal::InAnswer,
    })
}
