//! The callback each step of an application owes its platform, as the
//! business fields before signing: what the outbox row (`callbacks.payload`)
//! holds and the notifier signs. One place for both specs, so
//! docs/lifecycle.md can be checked against one function.
//!
//! | step | Fujian | ELY |
//! |---|---|---|
//! | approved | — (baohannotice `1` follows issuance) | ELY102 `01` |
//! | rejected | baohannotice `0` | ELY102 `02` + failReason |
//! | paid | — | ELY102 `05` + payTime, payAmt, payType |
//! | issued | baohannotice `1` + baohanno | ELY102 `03` + guaranteeId, guaranteeAmt, validTimeStart/End, letterOfTime, companyName |

use crate::ely::messages::PayType;
use crate::money::Fen;
use crate::time::Shape;
use chrono::{DateTime, FixedOffset};
use serde_json::{Value, json};

/// What happened to the application, in the terms the callbacks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Approved,
    Rejected {
        /// `field: reason`, at most 255 characters on the ELY wire.
        reason: String,
    },
    Paid {
        at: DateTime<FixedOffset>,
        amount: Fen,
        pay_type: PayType,
    },
    Issued {
        guarantee_no: String,
        amount: Fen,
        valid_from: DateTime<FixedOffset>,
        valid_to: DateTime<FixedOffset>,
        issued_at: DateTime<FixedOffset>,
        /// ELY `companyName`: the institution that issued it.
        institution: String,
    },
}

/// A callback owed: the interface and its business fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Owed {
    pub interface: &'static str,
    pub payload: Value,
}

/// ELY102's `failReason` holds 255 characters; a longer reason is cut at a
/// character boundary rather than refused by the platform.
const FAIL_REASON_MAX: usize = 255;

/// ELY: every step is an ELY102 with its status code.
pub fn ely(application_id: &str, notice: &Notice) -> Option<Owed> {
    let payload = match notice {
        Notice::Approved => json!({"applicationId": application_id, "applicationStatus": "01"}),
        Notice::Rejected { reason } => json!({
            "applicationId": application_id,
            "applicationStatus": "02",
            "failReason": reason.chars().take(FAIL_REASON_MAX).collect::<String>(),
        }),
        Notice::Paid {
            at,
            amount,
            pay_type,
        } => json!({
            "applicationId": application_id,
            "applicationStatus": "05",
            "payTime": Shape::Dashed.format(at),
            "payAmt": amount.to_yuan(),
            "payType": pay_type.code(),
        }),
        Notice::Issued {
            guarantee_no,
            amount,
            valid_from,
            valid_to,
            issued_at,
            institution,
        } => json!({
            "applicationId": application_id,
            "applicationStatus": "03",
            "guaranteeId": guarantee_no,
            "guaranteeAmt": amount.to_yuan(),
            "validTimeStart": Shape::Dashed.format(valid_from),
            "validTimeEnd": Shape::Dashed.format(valid_to),
            "letterOfTime": Shape::Dashed.format(issued_at),
            "companyName": institution,
        }),
    };
    Some(Owed {
        interface: "ELY102",
        payload,
    })
}

/// Fujian: a rejection, and the issue (with the guarantee's number).
/// Only a rejection is told before issuance. The spec requires
/// `baohanno` even then, when no guarantee exists; we send the applyno,
/// which the platform knows and which cannot be taken for one of our
/// guarantee numbers (docs/protocol.md, "Callbacks").
pub fn fujian(
    applyno: &str,
    notice: &Notice,
    institution: &str,
    now: DateTime<FixedOffset>,
) -> Option<Owed> {
    match notice {
        Notice::Rejected { .. } => Some(Owed {
            interface: "baohannotice",
            payload: json!({
                "applyno": applyno,
                "baohanno": applyno,
                "instname": institution,
                "generatetime": Shape::Dashed.format(&now),
                "applystatus": "0",
            }),
        }),
        Notice::Issued {
            guarantee_no,
            issued_at,
            ..
        } => Some(Owed {
            interface: "baohannotice",
            payload: json!({
                "applyno": applyno,
                "baohanno": guarantee_no,
                "instname": institution,
                "generatetime": Shape::Dashed.format(issued_at),
                "applystatus": "1",
            }),
        }),
        Notice::Approved | Notice::Paid { .. } => None,
    }
}

