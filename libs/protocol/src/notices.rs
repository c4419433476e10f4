//! How each built-in adapter renders the domain's [`Notice`]s: the callback
//! each step of an application owes its platform, as the business fields
//! before signing (what the `callbacks` row holds and the notifier seals).
//! One place for both specs, so docs/lifecycle.md can be checked against
//! it; the adapters (`crate::adapter`) call [`fujian`] and [`ely`].
//!
//! | step | Fujian | ELY |
//! |---|---|---|
//! | approved | — (baohannotice `1` follows issuance) | ELY102 `01` |
//! | rejected | baohannotice `0` | ELY102 `02` + failReason |
//! | paid | — | ELY102 `05` + payTime, payAmt, payType |
//! | issued | baohannotice `1` + baohanno | ELY102 `03` + guaranteeId, guaranteeAmt, validTimeStart/End, letterOfTime, companyName (the supplier) |
//! | claim accepted | claimsresultnotice `1` + both parties | ELY106 `00` |
//! | claim paid | claimsresultnotice `2` + both parties, compensateamount | ELY106 `01` + paymentMoney, paymentBeneficiary(Social), paymentTime |
//! | claim refused | claimsresultnotice `3` + compensateremark | ELY106 `02` |
//! | cancelled before issue | — (giveupnotice is answered at once) | ELY102 `07` |
//! | cancel refused | — | ELY102 `06` + failReason |
//! | surrendered (退保) | quitnotice | ELY102 `08` |
//! | surrender refused | — (quitapply is refused at once) | ELY102 `09` + failReason |
//! | invalidated (ELY107) | — | ELY108 + cancelDate, cancelNotice |

use crate::ely::messages::PayType;
use crate::time::Shape;
pub use baohan_domain::notice::{ClaimStage, Notice, PaidBy, Party};
use chrono::{DateTime, FixedOffset};
use serde_json::{Value, json};

/// A callback owed: the interface and its business fields, as the
/// `callbacks` row keeps them until the notifier seals and sends them.
#[derive(Debug, Clone, PartialEq)]
pub struct Owed {
    pub interface: String,
    pub payload: Value,
}

/// ELY102's `failReason` holds 255 characters; a longer reason is cut at a
/// character boundary rather than refused by the platform.
const FAIL_REASON_MAX: usize = 255;
/// ELY106 `paymentBeneficiary` holds 25; ELY108 `cancelNotice` 200.
const BENEFICIARY_MAX: usize = 25;
const CANCEL_NOTICE_MAX: usize = 200;
/// Fujian `compensateremark` holds 1024.
const REMARK_MAX: usize = 1024;

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn ely102(application_id: &str, status: &str, reason: Option<&str>) -> Owed {
    let mut payload = json!({"applicationId": application_id, "applicationStatus": status});
    if let Some(r) = reason {
        payload["failReason"] = json!(cut(r, FAIL_REASON_MAX));
    }
    Owed {
        interface: "ELY102".into(),
        payload,
    }
}

