use crate::money::Fen;
use baohan_domain::command::{Claim, Claimant, Command};
use baohan_domain::ids::Checked;
use baohan_masking::{BankAccount, IdNumber, PersonName, Phone};

crate::wire_message! {
    /// ELY105 索赔申请推送: the purchaser claims on the guarantee.
    pub struct Ely105 {
        /// 保函唯一标识 (the table says 32; ids are 64 everywhere else)
        guarantee_id: req String = "guaranteeId" max 64;
        /// 标段标号
        bid_num: req String = "bidNum" max 256;
        /// 项目名称
        project_name: req String = "projectName" max 256;
        /// 政府采购统一项目编号 (the table says 50; ELY101 allows 128)
        project_code: req String = "projectCode" max 128;
        /// 企业名称
        company_name: req String = "companyName" max 255;
        /// 企业统一社会信用代码
        social_credit_code: req String = "socialCreditCode" max 64;
        /// 采购人名称 (受益人)
        purchase_name: req String = "purchaseName" max 256;
        /// 采购人组织机构代码
        purchase_soc_code: req String = "purchaseSocCode" max 64;
        /// 索赔金额（元）
        claim_amount: req Fen = "claimAmount";
        /// 索赔理由
        claim_reason: req String = "claimReason" max 255;
        /// 索赔机构开户行
        open_bank: req String = "openBank" max 255;
        /// 索赔机构开户账户
        bank_account: req BankAccount = "bankAccount" max 255;
        /// 索赔发起人 (经办人)
        contract: req PersonName = "contract" max 255;
        /// 发起人联系方式
        contract_way: req Phone = "contractWay" max 50;
        /// 发起人身份证号码
        contract_cert_code: req IdNumber = "contractCertCode" max 18;
    }
}

/// ELY105 as a claim: the claimant names the beneficiary (purchaseName,
/// purchaseSocCode) and the principal (socialCreditCode), which must be
/// the guarantee's, and the account to pay.
pub fn to_command(c: &Ely105) -> Command {
    Command::Claim(Box::new(Claim {
        guarantee_no: c.guarantee_id.clone(),
        application: None,
        amount: Some(c.claim_amount),
        reason: Some(c.claim_reason.clone()),
        payee_account: Some(c.bank_account.clone()),
        payee_open_bank: Some(c.open_bank.clone()),
        beneficiary: Some((c.purchase_name.clone(), c.purchase_soc_code.clone())),
        principal: Some(Checked::parse(&c.social_credit_code)),
        claimant: Claimant {
            name: c.contract.clone(),
            phone: c.contract_way.clone(),
            id: Some(c.contract_cert_code.clone()),
        },
    }))
}
