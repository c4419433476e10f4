use crate::wire::DateTimeSec;

crate::wire_message! {
    /// 退保通知 (quitnotice): we tell the platform the surrender succeeded.
    pub struct QuitNotice {
        appkey: req String = "appkey" max 64;
        timestamp: req DateTimeSec = "timestamp";
        /// 业务流水号
        applyno: req String = "applyno" max 64;
        /// 保函编号
        baohanno: req String = "baohanno" max 64;
        sign: req String = "sign" max 128;
    }
}
