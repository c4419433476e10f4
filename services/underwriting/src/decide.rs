//! From an application as the platform sent it to what is stored: the
//! proposal the rules judge, the decision, the premium, the application
//! row (personal data apart) and the callbacks the decision owes.
//!
//! Callbacks owed by a decision (docs/protocol.md):
//! - ELY: approved → ELY102 `01`; rejected → ELY102 `02` with failReason.
//! - Fujian: rejected → baohannotice applystatus `0`. Approval is not
//!   notified on its own: baohannotice `1` follows issuance.
//! - Referred: nothing until a person decides.

use baohan_config::Underwriting;
use baohan_domain::application::Status;
use baohan_domain::underwriting::{Decision, Period, Proposal};
use baohan_gm::sm3;
use baohan_protocol::ely::messages::Ely101;
use baohan_protocol::fujian::messages::BaohanApply;
use baohan_store::applications::{NewApplication, NewCallback, Personal};
use chrono::{DateTime, Duration, FixedOffset, Months};
use serde_json::{Value, json};
use uuid::Uuid;

/// Everything the handler writes for one application.
#[derive(Debug)]
pub struct Decided {
    pub decision: Decision,
    pub application: NewApplication,
    pub callbacks: Vec<NewCallback>,
}

fn status_of(decision: &Decision) -> Status {
    match decision {
        Decision::Approve => Status::Approved,
        Decision::Reject { .. } => Status::Rejected,
        Decision::Refer { .. } => Status::Referred,
    }
}

fn fail_reason(decision: &Decision) -> Option<String> {
    match decision {
        Decision::Reject { field, reason } => Some(format!("{field}: {reason}")),
        _ => None,
    }
}

fn personal(field: &str, kind: &'static str, value: &str) -> Personal {
    Personal {
        field: field.to_owned(),
        kind,
        value: value.to_owned(),
    }
}

fn token_digest(pay_token: Option<&str>) -> Option<String> {
    pay_token.map(|t| sm3::hex_digest(t.as_bytes()))
}

/// ELY101 提交保函申请信息.
pub fn ely101(
    platform_id: &str,
    a: &Ely101,
    pay_token: Option<&str>,
    underwriting: &Underwriting,
    earlier_application: bool,
    now: DateTime<FixedOffset>,
) -> Decided {
    let amount = a.performance_bou.get();
    let period = match (a.guarantee_start_date, a.guarantee_end_date) {
        (Some(start), Some(end)) => Some(Period {
            field: "guaranteeEndDate",
            start: start.0,
            end: end.0,
        }),
        _ => {
            let start = now.date_naive();
            start
                .checked_add_months(Months::new(a.guarantee_date))
                .map(|end| Period {
                    field: "guaranteeDate",
                    start,
                    end,
                })
        }
    };
    let proposal = Proposal {
        credit_code: ("socialCreditCode", a.social_credit_code.clone()),
        resident_ids: vec![
            ("legalIdNo", a.legal_id_no.expose().to_owned()),
            ("contractCerNo", a.contract_cer_no.expose().to_owned()),
        ],
        amount_fen: ("performanceBou", amount),
        deadlines: Vec::new(),
        period,
        earlier_application,
    };
    let decision = underwriting.rules.decide(&proposal, now);
    let nature = a.purchase_nature.code();
    let premium = underwriting
        .tariff("ely", nature)
        .and_then(|t| t.premium(amount));
    let mut callbacks = Vec::new();
    match &decision {
        Decision::Approve => callbacks.push(NewCallback {
            interface: "ELY102",
            payload: json!({"applicationId": a.application_id, "applicationStatus": "01"}),
        }),
        Decision::Reject { .. } => callbacks.push(NewCallback {
            interface: "ELY102",
            payload: json!({
                "applicationId": a.application_id,
                "applicationStatus": "02",
                "failReason": fail_reason(&decision),
            }),
        }),
        Decision::Refer { .. } => {}
    }
    let application = NewApplication {
        id: Uuid::new_v4(),
        platform_id: platform_id.to_owned(),
        protocol: "ely",
        external_no: a.application_id.clone(),
        status: status_of(&decision).as_str(),
        applicant_name: a.supplier.clone(),
        applicant_credit_code: a.social_credit_code.clone(),
        project_code: Some(a.project_code.clone()),
        project_name: Some(a.project_name.clone()),
        guarantee_amount_fen: amount,
        premium_fen: premium,
        pay_token_digest: token_digest(pay_token),
        details: json!({
            "section": a.bid_code,
            "bidCode": a.bid_code,
            "bidName": a.bid_name,
            "purchaseNature": nature,
            "purchaseName": a.purchase_name,
            "purchaseSocCode": a.purchase_soc_code,
            "bidAmountFen": a.bid_amount.get(),
            "guaranteeMonths": a.guarantee_date,
            "needPaper": a.need_paper.code(),
            "decision": decision_text(&decision),
        }),
        personal: vec![
            personal("legalName", "person_name", a.legal_name.expose()),
            personal("legalIdNo", "id_number", a.legal_id_no.expose()),
            personal("contacts", "person_name", a.contacts.expose()),
            personal("contactsWay", "phone", a.contacts_way.expose()),
            personal("contractCerNo", "id_number", a.contract_cer_no.expose()),
        ],
    };
    Decided {
        decision,
        application,
        callbacks,
    }
}