/// The callbacks `notice` owes an application of `protocol` (`fujian` or
/// `ely`, as the store names it).
pub fn owed(
    protocol: &str,
    external_no: &str,
    notice: &Notice,
    institution: &str,
    now: DateTime<FixedOffset>,
) -> Vec<Owed> {
    match protocol {
        "ely" => ely(external_no, notice),
        _ => fujian(external_no, notice, institution, now),
    }
    .into_iter()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::shanghai;
    use chrono::TimeZone;

    fn at() -> DateTime<FixedOffset> {
        shanghai().with_ymd_and_hms(2026, 5, 6, 7, 8, 9).unwrap()
    }

    #[test]
    fn ely_steps_carry_their_status_and_fields() {
        assert_eq!(
            ely("A1", &Notice::Approved).unwrap().payload,
            json!({"applicationId": "A1", "applicationStatus": "01"})
        );
        let paid = Notice::Paid {
            at: at(),
            amount: Fen::new(123_456).unwrap(),
            pay_type: PayType::BankTransfer,
        };
        assert_eq!(
            ely("A1", &paid).unwrap().payload,
            json!({"applicationId": "A1", "applicationStatus": "05",
                   "payTime": "2026-05-06 07:08:09", "payAmt": "1234.56", "payType": "01"})
        );
        let long = Notice::Rejected {
            reason: "理".repeat(300),
        };
        let owed = ely("A1", &long).unwrap();
        assert_eq!(owed.payload["applicationStatus"], json!("02"));
        assert_eq!(
            owed.payload["failReason"].as_str().unwrap().chars().count(),
            255
        );
    }

    fn issued() -> Notice {
        Notice::Issued {
            guarantee_no: "BH-1".into(),
            amount: Fen::new(11_980_000).unwrap(),
            valid_from: shanghai().with_ymd_and_hms(2026, 4, 20, 0, 0, 0).unwrap(),
            valid_to: shanghai()
                .with_ymd_and_hms(2027, 4, 19, 23, 59, 59)
                .unwrap(),
            issued_at: at(),
            institution: "某银行".into(),
        }
    }

    #[test]
    fn an_issue_carries_the_guarantee() {
        assert_eq!(
            ely("A1", &issued()).unwrap().payload,
            json!({"applicationId": "A1", "applicationStatus": "03", "guaranteeId": "BH-1",
                   "guaranteeAmt": "119800.00", "validTimeStart": "2026-04-20 00:00:00",
                   "validTimeEnd": "2027-04-19 23:59:59", "letterOfTime": "2026-05-06 07:08:09",
                   "companyName": "某银行"})
        );
        assert_eq!(
            fujian("F1", &issued(), "某银行", at()).unwrap().payload,
            json!({"applyno": "F1", "baohanno": "BH-1", "instname": "某银行",
                   "generatetime": "2026-05-06 07:08:09", "applystatus": "1"})
        );
    }

    #[test]
    fn fujian_tells_only_a_rejection_before_issue() {
        assert_eq!(fujian("F1", &Notice::Approved, "某银行", at()), None);
        let owed = fujian(
            "F1",
            &Notice::Rejected { reason: "x".into() },
            "某银行",
            at(),
        )
        .unwrap();
        assert_eq!(owed.interface, "baohannotice");
        assert_eq!(
            owed.payload,
            json!({"applyno": "F1", "baohanno": "F1", "instname": "某银行",
                   "generatetime": "2026-05-06 07:08:09", "applystatus": "0"})
        );
    }
}
