use crate::wire::DateTimeSec;
use baohan_domain::command::{Command, Ending, Refusal};

crate::wire_message! {
    /// 放弃申请通知 (giveupnotice): the bidder abandoned the application.
    pub struct GiveupNotice {
        appkey: req String = "appkey" max 64;
        timestamp: req DateTimeSec = "timestamp";
        /// 业务流水号
        applyno: req String = "applyno" max 64;
        sign: req String = "sign" max 128;
    }
}

/// giveupnotice: the application withdrawn before issue. A refusal is
/// told in the answer; Fujian has no callback for it.
pub fn to_command(g: &GiveupNotice) -> Command {
    Command::Withdraw(Ending {
        application: g.applyno.clone(),
        guarantee_no: None,
        reason: None,
        refusal: Refusal::InAnswer,
    })
}
