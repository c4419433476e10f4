use crate::money::Fen;
use crate::wire::DateTimeSec;

crate::wire_enum! {
    /// 保函申请状态
    pub enum ApplicationStatus {
        /// 保函审批通过
        Approved = "01",
        /// 保函审批拒绝
        Rejected = "02",
        /// 开函成功
        Issued = "03",
        /// 开函失败
        IssueFailed = "04",
        /// 已支付
        Paid = "05",
        /// 订单取消失败
        CancelFailed = "06",
        /// 已取消
        Cancelled = "07",
        /// 已退保
        Surrendered = "08",
        /// 退保失败
        SurrenderFailed = "09",
    }
}

crate::wire_enum! {
    /// 支付方式
    pub enum PayType {
        /// 网银转账
        BankTransfer = "01",
        /// 微信支付
        Wechat = "02",
        /// 支付宝支付
        Alipay = "03",
        /// 其他支付方式
        Other = "04",
    }
}

crate::wire_message! {
    /// ELY102 保函申请状态通知: we tell the platform where an application stands.
    pub struct Ely102 {
        /// 申请编号 (the table says 32; we echo ELY101's, which allows 64)
        application_id: req String = "applicationId" max 64;
        /// 保函申请状态
        application_status: req ApplicationStatus = "applicationStatus";
        /// 失败原因, required for 02 and 04
        fail_reason: opt String = "failReason" max 255;
        /// 保函唯一标识 (03)
        guarantee_id: opt String = "guaranteeId" max 64;
        /// 担保金额 (03)
        guarantee_amt: opt Fen = "guaranteeAmt";
        /// 保函生效时间起 (03)
        valid_time_start: opt DateTimeSec = "validTimeStart";
        /// 保函生效时间止 (03)
        valid_time_end: opt DateTimeSec = "validTimeEnd";
        /// 出函时间 (03)
        letter_of_time: opt DateTimeSec = "letterOfTime";
        /// 企业名称 (03)
        company_name: opt String = "companyName" max 50;
        /// 支付时间 (05)
        pay_time: opt DateTimeSec = "payTime";
        /// 支付金额 (05)
        pay_amt: opt Fen = "payAmt";
        /// 支付方式 (05)
        pay_type: opt PayType = "payType";
    }
    check = check;
}

fn check(n: &Ely102) -> Result<(), crate::Invalid> {
    use super::required_because as need;
    let mut e = Vec::new();
    match n.application_status {
        ApplicationStatus::Rejected | ApplicationStatus::IssueFailed => need(
            &n.fail_reason,
            "failReason",
            "applicationStatus is 02 or 04",
            &mut e,
        ),
        ApplicationStatus::Issued => {
            let why = "applicationStatus is 03";
            need(&n.guarantee_id, "guaranteeId", why, &mut e);
            need(&n.guarantee_amt, "guaranteeAmt", why, &mut e);
            need(&n.valid_time_start, "validTimeStart", why, &mut e);
            need(&n.valid_time_end, "validTimeEnd", why, &mut e);
            need(&n.letter_of_time, "letterOfTime", why, &mut e);
            need(&n.company_name, "companyName", why, &mut e);
        }
        ApplicationStatus::Paid => {
            let why = "applicationStatus is 05";
            need(&n.pay_time, "payTime", why, &mut e);
            need(&n.pay_amt, "payAmt", why, &mut e);
            need(&n.pay_type, "payType", why, &mut e);
        }
        _ => {}
    }
    super::finish(e)
}