/// baohanapply 投保申请.
pub fn baohanapply(
    platform_id: &str,
    a: &BaohanApply,
    pay_token: Option<&str>,
    underwriting: &Underwriting,
    earlier_application: bool,
    now: DateTime<FixedOffset>,
) -> Decided {
    let amount = a.bzjamount.get();
    let opening = a.kaibiaotime.0;
    // 投标有效期 runs from the bid opening, in days.
    let period = Some(Period {
        field: "tbyxq",
        start: opening.date_naive(),
        end: (opening + Duration::days(i64::from(a.tbyxq))).date_naive(),
    });
    let proposal = Proposal {
        credit_code: ("biddercode", a.biddercode.clone()),
        resident_ids: Vec::new(),
        amount_fen: ("bzjamount", amount),
        deadlines: vec![("bzjendtime", a.bzjendtime.0), ("kaibiaotime", opening)],
        period,
        earlier_application,
    };
    let decision = underwriting.rules.decide(&proposal, now);
    let premium = underwriting
        .tariff("fujian", &a.projecttype)
        .and_then(|t| t.premium(amount));
    let mut callbacks = Vec::new();
    if let Decision::Reject { .. } = &decision {
        callbacks.push(NewCallback {
            interface: "baohannotice",
            payload: json!({"applyno": a.applyno, "applystatus": "0"}),
        });
    }
    let application = NewApplication {
        id: Uuid::new_v4(),
        platform_id: platform_id.to_owned(),
        protocol: "fujian",
        external_no: a.applyno.clone(),
        status: status_of(&decision).as_str(),
        applicant_name: a.biddername.clone(),
        applicant_credit_code: a.biddercode.clone(),
        project_code: Some(a.projectno.clone()),
        project_name: Some(a.projectname.clone()),
        guarantee_amount_fen: amount,
        premium_fen: premium,
        pay_token_digest: token_digest(pay_token),
        details: json!({
            "section": a.biaoduanno,
            "biaoduanno": a.biaoduanno,
            "biaoduanname": a.biaoduanname,
            "zbr": a.zbr,
            "citycode": a.citycode,
            "projecttype": a.projecttype,
            "reckonpriceFen": a.reckonprice.get(),
            "tbyxq": a.tbyxq,
            "tenderfileurl": a.tenderfileurl,
            "decision": decision_text(&decision),
        }),
        personal: vec![
            personal(
                "tendererbankcode",
                "bank_account",
                a.tendererbankcode.expose(),
            ),
            personal("tenderercontact", "person_name", a.tenderercontact.expose()),
            personal("tenderercontacttel", "phone", a.tenderercontacttel.expose()),
        ],
    };
    Decided {
        decision,
        application,
        callbacks,
    }
}

fn decision_text(d: &Decision) -> Value {
    match d {
        Decision::Approve => json!({"outcome": "approve"}),
        Decision::Reject { field, reason } => {
            json!({"outcome": "reject", "field": field, "reason": reason})
        }
        Decision::Refer { reason } => json!({"outcome": "refer", "reason": reason}),
    }
}
