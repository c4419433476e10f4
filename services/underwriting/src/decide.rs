//! From an application as the platform sent it to what is stored: the
//! proposal the rules judge, the decision, the premium, the application
//! row (personal data apart) and the callbacks the decision owes.
//!
//! Callbacks owed by a decision are `baohan_protocol::notices`'s (see
//! docs/lifecycle.md); a referral owes nothing until a person decides.
//! An approved ELY application also owes the bidder an SMS with the
//! portal link, since ELY has no field for one.

use baohan_config::Underwriting;
use baohan_domain::application::Status;
use baohan_domain::underwriting::{Decision, Period, Proposal};
use baohan_gm::sm3;
use baohan_protocol::ely::messages::Ely101;
use baohan_protocol::fujian::messages::BaohanApply;
use baohan_protocol::notices::{self, Notice};
use baohan_store::applications::{NewApplication, NewCallback, NewNotification, Personal};
use chrono::{DateTime, Duration, FixedOffset, Months};
use serde_json::{Value, json};
use uuid::Uuid;

/// What a decision needs besides the application itself.
pub struct Context<'a> {
    pub underwriting: &'a Underwriting,
    /// baohannotice `instname`, and the SMS signature.
    pub institution: &'a str,
    /// `{portal_base_url}/pay/{token}` is the bidder's page.
    pub portal_base_url: &'a str,
    /// The same bidder's latest live application for the same section,
    /// if any: its number and status.
    pub earlier: Option<(String, Status)>,
    pub now: DateTime<FixedOffset>,
}

impl Context<'_> {
    fn owed(&self, protocol: &str, external_no: &str, decision: &Decision) -> Vec<NewCallback> {
        let notice = match decision {
            Decision::Approve => Notice::Approved,
            Decision::Reject { .. } => Notice::Rejected {
                reason: note_of(decision).unwrap_or_default(),
            },
            Decision::Refer { .. } => return Vec::new(),
        };
        notices::owed(protocol, external_no, &notice, self.institution, self.now)
    }
}

/// The SMS that takes an approved ELY bidder to the portal.
pub fn payment_link_sms(
    institution: &str,
    portal_base_url: &str,
    application_id: &str,
    premium_fen: Option<i64>,
    pay_token: &str,
) -> NewNotification {
    NewNotification {
        recipient_field: "contactsWay",
        body: baohan_gateways::sms::payment_link_text(
            institution,
            portal_base_url,
            application_id,
            premium_fen,
            pay_token,
        ),
    }
}

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

