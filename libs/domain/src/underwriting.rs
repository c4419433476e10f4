//! The underwriting rules: from a proposal to a decision.
//!
//! Each rule that fails says which wire field it is about, so the reason a
//! platform receives (ELY102 `failReason`, or the portal's message) can be
//! acted on. Rules that a person should look at (a large amount, a bidder
//! with an earlier application for the same section) refer rather than
//! reject. The limits and the blocklist come from the configuration.

use crate::command::{Apply, Terms};
use crate::field::Field;
use crate::ids::{Checked, CreditCode, ResidentId};
use crate::money::Fen;
use chrono::{DateTime, Duration, FixedOffset, Months, NaiveDate};
use std::collections::HashSet;

/// What is decided on, whatever the platform it came from.
#[derive(Debug, Clone)]
pub struct Proposal<'a> {
    pub credit_code: &'a Checked<CreditCode>,
    /// Every resident ID number in the application.
    pub resident_ids: Vec<(Field, &'a Checked<ResidentId>)>,
    pub amount: Fen,
    /// Moments that must still be ahead (bid deadline, bid opening).
    pub deadlines: Vec<(Field, DateTime<FixedOffset>)>,
    /// The guarantee's period, where the application states one.
    pub period: Option<Period>,
    /// Whether the same bidder already has a live application for the same
    /// section: the worker asks the store.
    pub earlier_application: bool,
}

impl<'a> Proposal<'a> {
    pub fn of(a: &'a Apply, earlier_application: bool, now: DateTime<FixedOffset>) -> Self {
        let people = [&a.applicant.legal_rep, &a.applicant.contact];
        let resident_ids = people
            .into_iter()
            .zip([Field::LegalRepId, Field::ContactId])
            .filter_map(|(p, field)| p.as_ref()?.id.as_ref().map(|id| (field, id)))
            .collect();
        let deadlines = match &a.terms {
            Terms::Bid(b) => vec![
                (Field::DepositDeadline, b.deposit_deadline),
                (Field::BidOpening, b.bid_opening),
            ],
            Terms::Performance(_) => Vec::new(),
        };
        Proposal {
            credit_code: &a.applicant.credit_code,
            resident_ids,
            amount: a.amount,
            deadlines,
            period: requested_period(&a.terms, now),
            earlier_application,
        }
    }
}

