//! One command, handled: the end is recorded once, then any refund it
//! called for is transferred and settled. A redelivery or a replay finds
//! the end recorded and only finishes an unsettled refund: the payout
//! provider returns the first receipt for the refund's id.

use crate::policy::{self, Ask};
use baohan_bus::{Handler, Incoming, Outcome};
use baohan_config::Refunds as Policy;
use baohan_domain::command::Command;
use baohan_gateways::GatewayError;
use baohan_gateways::payout::{Payouts, Purpose, Transfer};
use baohan_masking::BankAccount;
use baohan_protocol::adapter::Adapters;
use baohan_store::Store;
use baohan_store::applications::Find;
use baohan_store::endings::{EndCommand, Ended, RefundToPay};
use baohan_worker::step::{StepError, call};
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
            Err(e) => {
                tracing::warn!(message_id = %message.id, error = %e, "refunds");
                e.outcome()
            }
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
                |s| policy::plan(&asked.ask, s, &self.policy, adapter, now),
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