/// ELY: every step is an ELY102 with its status code.
pub fn ely(application_id: &str, notice: &Notice) -> Option<Owed> {
    let owed = match notice {
        Notice::Approved => ely102(application_id, "01", None),
        Notice::Rejected { reason } => ely102(application_id, "02", Some(reason)),
        Notice::Paid { at, amount, by } => Owed {
            interface: "ELY102".into(),
            payload: json!({
                "applicationId": application_id,
                "applicationStatus": "05",
                "payTime": Shape::Dashed.format(at),
                "payAmt": amount.to_yuan(),
                "payType": pay_type(*by).code(),
            }),
        },
        Notice::Issued {
            guarantee_no,
            amount,
            valid_from,
            valid_to,
            issued_at,
            principal,
        } => Owed {
            interface: "ELY102".into(),
            payload: json!({
                "applicationId": application_id,
                "applicationStatus": "03",
                "guaranteeId": guarantee_no,
                "guaranteeAmt": amount.to_yuan(),
                "validTimeStart": Shape::Dashed.format(valid_from),
                "validTimeEnd": Shape::Dashed.format(valid_to),
                "letterOfTime": Shape::Dashed.format(issued_at),
                // 企业名称 is the supplier's, as ELY101 (`supplier`) and
                // ELY105 (`companyName`, 投保企业名称) use it: a platform
                // cross-checks it against the application.
                "companyName": principal,
            }),
        },
        Notice::Claim {
            guarantee_no,
            stage,
            amount,
            beneficiary,
            ..
        } => {
            let mut payload = json!({"guaranteeId": guarantee_no});
            match stage {
                ClaimStage::Accepted => payload["status"] = json!("00"),
                ClaimStage::Refused { .. } => payload["status"] = json!("02"),
                ClaimStage::Paid { at } => {
                    payload["status"] = json!("01");
                    payload["paymentMoney"] = json!(amount.to_yuan());
                    payload["paymentBeneficiary"] = json!(cut(&beneficiary.name, BENEFICIARY_MAX));
                    payload["paymentBeneficiarySocial"] = json!(beneficiary.org_num);
                    payload["paymentTime"] = json!(Shape::Dashed.format(at));
                }
            }
            Owed {
                interface: "ELY106".into(),
                payload,
            }
        }
        Notice::Cancelled => ely102(application_id, "07", None),
        Notice::CancelRefused { reason } => ely102(application_id, "06", Some(reason)),
        Notice::Surrendered { .. } => ely102(application_id, "08", None),
        Notice::SurrenderRefused { reason } => ely102(application_id, "09", Some(reason)),
        Notice::Invalidated {
            guarantee_no,
            at,
            notice,
        } => Owed {
            interface: "ELY108".into(),
            payload: json!({
                "guaranteeId": guarantee_no,
                "cancelDate": Shape::Dashed.format(at),
                "cancelNotice": cut(notice, CANCEL_NOTICE_MAX),
            }),
        },
    };
    Some(owed)
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
            interface: "baohannotice".into(),
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
            interface: "baohannotice".into(),
            payload: json!({
                "applyno": applyno,
                "baohanno": guarantee_no,
                "instname": institution,
                "generatetime": Shape::Dashed.format(issued_at),
                "applystatus": "1",
            }),
        }),
        Notice::Claim {
            guarantee_no,
            stage,
            amount,
            payer,
            beneficiary,
        } => {
            let (status, remark, amount) = match stage {
                ClaimStage::Accepted => ("1", None, amount.to_yuan()),
                ClaimStage::Paid { .. } => ("2", None, amount.to_yuan()),
                // Nothing is paid on a refusal: the amount says so.
                ClaimStage::Refused { reason } => {
                    ("3", Some(cut(reason, REMARK_MAX)), "0.00".into())
                }
            };
            let mut payload = json!({
                "applyno": applyno,
                "baohanno": guarantee_no,
                "compensatestatus": status,
                "compensatename": payer.name,
                "compensateorgnum": payer.org_num,
                "compensatecontact": payer.contact,
                "compensatecontacttel": payer.contact_tel,
                "compensatebankcode": payer.bank_account,
                "compensateopenbank": payer.open_bank,
                "favoreename": beneficiary.name,
                "favoreeorgnum": beneficiary.org_num,
                "favoreecontact": beneficiary.contact,
                "favoreecontacttel": beneficiary.contact_tel,
                "favoreebankcode": beneficiary.bank_account,
                "favoreeopenbank": beneficiary.open_bank,
                "compensateamount": amount,
            });
            if let Some(r) = remark {
                payload["compensateremark"] = json!(r);
            }
            Some(Owed {
                interface: "claimsresultnotice".into(),
                payload,
            })
        }
        Notice::Surrendered { guarantee_no } => Some(Owed {
            interface: "quitnotice".into(),
            payload: json!({"applyno": applyno, "baohanno": guarantee_no}),
        }),
        // Fujian answers giveupnotice and quitapply at once, and has no
        // callback for a cancellation or an invalidation.
        Notice::Approved
        | Notice::Paid { .. }
        | Notice::Cancelled
        | Notice::CancelRefused { .. }
        | Notice::SurrenderRefused { .. }
        | Notice::Invalidated { .. } => None,
    }
}