/// The period an application asks for: a bid guarantee's runs from the bid
/// opening for the bid validity; a performance guarantee's is the dates
/// given, or else its months from today.
pub fn requested_period(terms: &Terms, now: DateTime<FixedOffset>) -> Option<Period> {
    match terms {
        Terms::Bid(b) => Some(Period {
            field: Field::ValidityDays,
            start: b.bid_opening.date_naive(),
            end: (b.bid_opening + Duration::days(i64::from(b.validity_days))).date_naive(),
        }),
        Terms::Performance(p) => match (p.start, p.end) {
            (Some(start), Some(end)) => Some(Period {
                field: Field::PeriodEnd,
                start,
                end,
            }),
            _ => {
                let start = now.date_naive();
                start
                    .checked_add_months(Months::new(p.months))
                    .map(|end| Period {
                        field: Field::PeriodMonths,
                        start,
                        end,
                    })
            }
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub field: Field,
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
        field: Field,
        reason: String,
    },
    /// A person decides; the reason says what to look at.
    Refer {
        reason: String,
    },
}

impl Rules {
    pub fn decide(&self, p: &Proposal, now: DateTime<FixedOffset>) -> Decision {
        let reject = |field: Field, reason: String| Decision::Reject { field, reason };
        let code = match p.credit_code.valid() {
            Ok(c) => c,
            Err(e) => {
                return reject(
                    Field::CreditCode,
                    format!("统一社会信用代码无效: {}", e.zh()),
                );
            }
        };
        for (field, id) in &p.resident_ids {
            if let Err(e) = id.valid() {
                return reject(*field, format!("身份证号码无效: {}", e.zh()));
            }
        }
        let (field, amount) = (Field::Amount, p.amount.get());
        if amount == 0 {
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
                return reject(*field, "时间已过".into());
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
            return reject(Field::CreditCode, "该企业不在承保范围内".into());
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

    struct Sent {
        code: Checked<CreditCode>,
        id: Checked<ResidentId>,
    }

    fn sent() -> Sent {
        Sent {
            code: Checked::parse("91350102MA2YK8QD4A"),
            id: Checked::parse("350104197203050570"),
        }
    }

    fn proposal(s: &Sent) -> Proposal<'_> {
        Proposal {
            credit_code: &s.code,
            resident_ids: vec![(Field::LegalRepId, &s.id)],
            amount: Fen::new(20_000_000).unwrap(),
            deadlines: vec![(Field::BidOpening, now() + chrono::Duration::days(10))],
            period: Some(Period {
                field: Field::PeriodEnd,
                start: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                end: NaiveDate::from_ymd_opt(2028, 4, 1).unwrap(),
            }),
            earlier_application: false,
        }
    }

    fn rejected_field(d: Decision) -> Field {
        match d {
            Decision::Reject { field, .. } => field,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    fn fen(n: i64) -> Fen {
        Fen::new(n).unwrap()
    }

    #[test]
    fn a_sound_application_is_approved() {
        assert_eq!(rules().decide(&proposal(&sent()), now()), Decision::Approve);
    }

    #[test]
    fn each_failed_rule_rejects_naming_its_field() {
        let r = rules();
        let s = sent();
        let bad_code = Checked::parse("91350102MA2YK8QD4B");
        let mut p = proposal(&s);
        p.credit_code = &bad_code;
        assert_eq!(rejected_field(r.decide(&p, now())), Field::CreditCode);

        let bad_id = Checked::parse("350104197203050571");
        let mut p = proposal(&s);
        p.resident_ids[0].1 = &bad_id;
        assert_eq!(rejected_field(r.decide(&p, now())), Field::LegalRepId);

        let mut p = proposal(&s);
        p.amount = fen(0);
        assert_eq!(rejected_field(r.decide(&p, now())), Field::Amount);
        p.amount = fen(100_000_001);
        assert_eq!(rejected_field(r.decide(&p, now())), Field::Amount);

        let mut p = proposal(&s);
        p.deadlines[0].1 = now() - chrono::Duration::seconds(1);
        assert_eq!(rejected_field(r.decide(&p, now())), Field::BidOpening);

        let mut p = proposal(&s);
        if let Some(period) = p.period.as_mut() {
            period.end = period.start;
        }
        assert_eq!(rejected_field(r.decide(&p, now())), Field::PeriodEnd);
        if let Some(period) = p.period.as_mut() {
            period.end = NaiveDate::from_ymd_opt(2030, 4, 1).unwrap();
        }
        assert_eq!(rejected_field(r.decide(&p, now())), Field::PeriodEnd);
    }

    #[test]
    fn a_blocklisted_bidder_is_rejected() {
        let mut r = rules();
        r.blocklist.insert("91350102MA2YK8QD4A".into());
        assert_eq!(
            rejected_field(r.decide(&proposal(&sent()), now())),
            Field::CreditCode
        );
    }

    #[test]
    fn a_large_amount_or_an_earlier_application_is_referred() {
        let r = rules();
        let s = sent();
        let mut p = proposal(&s);
        p.amount = fen(60_000_000);
        assert!(matches!(r.decide(&p, now()), Decision::Refer { .. }));
        let mut p = proposal(&s);
        p.earlier_application = true;
        assert!(matches!(r.decide(&p, now()), Decision::Refer { .. }));
    }

    #[test]
    fn amounts_print_in_yuan() {
        assert_eq!(yuan(20_000_000), "200000.00元");
        assert_eq!(yuan(5), "0.05元");
    }
}