fn note_of(decision: &Decision) -> Option<String> {
    match decision {
        Decision::Approve => None,
        Decision::Reject { field, reason } => Some(format!("{field}: {reason}")),
        Decision::Refer { reason } => Some(reason.clone()),
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
///
/// 同一项目可存在延期申请: a later application by the same supplier for the
/// same section, after the earlier one's guarantee was issued, is an
/// extension. It is linked to the earlier one (`details.extends`) and not
/// counted as a duplicate; any other live earlier application is.
pub fn ely101(platform_id: &str, a: &Ely101, pay_token: Option<&str>, cx: &Context) -> Decided {
    let now = cx.now;
    let extends = cx
        .earlier
        .as_ref()
        .filter(|(_, status)| *status == Status::Issued)
        .map(|(no, _)| no.clone());
    let earlier_application = cx.earlier.is_some() && extends.is_none();
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
    let decision = cx.underwriting.rules.decide(&proposal, now);
    let nature = a.purchase_nature.code();
    let premium = cx
        .underwriting
        .tariff("ely", nature)
        .and_then(|t| t.premium(amount));
    let callbacks = cx.owed("ely", &a.application_id, &decision);
    let notifications = match (&decision, pay_token) {
        (Decision::Approve, Some(token)) => vec![payment_link_sms(
            cx.institution,
            cx.portal_base_url,
            &a.application_id,
            premium,
            token,
        )],
        _ => Vec::new(),
    };
    let application = NewApplication {
        id: Uuid::new_v4(),
        platform_id: platform_id.to_owned(),
        protocol: "ely",
        external_no: a.application_id.clone(),
        status: status_of(&decision),
        note: note_of(&decision),
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
            // The period as asked; issuance counts from the issue date when
            // none was given.
            "guaranteeStartDate": a.guarantee_start_date.map(|d| d.0.to_string()),
            "guaranteeEndDate": a.guarantee_end_date.map(|d| d.0.to_string()),
            "needPaper": a.need_paper.code(),
            "extends": extends,
            "decision": decision_text(&decision),
        }),
        personal: vec![
            personal("legalName", "person_name", a.legal_name.expose()),
            personal("legalIdNo", "id_number", a.legal_id_no.expose()),
            personal("contacts", "person_name", a.contacts.expose()),
            personal("contactsWay", "phone", a.contacts_way.expose()),
            personal("contractCerNo", "id_number", a.contract_cer_no.expose()),
        ],
        notifications,
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
    cx: &Context,
) -> Decided {
    let now = cx.now;
    let earlier_application = cx.earlier.is_some();
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
    let decision = cx.underwriting.rules.decide(&proposal, now);
    let premium = cx
        .underwriting
        .tariff("fujian", &a.projecttype)
        .and_then(|t| t.premium(amount));
    let callbacks = cx.owed("fujian", &a.applyno, &decision);
    let application = NewApplication {
        id: Uuid::new_v4(),
        platform_id: platform_id.to_owned(),
        protocol: "fujian",
        external_no: a.applyno.clone(),
        status: status_of(&decision),
        note: note_of(&decision),
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
            "zbrorgnum": a.zbrorgnum,
            // The bid validity (tbyxq days) runs from the bid opening.
            "kaibiaotime": a.kaibiaotime.0.to_rfc3339(),
            "citycode": a.citycode,
            "projecttype": a.projecttype,
            "reckonpriceFen": a.reckonprice.get(),
            "tbyxq": a.tbyxq,
            "tenderfileurl": a.tenderfileurl,
            // The beneficiary's bank, named in claimsresultnotice.
            "tendereropenbank": a.tendereropenbank,
            "tendererbankaccount": a.tendererbankaccount,
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
        notifications: Vec::new(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use baohan_protocol::ely::{ElyRequest, Transcode};
    use std::path::Path;

    fn repo(path: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path)
    }

    fn fixture() -> Ely101 {
        let text =
            std::fs::read_to_string(repo("tests/fixtures/plain/ely/ELY101.request.json")).unwrap();
        let map = serde_json::from_str(&text).unwrap();
        match Transcode::Ely101.parse_request(&map).unwrap() {
            ElyRequest::Ely101(a) => a,
            other => panic!("{other:?}"),
        }
    }

    fn decide_with(earlier: Option<(String, Status)>) -> Decided {
        let settings =
            baohan_config::Settings::load_with_env(&repo("config/local.toml"), []).unwrap();
        let cx = Context {
            underwriting: &settings.underwriting,
            institution: "某担保",
            portal_base_url: "https://portal.example/",
            earlier,
            now: baohan_protocol::time::now(),
        };
        super::ely101("ely-demo", &fixture(), Some("tok"), &cx)
    }

    #[test]
    fn an_extension_of_an_issued_guarantee_is_linked_and_decided_on_its_own() {
        let d = decide_with(Some(("ZCLY-EARLIER".into(), Status::Issued)));
        assert_eq!(d.decision, Decision::Approve);
        assert_eq!(d.application.details["extends"], json!("ZCLY-EARLIER"));
        assert_eq!(d.application.status, Status::Approved);
    }

    #[test]
    fn a_second_application_while_the_first_is_live_is_referred() {
        let d = decide_with(Some(("ZCLY-EARLIER".into(), Status::Approved)));
        assert!(
            matches!(d.decision, Decision::Refer { .. }),
            "{:?}",
            d.decision
        );
        assert_eq!(d.application.details["extends"], Value::Null);
        assert!(d.callbacks.is_empty());
        assert!(d.application.notifications.is_empty());
    }

    #[test]
    fn an_approval_owes_elyl02_01_and_the_payment_link_sms() {
        let d = decide_with(None);
        assert_eq!(d.callbacks.len(), 1);
        assert_eq!(d.callbacks[0].payload["applicationStatus"], json!("01"));
        let sms = &d.application.notifications[0];
        assert_eq!(sms.recipient_field, "contactsWay");
        assert!(
            sms.body.ends_with("https://portal.example/pay/tok"),
            "{}",
            sms.body
        );
        // 119800.00 yuan at 2‰.
        assert_eq!(d.application.premium_fen, Some(23_960));
        assert!(sms.body.contains("保费 239.60 元"));
    }
}
