use crate::wire::DateTimeSec;

crate::wire_enum! {
    /// 是否审核通过
    pub enum ApplyStatus {
        /// 审核通过
        Approved = "1",
        /// 审核未通过
        Rejected = "0",
    }
}

crate::wire_message! {
    /// 投保申请结果通知 (baohannotice): we tell the platform the outcome.
    pub struct BaohanNotice {
        appkey: req String = "appkey" max 64;
        timestamp: req DateTimeSec = "timestamp";
        /// 业务流水号
        applyno: req String = "applyno" max 64;
        /// 保函编号
        baohanno: req String = "baohanno" max 64;
        /// 出函机构
        instname: req String = "instname" max 256;
        /// 出函时间
        generatetime: req DateTimeSec = "generatetime";
        /// 是否审核通过 1：审核通过 0：审核未通过
        applystatus: req ApplyStatus = "applystatus";
        sign: req String = "sign" max 128;
    }
}
