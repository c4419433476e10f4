//! From an application as the platform sent it to what is stored: the
//! proposal the rules judge, the decision, the premium, the application
//! row (personal data apart) and the callbacks the decision owes.
//!
//! Callbacks owed by a decision are `baohan_protocol::notices`'s (see
//! docs/lifecycle.md); a referral owes nothing until a person decides.
//! An approved ELY application also owes the bidder an SMS with the
//! portal link, since ELY has no field for one.

use baohan_config::Underwriting;
use baohan_domain::Protocol;
use baohan_domain::application::Status;
use baohan_domain::command::{Apply, PayLink, Terms};
use baohan_domain::details::{DecisionRecord, Details, PersonalField};
use baohan_domain::underwriting::{Decision, Proposal};
use baohan_gm::sm3;
use baohan_protocol::adapter::{self, Adapter};
use baohan_protocol::notices::Notice;
use baohan_store::applications::{NewApplication, NewCallback, NewNotification, Personal};
use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

/// What a decision needs besides the application itself.
pub struct Context<'a> {
    pub underwriting: &'a Underwriting,
    /// The SMS signature.
    pub institution: &'a str,
    /// `{portal_base_url}/pay/{token}` is the bidder's page.
    pub portal_base_url: &'a str,
    /// The same bidder's latest live application for the same section,
    /// if any: its number and status.
    pub earlier: Option<(String, Status)>,
    pub now: DateTime<FixedOffset>,
}

/// The SMS that takes an approved bidder to the portal, where the
/// platform cannot show the link (`PayLink::Sms`).
pub fn payment_link_sms(
    institution: &str,
    portal_base_url: &str,
    application_no: &str,
    premium_fen: Option<i64>,
    pay_token: &str,
) -> NewNotification {
    NewNotification {
        recipient_field: PersonalField::ContactPhone.stored_name(),
        body: baohan_gateways::sms::payment_link_text(
            institution,
            portal_base_url,
            application_no,
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

/// The decision as kept: a rejection names the field as the platform's
/// wire does.
fn record(decision: &Decision, adapter: &dyn Adapter) -> DecisionRecord {
    match decision {
        Decision::Approve => DecisionRecord::Approve,
        Decision::Reject { field, reason } => DecisionRecord::Reject {
            field: adapter
                .field(*field)
                .map_or_else(|| field.zh().to_owned(), str::to_owned),
            reason: reason.clone(),
        },
        Decision::Refer { reason } => DecisionRecord::Refer {
            reason: reason.clone(),
        },
    }
}

/// Why, for the timeline and the platform: `field: reason`.
fn note_of(decision: &Decision, adapter: &dyn Adapter) -> Option<String> {
    match decision {
        Decision::Approve => None,
        Decision::Reject { field, reason } => Some(adapter::reason(adapter, *field, reason)),
        Decision::Refer { reason } => Some(reason.clone()),
    }
}

fn token_digest(pay_token: Option<&str>) -> Option<String> {
    pay_token.map(|t| sm3::hex_digest(t.as_bytes()))
}

/// One application, decided: whatever the platform, the rules judge the
/// same proposal, and the platform's adapter renders what it is owed.
///
/// A performance guarantee may be extended (ELY's 同一项目可存在延期申请): a
/// later application by the same supplier for the same section, after
/// the earlier one's guarantee was issued, is linked to it
/// (`details.extends`) and not counted as a duplicate. Any other live
/// earlier application is, and a person decides.
pub fn apply(
    platform_id: &str,
    protocol: &Protocol,
    a: &Apply,
    pay_token: Option<&str>,
    adapter: &dyn Adapter,
    cx: &Context,
) -> Decided {
    let now = cx.now;
    let extends = match &a.terms {
        Terms::Performance(_) => cx
            .earlier
            .as_ref()
            .filter(|(_, status)| *status == Status::Issued)
            .map(|(no, _)| no.clone()),
        Terms::Bid(_) => None,
    };
    let earlier_application = cx.earlier.is_some() && extends.is_none();
    let decision = cx
        .underwriting
        .rules
        .decide(&Proposal::of(a, earlier_application, now), now);
    let premium = cx
        .underwriting
        .tariff(protocol, a.terms.tariff_class())
        .and_then(|t| t.premium(a.amount.get()));
    let note = note_of(&decision, adapter);
    let notice = match &decision {
        Decision::Approve => Some(Notice::Approved),
        Decision::Reject { .. } => Some(Notice::Rejected {
            reason: note.clone().unwrap_or_default(),
        }),
        // A referral owes nothing until a person decides.
        Decision::Refer { .. } => None,
    };
    let callbacks = notice
        .map(|n| adapter.render(&a.application, &n, now))
        .unwrap_or_default();
    let notifications = match (&decision, a.pay_link, pay_token) {
        (Decision::Approve, PayLink::Sms, Some(token)) => vec![payment_link_sms(
            cx.institution,
            cx.portal_base_url,
            &a.application,
            premium,
            token,
        )],
        _ => Vec::new(),
    };
    let personal = PersonalField::of(a)
        .into_iter()
        .map(|(f, value)| Personal {
            field: f.stored_name().to_owned(),
            kind: f.kind(),
            value,
        })
        .collect();
    let application = NewApplication {
        id: Uuid::new_v4(),
        platform_id: platform_id.to_owned(),
        protocol: protocol.clone(),
        external_no: a.application.clone(),
        status: status_of(&decision),
        note,
        applicant_name: a.applicant.name.clone(),
        applicant_credit_code: a.applicant.credit_code.text().to_owned(),
        project_code: Some(a.project.code.clone()),
        project_name: Some(a.project.name.clone()),
        guarantee_amount_fen: a.amount.get(),
        premium_fen: premium,
        pay_token_digest: token_digest(pay_token),
        details: Details::of(a, extends, record(&decision, adapter)),
        personal,
        notifications,
    };
    Decided {
        decision,
        application,
        callbacks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baohan_protocol::ely::messages::ely101;
    use baohan_protocol::ely::{ElyRequest, Transcode};
    use serde_json::json;
    use std::path::Path;

    fn repo(path: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path)
    }

    fn fixture() -> Apply {
        let text =
            std::fs::read_to_string(repo("tests/fixtures/plain/ely/ELY101.request.json")).unwrap();
        let map = serde_json::from_str(&text).unwrap();
        let a = match Transcode::Ely101.parse_request(&map).unwrap() {
            ElyRequest::Ely101(a) => a,
            other => panic!("{other:?}"),
        };
        match ely101::to_command(&a) {
            baohan_domain::command::Command::Apply(a) => *a,
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
        let adapters = settings.adapters();
        let adapter = adapters.get("ely-demo").unwrap();
        super::apply(
            "ely-demo",
            &Protocol::Ely,
            &fixture(),
            Some("tok"),
            adapter,
            &cx,
        )
    }

    #[test]
    fn an_extension_of_an_issued_guarantee_is_linked_and_decided_on_its_own() {
        let d = decide_with(Some(("ZCLY-EARLIER".into(), Status::Issued)));
        assert_eq!(d.decision, Decision::Approve);
        assert_eq!(
            d.application.details.extends.as_deref(),
            Some("ZCLY-EARLIER")
        );
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
        assert_eq!(d.application.details.extends, None);
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
