use crate::wire::DateTimeSec;

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
