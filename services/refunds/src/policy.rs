//! What an early end refunds and owes: pure functions of the standing.

use baohan_config::Refunds as Policy;
use baohan_protocol::notices::{self, Notice};
use baohan_store::endings::{EndPlan, Ending, Standing};
use chrono::{DateTime, FixedOffset, Utc};

/// What the platform asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// giveupnotice: nothing is told back.
    GiveUp,
    /// ELY109 `02` 订单取消.
    Cancel,
    /// quitapply, ELY109 `01` 退保.
    Surrender,
    /// ELY107, with why (its `invalidType`, `remark`).
    Invalidate { why: String },
}

impl Ask {
    pub fn ending(&self) -> Ending {
        match self {
            Ask::GiveUp | Ask::Cancel => Ending::Withdraw,
            Ask::Surrender => Ending::Surrender,
            Ask::Invalidate { .. } => Ending::Invalidate,
        }
    }
}

/// When the guarantee began to serve: the bid opening for a bid guarantee
/// (before it, no bid has relied on the letter), else the validity's start.
fn start(s: &Standing) -> Option<DateTime<Utc>> {
    let opening = s.app.details["kaibiaotime"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    opening.or(s.guarantee.map(|g| g.valid_from))
}

/// The premium refunded: everything paid on a withdrawal before issue; on
/// a surrender the configured share, before or after the start; nothing
/// on an invalidation (the guarantee served its term).
pub fn refund_fen(ask: &Ask, s: &Standing, policy: &Policy, now: DateTime<Utc>) -> i64 {
    let paid = s.paid_fen.unwrap_or(0);
    let percent = match ask {
        Ask::GiveUp | Ask::Cancel => 100,
        Ask::Invalidate { .. } => 0,
        Ask::Surrender => match start(s) {
            Some(start) if now < start => policy.surrender_percent_before_start,
            _ => policy.surrender_percent_after_start,
        },
    };
    // Integer fen, rounded down: never more than was paid.
    paid * i64::from(percent) / 100
}

/// The plan for the store: the refund and the callbacks.
pub fn plan(
    ask: &Ask,
    s: &Standing,
    policy: &Policy,
    institution: &str,
    now: DateTime<FixedOffset>,
) -> EndPlan {
    let notice = match (&s.allowed, ask) {
        (_, Ask::GiveUp) => None,
        (Ok(()), Ask::Cancel) => Some(Notice::Cancelled),
        (Err(reason), Ask::Cancel) => Some(Notice::CancelRefused {
            reason: reason.clone(),
        }),
        (Ok(()), Ask::Surrender) => Some(Notice::Surrendered {
            guarantee_no: s
                .guarantee
                .map(|g| g.guarantee_no.clone())
                .unwrap_or_default(),
        }),
        (Err(reason), Ask::Surrender) => Some(Notice::SurrenderRefused {
            reason: reason.clone(),
        }),
        (Ok(()), Ask::Invalidate { why }) => s.guarantee.map(|g| Notice::Invalidated {
            guarantee_no: g.guarantee_no.clone(),
            at: now,
            notice: format!(
                "保函{}已于{}注销（{}）",
                g.guarantee_no,
                now.format("%Y-%m-%d %H:%M:%S"),
                why
            ),
        }),
        (Err(_), Ask::Invalidate { .. }) => None,
    };
    let callbacks = notice
        .map(|n| notices::owed(&s.app.protocol, &s.app.external_no, &n, institution, now))
        .unwrap_or_default();
    let refund_fen = if s.allowed.is_ok() {
        refund_fen(ask, s, policy, now.with_timezone(&Utc))
    } else {
        0
    };
    EndPlan {
        refund_fen,
        callbacks,
    }
}
