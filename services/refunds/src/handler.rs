//! One command, handled: the end is recorded once, then any refund it
//! called for is transferred and settled. A redelivery or a replay finds
//! the end recorded and only finishes an unsettled refund: the payout
//! provider returns the first receipt for the refund's id.

use crate::policy::{self, Ask};
use baohan_bus::{Handler, Incoming, Outcome};
use baohan_config::Refunds as Policy;
use baohan_gateways::GatewayError;
use baohan_gateways::payout::{Payouts, Purpose, Transfer};
use baohan_masking::BankAccount;
use baohan_protocol::ely::messages::{ApplicationType, InvalidType};
use baohan_protocol::ely::{ElyRequest, Transcode};
use baohan_protocol::fujian::{FujianRequest, Interface};
use baohan_store::Store;
use baohan_store::applications::Find;
use baohan_store::endings::{EndCommand, Ended, RefundToPay};
use baohan_worker::step::{StepError, inbound};
use std::sync::Arc;

/// The name this consumer's processed marks go under.
pub const CONSUMER: &str = "refunds";

pub struct Refunds {
    pub store: Store,
    pub payouts: Arc<dyn Payouts>,
    pub policy: Policy,
    pub institution: String,
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
struct Asked {
    ask: Ask,
    /// applyno / applicationId, or our guarantee number (ELY107).
    number: String,
    by_guarantee: bool,
    reason: Option<String>,
}

fn read(
    interface: &str,
    fields: &serde_json::Map<String, serde_json::Value>,
) -> Result<Asked, StepError> {
    let bad = |e: baohan_protocol::Invalid| StepError::Unreadable(e.to_string());
    let wrong = || StepError::Unreadable(format!("not a {interface}"));
    let asked = |ask, number: &str, by_guarantee, reason: Option<&str>| Asked {
        ask,
        number: number.to_owned(),
        by_guarantee,
        reason: reason.map(str::to_owned),
    };
    Ok(match interface {
        "giveupnotice" => match Interface::Giveupnotice.parse_request(fields).map_err(bad)? {
            FujianRequest::Giveupnotice(g) => asked(Ask::GiveUp, &g.applyno, false, None),
            _ => return Err(wrong()),
        },
        "quitapply" => match Interface::Quitapply.parse_request(fields).map_err(bad)? {
            FujianRequest::Quitapply(q) => {
                asked(Ask::Surrender, &q.applyno, false, Some(&q.reason))
            }
            _ => return Err(wrong()),
        },
        "ELY109" => match Transcode::Ely109.parse_request(fields).map_err(bad)? {
            ElyRequest::Ely109(r) => {
                let ask = match r.application_type {
                    ApplicationType::Surrender => Ask::Surrender,
                    ApplicationType::Cancel => Ask::Cancel,
                };
                asked(ask, &r.application_id, false, r.refund_reason.as_deref())
            }
            _ => return Err(wrong()),
        },
        "ELY107" => match Transcode::Ely107.parse_request(fields).map_err(bad)? {
            ElyRequest::Ely107(i) => {
                let kind = match i.invalid_type {
                    InvalidType::PerformanceCompleted => "项目履约完成",
                    InvalidType::FileFormatError => "保函文件格式错误",
                };
                let why = match &i.remark {
                    Some(r) if !r.trim().is_empty() => format!("{kind}: {}", r.trim()),
                    _ => kind.to_owned(),
                };
                asked(
                    Ask::Invalidate { why: why.clone() },
                    &i.guarantee_id,
                    true,
                    Some(&why),
                )
            }
            _ => return Err(wrong()),
        },
        other => return Err(StepError::Unreadable(format!("interface {other}"))),
    })
}

impl Refunds {
    pub async fn step(&self, message: &Incoming) -> Result<(), StepError> {
        let call = inbound(message)?;
        let asked = read(&call.interface, &call.fields)?;
        let platform_id = call.platform_id.as_str();
        let key = if asked.by_guarantee {
            Find::GuaranteeNo {
                platform_id,
                guarantee_no: &asked.number,
            }
        } else {
            Find::External {
                platform_id,
                external_no: &asked.number,
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
                    reason: asked.reason.as_deref(),
                },
                |s| policy::plan(&asked.ask, s, &self.policy, &self.institution, now),
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
