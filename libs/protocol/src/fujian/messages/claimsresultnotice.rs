use crate::money::Fen;
use crate::wire::DateTimeSec;
use baohan_masking::{BankAccount, PersonName, Phone};

crate::wire_enum! {
    /// 赔付状态
    pub enum CompensateStatus {
        /// 待赔付
        Pending = "1",
        /// 已赔付
        Paid = "2",
        /// 不予赔付
        Refused = "3",
        /// 其他
        Other = "9",
    }
}

crate::wire_message! {
    /// 理赔结果通知 (claimsresultnotice): we report the claim's outcome.
    pub struct ClaimsResultNotice {
        appkey: req String = "appkey" max 64;
        timestamp: req DateTimeSec = "timestamp";
        /// 业务流水号
        applyno: req String = "applyno" max 64;
        /// 保函编号
        baohanno: req String = "baohanno" max 64;
        /// 赔付状态，1待赔付2已赔付3不予赔付9其他
        compensatestatus: req CompensateStatus = "compensatestatus";
        /// 备注，不予赔付和其他需要说明理由
        compensateremark: opt String = "compensateremark" max 1024;
        /// 赔付人名称
        compensatename: req String = "compensatename" max 256;
        /// 赔付人统一社会信用代码证号
        compensateorgnum: req String = "compensateorgnum" max 18;
        /// 赔付人联系人
        compensatecontact: req PersonName = "compensatecontact" max 64;
        /// 赔付人联系人手机号
        compensatecontacttel: req Phone = "compensatecontacttel" max 32;
        /// 赔付银行账号
        compensatebankcode: req BankAccount = "compensatebankcode" max 64;
        /// 赔付银行开户行
        compensateopenbank: req String = "compensateopenbank" max 256;
        /// 受益人名称
        favoreename: req String = "favoreename" max 256;
        /// 受益人统一社会信用代码
        favoreeorgnum: req String = "favoreeorgnum" max 18;
        /// 受益人联系人
        favoreecontact: req PersonName = "favoreecontact" max 64;
        /// 受益人联系人手机号
        favoreecontacttel: req Phone = "favoreecontacttel" max 32;
        /// 受益人银行账号
        favoreebankcode: req BankAccount = "favoreebankcode" max 64;
        /// 受益人银行开户行
        favoreeopenbank: req String = "favoreeopenbank" max 256;
        /// 赔偿金额，单位元
        compensateamount: req Fen = "compensateamount";
        sign: req String = "sign" max 128;
    }
    check = check;
}

fn check(n: &ClaimsResultNotice) -> Result<(), crate::Invalid> {
    let mut errors = Vec::new();
    if matches!(
        n.compensatestatus,
        CompensateStatus::Refused | CompensateStatus::Other
    ) {
        super::required_because(
            &n.compensateremark,
            "compensateremark",
            "compensatestatus is 3 or 9",
            &mut errors,
        );
    }
    super::finish(errors)
}
