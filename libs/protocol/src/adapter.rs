//! The port every platform's adapter fills: what the workers and the
//! notifier ask of a platform's spec without knowing which spec it is.
//!
//! - A worker renders what happened (a domain [`Notice`]) into the
//!   callbacks the platform is owed, and names a refused value the way
//!   the platform's wire does ([`Adapter::field`]).
//! - The notifier seals a callback (sign, encrypt) and judges the answer.
//!
//! The inbound side (verify, decrypt, read, then `to_command`) is the
//! ingress's, one route per spec. [`Adapters`] finds a platform's adapter
//! by the platform's id; the built-in ones are [`FujianAdapter`] and
//! [`ElyAdapter`], and one built elsewhere (a deployment's, or the tests'
//! toy) is added with [`Adapters::with`].

use crate::ely::{self, ElyProfile, Transcode};
use crate::fujian::{self, FujianProfile, Interface};
use crate::notices::{self, Owed};
use crate::time::{Shape, shanghai};
use crate::wire::{Map, Value, WireMessage};
use baohan_domain::Protocol;
use baohan_domain::field::Field;
use baohan_domain::notice::Notice;
use chrono::{DateTime, FixedOffset, Utc};
use std::collections::HashMap;
use std::sync::Arc;

pub trait Adapter: Send + Sync + 'static {
    /// The spec it speaks, as rows and messages keep it.
    fn protocol(&self) -> Protocol;

    /// The wire's name for a value a rule refused; `None` where this spec
    /// has no such field (the reason then names it in words).
    fn field(&self, field: Field) -> Option<&'static str>;

    /// The callbacks `notice` owes the application `external_no` (the
    /// platform's number for it): none where the spec has no callback.
    fn render(&self, external_no: &str, notice: &Notice, now: DateTime<FixedOffset>) -> Vec<Owed>;

    /// A callback, signed and encrypted as the platform expects, with where
    /// it goes.
    fn seal(&self, owed: &Owed, now: DateTime<Utc>) -> Result<Prepared, Unsendable>;

    /// What the platform's answer (a 2xx body) means.
    fn judge(&self, answer: &[u8]) -> Verdict;
}

/// A request ready to POST.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub url: String,
    pub body: Vec<u8>,
}

/// Why a callback can never be sent as it is: a bug or a configuration
/// error, for an operator. Not retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsendable(pub String);

/// What the platform's answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// A well-formed answer with a failure code.
    Refused(String),
    /// Not an answer we can read.
    Unreadable(String),
}

/// `field: reason`, the field as the platform's wire names it.
pub fn reason(adapter: &dyn Adapter, field: Field, reason: &str) -> String {
    match adapter.field(field) {
        Some(name) => format!("{name}: {reason}"),
        None => format!("{}: {reason}", field.zh()),
    }
}

/// Every platform's adapter, by platform id.
#[derive(Clone, Default)]
pub struct Adapters {
    by_platform: HashMap<String, Arc<dyn Adapter>>,
}

/// A platform no adapter serves: a message for a platform removed from
/// the settings, say.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no adapter for platform {0}")]
pub struct UnknownPlatform(pub String);

impl Adapters {
    pub fn with(mut self, platform_id: &str, adapter: Arc<dyn Adapter>) -> Adapters {
        self.by_platform.insert(platform_id.to_owned(), adapter);
        self
    }

    pub fn get(&self, platform_id: &str) -> Result<&dyn Adapter, UnknownPlatform> {
        self.by_platform
            .get(platform_id)
            .map(|a| a.as_ref())
            .ok_or_else(|| UnknownPlatform(platform_id.to_owned()))
    }
}

impl std::fmt::Debug for Adapters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut ids: Vec<_> = self.by_platform.keys().collect();
        ids.sort();
        f.debug_struct("Adapters").field("platforms", &ids).finish()
    }
}

/// Where each Fujian callback goes.
#[derive(Debug, Clone)]
pub struct FujianUrls {
    pub baohannotice: String,
    pub quitnotice: String,
    pub claimsresultnotice: String,
}

/// A Fujian platform: SM3 sign over the sorted fields, SM4 on the 密文
/// fields; success is `code` 1, a number or a string.
pub struct FujianAdapter {
    pub profile: FujianProfile,
    pub urls: FujianUrls,
    /// baohannotice `instname`.
    pub institution: String,
}

impl Adapter for FujianAdapter {
    fn protocol(&self) -> Protocol {
        Protocol::Fujian
    }

