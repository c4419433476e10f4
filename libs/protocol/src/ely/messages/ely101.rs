use crate::money::Fen;
use crate::wire::Date8;
use baohan_domain::command::{
    Applicant, Apply, Beneficiary, Command, PayLink, PerformanceTerms, Person, Project, Terms,
};
use baohan_domain::ids::Checked;
use baohan_masking::{IdNumber, PersonName, Phone};

crate::wire_enum! {
    /// 是否需要纸质保函
    pub enum NeedPaper {
        /// 需要纸质保函
        Yes = "1",
        /// 不需要纸质保函
        No = "0",
    }
}

crate::wire_enum! {
    /// 采购品目
    pub enum PurchaseNature {
        Services = "服务类",
        Goods = "货物类",
        Works = "工程类",
    }
}

crate::wire_message! {
    /// ELY101 提交保函申请信息: a supplier applies for a performance guarantee.
    /// A later application for the same project (延期申请) uses it too.
    pub struct Ely101 {
        /// 申请编号: unique per application order
        application_id: req String = "applicationId" max 64;
        /// 企业名称
        supplier: req String = "supplier" max 256;
        /// 供应商统一社会信用代码
        social_credit_code: req String = "socialCreditCode" max 18;
        /// 法人姓名
        legal_name: req PersonName = "legalName" max 20;
        /// 法人身份证号码
        legal_id_no: req IdNumber = "legalIdNo" max 18;
        /// 企业地址
        supplier_address: opt String = "supplierAddress" max 256;
        /// 履约保证金（元）
        performance_bou: req Fen = "performanceBou";
        /// 经办人
        contacts: req PersonName = "contacts" max 20;
        /// 经办人联系方式
        contacts_way: req Phone = "contactsWay" max 20;
        /// 经办人身份证号码
        contract_cer_no: req IdNumber = "contractCerNo" max 18;
        /// 是否需要纸质保函
        need_paper: req NeedPaper = "needPaper";
        /// 邮寄地址, required when needPaper is 1
        mail_address: opt String = "mailAddress" max 256;
        /// 政府采购统一项目编号
        project_code: req String = "projectCode" max 128;
        /// 项目名称
        project_name: req String = "projectName" max 256;
        /// 标段编号
        bid_code: req String = "bidCode" max 256;
        /// 标段名称
        bid_name: req String = "bidName" max 256;
        /// 采购品目 (the table's "purchase Nature")
        purchase_nature: req PurchaseNature = "purchaseNature";
        /// 中标日期
        bid_date: req Date8 = "bidDate";
        /// 中标金额（元）
        bid_amount: req Fen = "bidAmount";
        /// 采购人名称 (the table's "purchase Name")
        purchase_name: req String = "purchaseName" max 256;
        /// 采购人组织机构代码/统一社会信用代码 (the table's "purchase SocCode")
        purchase_soc_code: req String = "purchaseSocCode" max 64;
        /// 担保期限（月）
        guarantee_date: req u32 = "guaranteeDate" max 10;
        /// 合同期限（月） (the table's "contract Date")
        contract_date: opt u32 = "contractDate" max 10;
        /// 担保时间起期
        guarantee_start_date: opt Date8 = "guaranteeStartDate";
        /// 担保时间止期
        guarantee_end_date: opt Date8 = "guaranteeEndDate";
        /// 拓展字段 1
        ext1: opt String = "ext1" max 256;
        /// 拓展字段 2
        ext2: opt String = "ext2" max 256;
        /// 拓展字段 3
        ext3: opt String = "ext3" max 256;
    }
    check = check;
}

fn check(a: &Ely101) -> Result<(), crate::Invalid> {
    let mut errors = Vec::new();
    if a.need_paper == NeedPaper::Yes {
        super::required_because(
            &a.mail_address,
            "mailAddress",
            "needPaper is 1",
            &mut errors,
        );
    }
    if let (Some(start), Some(end)) = (a.guarantee_start_date, a.guarantee_end_date)
        && end < start
    {
        errors.push(crate::FieldError::new(
            "guaranteeEndDate",
            crate::Problem::Format("a date not before guaranteeStartDate"),
        ));
    }
    super::finish(errors)
}

/// ELY101 as the domain's application: a performance guarantee. ELY has no
/// field for a payment link: the applicant's contact gets it by SMS once
/// the application is approved.
pub fn to_command(a: &Ely101) -> Command {
    Command::Apply(Box::new(Apply {
        application: a.application_id.clone(),
        applicant: Applicant {
            name: a.supplier.clone(),
            credit_code: Checked::parse(&a.social_credit_code),
            legal_rep: Some(Person {
                name: a.legal_name.clone(),
                phone: None,
                id: Some(Checked::parse(a.legal_id_no.expose())),
            }),
            contact: Some(Person {
                name: a.contacts.clone(),
                phone: Some(a.contacts_way.clone()),
                id: Some(Checked::parse(a.contract_cer_no.expose())),
            }),
        },
        beneficiary: Beneficiary {
            name: a.purchase_name.clone(),
            code: Some(a.purchase_soc_code.clone()),
            account: None,
            contact: None,
        },
        project: Project {
            code: a.project_code.clone(),
            name: a.project_name.clone(),
            section_code: a.bid_code.clone(),
            section_name: a.bid_name.clone(),
        },
        amount: a.performance_bou,
        terms: Terms::Performance(PerformanceTerms {
            purchase_nature: a.purchase_nature.code().to_owned(),
            bid_amount: a.bid_amount,
            months: a.guarantee_date,
            start: a.guarantee_start_date.map(|d| d.0),
            end: a.guarantee_end_date.map(|d| d.0),
            need_paper: a.need_paper == NeedPaper::Yes,
        }),
        pay_link: PayLink::Sms,
    }))
}