/// ELY's `payType` for how a premium was paid.
fn pay_type(by: PaidBy) -> PayType {
    match by {
        PaidBy::BankTransfer => PayType::BankTransfer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Fen;
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
            by: PaidBy::BankTransfer,
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
            principal: "某供应商有限公司".into(),
        }
    }

    #[test]
    fn an_issue_carries_the_guarantee() {
        assert_eq!(
            ely("A1", &issued()).unwrap().payload,
            json!({"applicationId": "A1", "applicationStatus": "03", "guaranteeId": "BH-1",
                   "guaranteeAmt": "119800.00", "validTimeStart": "2026-04-20 00:00:00",
                   "validTimeEnd": "2027-04-19 23:59:59", "letterOfTime": "2026-05-06 07:08:09",
                   "companyName": "某供应商有限公司"})
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

    fn party(name: &str) -> Party {
        Party {
            name: name.into(),
            org_num: "91350100MA2XXXXX0A".into(),
            contact: "张三".into(),
            contact_tel: "13800000000".into(),
            bank_account: "6222020200112233".into(),
            open_bank: "某银行福州分行".into(),
        }
    }

    fn claim(stage: ClaimStage) -> Notice {
        Notice::Claim {
            guarantee_no: "BH-1".into(),
            stage,
            amount: Fen::new(500_000).unwrap(),
            payer: party("某担保公司"),
            beneficiary: party("某招标人"),
        }
    }

    /// Every claim notice is what the spec's own message type accepts,
    /// once the notifier adds the envelope fields.
    #[test]
    fn claim_notices_are_valid_messages_of_their_interface() {
        use crate::ely::messages::{ClaimStatus, Ely106};
        use crate::fujian::messages::{ClaimsResultNotice, CompensateStatus};
        use crate::wire::WireMessage;
        let envelope = |owed: Owed| {
            let mut map = owed.payload.as_object().unwrap().clone();
            map.insert("appkey".into(), json!("k"));
            map.insert("timestamp".into(), json!("2026-05-06 07:08:09"));
            map.insert("sign".into(), json!("s"));
            map
        };
        let cases = [
            (
                ClaimStage::Accepted,
                CompensateStatus::Pending,
                ClaimStatus::Accepted,
                "5000.00",
            ),
            (
                ClaimStage::Paid { at: at() },
                CompensateStatus::Paid,
                ClaimStatus::Paid,
                "5000.00",
            ),
            (
                ClaimStage::Refused {
                    reason: "受益人不符".into(),
                },
                CompensateStatus::Refused,
                ClaimStatus::Refused,
                "0.00",
            ),
        ];
        for (stage, fujian_status, ely_status, amount) in cases {
            let n = claim(stage.clone());
            let f = fujian("F1", &n, "某担保公司", at()).unwrap();
            assert_eq!(f.interface, "claimsresultnotice");
            let parsed = ClaimsResultNotice::from_map(&envelope(f)).unwrap();
            assert_eq!(parsed.compensatestatus, fujian_status);
            assert_eq!(parsed.compensateamount.to_yuan(), amount);
            assert_eq!(parsed.favoreename, "某招标人");
            assert_eq!(parsed.compensatename, "某担保公司");
            let e = ely("A1", &n).unwrap();
            assert_eq!(e.interface, "ELY106");
            let parsed = Ely106::from_map(e.payload.as_object().unwrap()).unwrap();
            assert_eq!(parsed.status, ely_status);
            if let ClaimStage::Refused { reason } = &stage {
                assert_eq!(
                    ClaimsResultNotice::from_map(&envelope(fujian("F1", &n, "x", at()).unwrap()))
                        .unwrap()
                        .compensateremark
                        .as_deref(),
                    Some(reason.as_str())
                );
            }
        }
        let paid = ely("A1", &claim(ClaimStage::Paid { at: at() })).unwrap();
        assert_eq!(
            paid.payload,
            json!({"guaranteeId": "BH-1", "status": "01", "paymentMoney": "5000.00",
                   "paymentBeneficiary": "某招标人", "paymentBeneficiarySocial": "91350100MA2XXXXX0A",
                   "paymentTime": "2026-05-06 07:08:09"})
        );
    }

    #[test]
    fn the_ends_of_a_guarantee_owe_what_each_spec_has() {
        let surrendered = Notice::Surrendered {
            guarantee_no: "BH-1".into(),
        };
        assert_eq!(
            fujian("F1", &surrendered, "x", at()).unwrap(),
            Owed {
                interface: "quitnotice".into(),
                payload: json!({"applyno": "F1", "baohanno": "BH-1"})
            }
        );
        assert_eq!(
            ely("A1", &surrendered).unwrap().payload,
            json!({"applicationId": "A1", "applicationStatus": "08"})
        );
        let refused = Notice::SurrenderRefused {
            reason: "保函状态为已理赔，不能退保".into(),
        };
        assert_eq!(
            ely("A1", &refused).unwrap().payload,
            json!({"applicationId": "A1", "applicationStatus": "09",
                   "failReason": "保函状态为已理赔，不能退保"})
        );
        assert_eq!(
            ely("A1", &Notice::Cancelled).unwrap().payload,
            json!({"applicationId": "A1", "applicationStatus": "07"})
        );
        let cancel_refused = Notice::CancelRefused { reason: "r".into() };
        assert_eq!(
            ely("A1", &cancel_refused).unwrap().payload["applicationStatus"],
            json!("06")
        );
        let invalidated = Notice::Invalidated {
            guarantee_no: "BH-1".into(),
            at: at(),
            notice: "注".repeat(250),
        };
        let owed = ely("A1", &invalidated).unwrap();
        assert_eq!(owed.interface, "ELY108");
        assert_eq!(owed.payload["cancelDate"], json!("2026-05-06 07:08:09"));
        assert_eq!(
            owed.payload["cancelNotice"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            200
        );
        for n in [&Notice::Cancelled, &cancel_refused, &refused, &invalidated] {
            assert_eq!(fujian("F1", n, "x", at()), None, "{n:?}");
        }
    }
}
