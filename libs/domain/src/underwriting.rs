//! The underwriting rules: from a proposal to a decision.
//!
//! Each rule that fails says which wire field it is about, so the reason a
//! platform receives (ELY102 `failReason`, or the portal's message) can be
//! acted on. Rules that a person should look at (a large amount, a bidder
//! with an earlier application for the same section) refer rather than
//! reject. The limits and the blocklist come from the configuration.

use crate::ids::{CreditCode, ResidentId};
use chrono::{DateTime, FixedOffset, NaiveDate};
use std::collections::HashSet;

/// What is decided on, whatever the protocol it came by.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The wire field that carries the bidder's credit code, and its value.
    pub credit_code: (&'static str, String),
    /// Every resident ID number in the application, with its wire field.
    pub resident_ids: Vec<(&'static str, String)>,
    /// The guaranteed amount, and its wire field.
    pub amount_fen: (&'static str, i64),
    /// Moments that must still be ahead (bid deadline, bid opening).
    pub deadlines: Vec<(&'static str, DateTime<FixedOffset>)>,
    /// The guarantee's period, where the application states one.
    pub period: Option<Period>,
    /// Whether the same bidder already has a live application for the same
    /// section: the worker asks the store.
    pub earlier_application: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub field: &'static str,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The limits, from the configuration.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Above this the product does not guarantee: rejected.
    pub max_amount_fen: i64,
    /// Above this (and within the maximum) a person decides.
    pub refer_above_fen: i64,
    /// The longest guarantee period the product offers, in days.
    pub max_period_days: i64,
    /// Credit codes the institution will not guarantee.
    pub blocklist: HashSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    /// Refused, for a reason that names the field.
    Reject {
        field: &'static str,
        reason: String,
    },
    /// A person decides; the reason says what to look at.
    Refer {
        reason: String,
    },
}

impl Rules {
    pub fn decide(&self, p: &Proposal, now: DateTime<FixedOffset>) -> Decision {
        let reject = |field: &'static str, reason: String| Decision::Reject { field, reason };
        let (field, code) = &p.credit_code;
        let code = match CreditCode::parse(code) {
            Ok(c) => c,
            Err(e) => return reject(field, format!("统一社会信用代码无效: {}", e.zh())),
        };
        for (field, id) in &p.resident_ids {
            if let Err(e) = ResidentId::parse(id) {
                return reject(field, format!("身份证号码无效: {}", e.zh()));
            }
        }
        let (field, amount) = p.amount_fen;
        if amount <= 0 {
            return reject(field, "担保金额必须大于 0".into());
        }
        if amount > self.max_amount_fen {
            return reject(
                field,
                format!("担保金额超过产品上限 {}", yuan(self.max_amount_fen)),
            );
        }
        for (field, at) in &p.deadlines {
            if *at <= now {
                return reject(field, "时间已过".into());
            }
        }
        if let Some(period) = p.period {
            let days = (period.end - period.start).num_days();
            if days <= 0 {
                return reject(period.field, "担保期限无效: 止期不晚于起期".into());
            }
            if days > self.max_period_days {
                return reject(
                    period.field,
                    format!("担保期限超过 {} 天", self.max_period_days),
                );
            }
        }
        if self.blocklist.contains(code.as_str()) {
            return reject(p.credit_code.0, "该企业不在承保范围内".into());
        }
        if p.earlier_application {
            return Decision::Refer {
                reason: "同一投标人对同一标段已有申请".into(),
            };
        }
        if amount > self.refer_above_fen {
            return Decision::Refer {
                reason: format!("担保金额超过 {}, 需人工审核", yuan(self.refer_above_fen)),
            };
        }
        Decision::Approve
    }
}

/// `20000000` → `200000.00元`.
fn yuan(fen: i64) -> String {
    format!("{}.{:02}元", fen / 100, fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<FixedOffset> {
        FixedOffset::east_opt(8 * 3600)
            .and_then(|tz| tz.with_ymd_and_hms(2026, 3, 16, 9, 12, 45).single())
            .unwrap()
    }

    fn rules() -> Rules {
        Rules {
            max_amount_fen: 100_000_000,
            refer_above_fen: 50_000_000,
            max_period_days: 3 * 366,
            blocklist: HashSet::new(),
        }
    }

    fn proposal() -> Proposal {
        Proposal {
            credit_code: ("biddercode", "91350102MA2YK8QD4A".into()),
            resident_ids: vec![("legalIdNo", "350104197203050570".into())],
            amount_fen: ("bzjamount", 20_000_000),
            deadlines: vec![("kaibiaotime", now() + chrono::Duration::days(10))],
            period: Some(Period {
                field: "guaranteeEndDate",
                start: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                end: NaiveDate::from_ymd_opt(2028, 4, 1).unwrap(),
            }),
            earlier_application: false,
        }
    }

    fn rejected_field(d: Decision) -> &'static str {
        match d {
            Decision::Reject { field, .. } => field,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn a_sound_application_is_approved() {
        assert_eq!(rules().decide(&proposal(), now()), Decision::Approve);
    }

    #[test]
    fn each_failed_rule_rejects_naming_its_field() {
        let r = rules();
        let mut p = proposal();
        p.credit_code.1 = "91350102MA2YK8QD4B".into();
        assert_eq!(rejected_field(r.decide(&p, now())), "biddercode");

        let mut p = proposal();
        p.resident_ids[0].1 = "350104197203050571".into();
        assert_eq!(rejected_field(r.decide(&p, now())), "legalIdNo");

        let mut p = proposal();
        p.amount_fen.1 = 0;
        assert_eq!(rejected_field(r.decide(&p, now())), "bzjamount");
        p.amount_fen.1 = 100_000_001;
        assert_eq!(rejected_field(r.decide(&p, now())), "bzjamount");

        let mut p = proposal();
        p.deadlines[0].1 = now() - chrono::Duration::seconds(1);
        assert_eq!(rejected_field(r.decide(&p, now())), "kaibiaotime");

        let mut p = proposal();
        if let Some(period) = p.period.as_mut() {
            period.end = period.start;
        }
        assert_eq!(rejected_field(r.decide(&p, now())), "guaranteeEndDate");
        if let Some(period) = p.period.as_mut() {
            period.end = NaiveDate::from_ymd_opt(2030, 4, 1).unwrap();
        }
        assert_eq!(rejected_field(r.decide(&p, now())), "guaranteeEndDate");
    }

    #[test]
    fn a_blocklisted_bidder_is_rejected() {
        let mut r = rules();
        r.blocklist.insert("91350102MA2YK8QD4A".into());
        assert_eq!(rejected_field(r.decide(&proposal(), now())), "biddercode");
    }

    #[test]
    fn a_large_amount_or_an_earlier_application_is_referred() {
        let r = rules();
        let mut p = proposal();
        p.amount_fen.1 = 60_000_000;
        assert!(matches!(r.decide(&p, now()), Decision::Refer { .. }));
        let mut p = proposal();
        p.earlier_application = true;
        assert!(matches!(r.decide(&p, now()), Decision::Refer { .. }));
    }

    #[test]
    fn amounts_print_in_yuan() {
        assert_eq!(yuan(20_000_000), "200000.00元");
        assert_eq!(yuan(5), "0.05元");
    }
}