    fn field(&self, field: Field) -> Option<&'static str> {
        Some(match field {
            Field::CreditCode => "biddercode",
            Field::Amount => "bzjamount",
            Field::DepositDeadline => "bzjendtime",
            Field::BidOpening => "kaibiaotime",
            Field::ValidityDays => "tbyxq",
            Field::ClaimPayeeAccount => "payeraccount",
            Field::LegalRepId
            | Field::ContactId
            | Field::PeriodEnd
            | Field::PeriodMonths
            | Field::ClaimPrincipal
            | Field::ClaimBeneficiary => return None,
        })
    }

    fn render(&self, external_no: &str, notice: &Notice, now: DateTime<FixedOffset>) -> Vec<Owed> {
        notices::fujian(external_no, notice, &self.institution, now)
            .into_iter()
            .collect()
    }

    fn seal(&self, owed: &Owed, now: DateTime<Utc>) -> Result<Prepared, Unsendable> {
        let now = now.with_timezone(&shanghai());
        let Value::Object(fields) = &owed.payload else {
            return Err(Unsendable("payload is not a JSON object".into()));
        };
        let (interface, url) = match Interface::parse(&owed.interface) {
            Some(i @ Interface::Baohannotice) => (i, &self.urls.baohannotice),
            Some(i @ Interface::Quitnotice) => (i, &self.urls.quitnotice),
            Some(i @ Interface::Claimsresultnotice) => (i, &self.urls.claimsresultnotice),
            _ => {
                return Err(Unsendable(format!(
                    "{} is not a Fujian callback",
                    owed.interface
                )));
            }
        };
        let mut map: Map = fields.clone();
        // Set by `seal`; the typed request wants them present.
        map.insert("appkey".into(), Value::String(self.profile.appkey.clone()));
        map.insert(
            "timestamp".into(),
            Value::String(Shape::Dashed.format(&now)),
        );
        map.insert("sign".into(), Value::String("-".into()));
        let request = interface
            .parse_request(&map)
            .map_err(|e| Unsendable(format!("{}: {e}", interface.name())))?;
        let sealed = fujian::seal(&request, &self.profile, now);
        Ok(Prepared {
            url: url.clone(),
            body: serde_json::to_vec(&Value::Object(sealed)).unwrap_or_default(),
        })
    }

    fn judge(&self, answer: &[u8]) -> Verdict {
        let Ok(Value::Object(reply)) = serde_json::from_slice::<Value>(answer) else {
            return Verdict::Unreadable("not a JSON object".into());
        };
        let code = match reply.get("code") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.trim().to_owned(),
            _ => return Verdict::Unreadable("no code".into()),
        };
        if code == "1" {
            Verdict::Delivered
        } else {
            let message = reply.get("message").and_then(Value::as_str).unwrap_or("");
            Verdict::Refused(format!("code {code}: {message}"))
        }
    }
}

/// An ELY platform: business data SM2-encrypted to the platform's key, a
/// fresh `msgcode`, `reqtime`, the SM3 sign; every callback transcode goes
/// to its one ELYApi URL; success is `code` `000`.
pub struct ElyAdapter {
    pub profile: ElyProfile,
    pub callback_url: String,
}

impl Adapter for ElyAdapter {
    fn protocol(&self) -> Protocol {
        Protocol::Ely
    }

    fn field(&self, field: Field) -> Option<&'static str> {
        Some(match field {
            Field::CreditCode | Field::ClaimPrincipal => "socialCreditCode",
            Field::LegalRepId => "legalIdNo",
            Field::ContactId => "contractCerNo",
            Field::Amount => "performanceBou",
            Field::PeriodEnd => "guaranteeEndDate",
            Field::PeriodMonths => "guaranteeDate",
            Field::ClaimBeneficiary => "purchaseName/purchaseSocCode",
            Field::ClaimPayeeAccount => "bankAccount",
            Field::DepositDeadline | Field::BidOpening | Field::ValidityDays => return None,
        })
    }

    fn render(&self, external_no: &str, notice: &Notice, _now: DateTime<FixedOffset>) -> Vec<Owed> {
        notices::ely(external_no, notice).into_iter().collect()
    }

    fn seal(&self, owed: &Owed, now: DateTime<Utc>) -> Result<Prepared, Unsendable> {
        let now = now.with_timezone(&shanghai());
        let Value::Object(fields) = &owed.payload else {
            return Err(Unsendable("payload is not a JSON object".into()));
        };
        let interface = &owed.interface;
        let transcode = Transcode::parse(interface)
            .filter(|t| t.provider() == crate::Provider::Platform)
            .ok_or_else(|| Unsendable(format!("{interface} is not an ELY callback")))?;
        transcode
            .parse_request(fields)
            .map_err(|e| Unsendable(format!("{interface}: {e}")))?;
        let wire = ely::codec::seal_request(
            transcode,
            fields,
            &self.profile,
            now,
            ely::codec::new_msgcode(),
            transcode.request_envelope(),
        )
        .map_err(|e| Unsendable(format!("{interface}: {e}")))?;
        Ok(Prepared {
            url: self.callback_url.clone(),
            body: serde_json::to_vec(&Value::Object(wire.to_map())).unwrap_or_default(),
        })
    }

    fn judge(&self, answer: &[u8]) -> Verdict {
        match ely::codec::open_response(answer, &self.profile) {
            Ok((response, _)) if response.code.is_success() => Verdict::Delivered,
            Ok((response, _)) => Verdict::Refused(format!(
                "code {}: {}",
                response.code.code(),
                response.message.unwrap_or_default()
            )),
            Err(e) => Verdict::Unreadable(e.to_string()),
        }
    }
}
