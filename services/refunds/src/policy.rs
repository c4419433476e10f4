//! What an early end refunds and owes: pure functions of the standing.

use baohan_config::Refunds as Policy;
use baohan_protocol::adapter::Adapter;
use baohan_protocol::notices::Notice;
use baohan_store::endings::{EndPlan, Ending, Standing};
use chrono::{DateTime, FixedOffset, Utc};

/// What the platform asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// Before issue: given up, cancelled.
    Withdraw,
    /// 退保.
    Surrender,
    /// 保函失效, with why.
    Invalidate { why: String },
}

impl Ask {
    pub fn ending(&self) -> Ending {
        match self {
            Ask::Withdraw => Ending::Withdraw,
            Ask::Surrender => Ending::Surrender,
            Ask::Invalidate { .. } => Ending::Invalidate,
        }
    }
}

/// When the guarantee began to serve: the bid opening for a bid guarantee
/// (before it, no bid has relied on the letter), else the validity's start.
fn start(s: &Standing) -> Option<DateTime<Utc>> {
    let opening = s
        .app
        .details
        .bid()
        .map(|b| b.bid_opening.with_timezone(&Utc));
    opening.or(s.guarantee.map(|g| g.valid_from))
}

/// The premium refunded: everything paid on a withdrawal before issue; on
/// a surrender the configured share, before or after the start; nothing
/// on an invalidation (the guarantee served its term).
pub fn refund_fen(ask: &Ask, s: &Standing, policy: &Policy, now: DateTime<Utc>) -> i64 {
    let paid = s.paid_fen.unwrap_or(0);
    let percent = match ask {
        Ask::Withdraw => 100,
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
/// What each end owes is the notice's; whether the platform hears it (and
/// how) is its adapter's: Fujian has no callback for a withdrawal, ELY has
/// ELY102 `07`/`06`.
pub fn plan(
    ask: &Ask,
    s: &Standing,
    policy: &Policy,
    adapter: &dyn Adapter,
    now: DateTime<FixedOffset>,
) -> EndPlan {
    let notice = match (&s.allowed, ask) {
        (Ok(()), Ask::Withdraw) => Some(Notice::Cancelled),
        (Err(reason), Ask::Withdraw) => Some(Notice::CancelRefused {
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
        .map(|n| adapter.render(&s.app.external_no, &n, now))
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
