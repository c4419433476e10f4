//! One command, handled: the end is recorded once, then any refund it
//! called for is transferred and settled. A redelivery or a replay finds
//! the end recorded and only finishes an unsettled refund: the payout
//! provider returns the first receipt for the refund's id.

use baohan_bus::{Handler, Incoming, Outcome};
use baohan_config::Refunds as Policy;
use baohan_domain::command::Command;
use baohan_gateways::GatewayError;
use baohan_gateways::payout::{Payouts, Purpose, Transfer};
use baohan_masking::BankAccount;
use baohan_protocol::adapter::Adapter;
use baohan_protocol::adapter::Adapters;
use baohan_protocol::notices::Notice;
use baohan_store::Store;
use baohan_store::applications::Find;
use baohan_store::endings::{EndCommand, EndPlan, Ended, Ending, RefundToPay, Standing};
use baohan_worker::step::{StepError, call};
use chrono::{DateTime, FixedOffset, Utc};
use std::sync::Arc;

/// The name this consumer's processed marks go under.
pub const CONSUMER: &str = "refunds";

pub struct Refunds {
    pub store: Store,
    pub payouts: Arc<dyn Payouts>,
    pub policy: Policy,
    /// Each platform's adapter: renders what an end is owed.
    pub adapters: Adapters,
}

impl Handler for Refunds {
    async fn handle(&self, message: Incoming) -> Outcome {
        match self.step(&message).await {
            Ok(()) => Outcome::Done,
            Err(e) => e.outcome(),
        }
    }
}

/// What a command asks, and of which application.
struct Asked<'a> {
    ask: Ask,
    /// The platform's number for the application, or our guarantee number.
    number: &'a str,
    by_guarantee: bool,
    reason: Option<&'a str>,
}

fn read(command: &Command) -> Result<Asked<'_>, StepError> {
    Ok(match command {
        Command::Withdraw(e) => Asked {
            ask: Ask::Withdraw,
            number: &e.application,
            by_guarantee: false,
            reason: e.reason.as_deref(),
        },
        Command::Surrender(e) => Asked {
            ask: Ask::Surrender,
            number: &e.application,
            by_guarantee: false,
            reason: e.reason.as_deref(),
        },
        Command::Invalidate(i) => Asked {
            ask: Ask::Invalidate { why: i.why.clone() },
            number: &i.guarantee_no,
            by_guarantee: true,
            reason: Some(&i.why),
        },
        other @ (Command::Apply(_) | Command::Claim(_)) => {
            return Err(StepError::Unreadable(format!(
                "{} is not an end",
                other.kind()
            )));
        }
    })
}

impl Refunds {
    pub async fn step(&self, message: &Incoming) -> Result<(), StepError> {
        let call = call(message)?;
        let asked = read(&call.command)?;
        let platform_id = call.platform_id.as_str();
        let adapter = self.adapters.get(platform_id)?;
        let key = if asked.by_guarantee {
            Find::GuaranteeNo {
                platform_id,
                guarantee_no: asked.number,
            }
        } else {
            Find::External {
                platform_id,
                external_no: asked.number,
            }
        };
        let now = baohan_protocol::time::now();
        let ended = self
            .store
            .end(
                EndCommand {
                    consumer: CONSUMER,
                    message_id: message.id,
                    key,
                    ending: asked.ask.ending(),
                    actor: "platform",
                    reason: asked.reason,
                },
                |s| plan(&asked.ask, s, &self.policy, adapter, now),
            )
            .await?;
        match &ended {
            // It may still be waiting in a retry of its own command.
            Ended::NotFound => {
                return Err(StepError::NotYet(format!("application {}", asked.number)));
            }
            Ended::Refused(why) => {
                tracing::info!(platform = platform_id, number = %asked.number, ask = ?asked.ask, why, "refused by the state machine");
            }
            Ended::Done { refund } => {
                tracing::info!(platform = platform_id, number = %asked.number, ask = ?asked.ask, ?refund, "ended");
            }
            Ended::AlreadyApplied => {}
        }
        for refund in self.store.refunds_to_pay(key).await? {
            self.pay(refund).await?;
        }
        Ok(())
    }

    async fn pay(&self, refund: RefundToPay) -> Result<(), StepError> {
        let outcome = if refund.payee_account.trim().is_empty() {
            Err("没有付款账户信息，无法退费".to_owned())
        } else {
            let transfer = Transfer {
                reference: refund.id,
                purpose: Purpose::Refund,
                amount_fen: refund.amount_fen,
                payee_name: refund.payee_name.clone(),
                payee_account: BankAccount::new(refund.payee_account.clone()),
            };
            match self.payouts.transfer(&transfer).await {
                Ok(r) => Ok((r.gateway_ref, r.paid_at)),
                Err(GatewayError::Declined(why)) => Err(why),
                Err(GatewayError::Unavailable(why)) => return Err(StepError::Unavailable(why)),
            }
        };
        if let Err(why) = &outcome {
            tracing::warn!(refund = %refund.id, why, "refund failed; it stays in the timeline for operators");
        }
        self.store.settle_refund(refund.id, outcome).await?;
        Ok(())
    }
}

// What an early end refunds and owes: pure functions of the standing.

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
