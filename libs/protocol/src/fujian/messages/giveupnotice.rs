use crate::wire::DateTimeSec;

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
