use crate::money::Fen;
use crate::wire::DateTimeSec;

crate::wire_enum! {
    /// 理赔状态
    pub enum ClaimStatus {
        /// 理赔受理中
        Accepted = "00",
        /// 理赔成功
        Paid = "01",
        /// 理赔失败
        Refused = "02",
    }
}

crate::wire_message! {
    /// ELY106 理赔结果通知: we report a claim's outcome.
    pub struct Ely106 {
        /// 保函唯一标识
        guarantee_id: req String = "guaranteeId" max 64;
        /// 理赔状态
        status: req ClaimStatus = "status";
        /// 理赔金额, when paid
        payment_money: opt Fen = "paymentMoney";
        /// 理赔受益人
        payment_beneficiary: opt String = "paymentBeneficiary" max 25;
        /// 理赔受益人组织机构代码
        payment_beneficiary_social: opt String = "paymentBeneficiarySocial" max 64;
        /// 理赔时间, when paid
        payment_time: opt DateTimeSec = "paymentTime";
    }
    check = check;
}

fn check(n: &Ely106) -> Result<(), crate::Invalid> {
    let mut e = Vec::new();
    if n.status == ClaimStatus::Paid {
        super::required_because(&n.payment_money, "paymentMoney", "status is 01", &mut e);
        super::required_because(&n.payment_time, "paymentTime", "status is 01", &mut e);
    }
    super::finish(e)
}
