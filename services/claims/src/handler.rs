//! One claim command, handled: opened (accepted or refused) once, then an
//! accepted claim is paid and settled. A redelivery or a replay finds the
//! claim opened and only finishes what is unfinished: the payout provider
//! returns the first receipt for the claim's id, and the settlement is a
//! no-op once done.

use crate::decide::{self, Owing};
use baohan_bus::{Handler, Incoming, Outcome};
use baohan_domain::command::Command;
use baohan_gateways::GatewayError;
use baohan_gateways::payout::{Payouts, Purpose, Transfer};
use baohan_masking::BankAccount;
use baohan_protocol::adapter::Adapters;
use baohan_protocol::notices::Party;
use baohan_store::Store;
use baohan_store::claims::{ClaimRow, Opened};
use baohan_worker::step::{StepError, call};
use std::sync::Arc;

/// The name this consumer's processed marks go under.
pub const CONSUMER: &str = "claims";

pub struct Claims {
    pub store: Store,
    pub payouts: Arc<dyn Payouts>,
    /// Each platform's adapter: renders what a claim is owed.
    pub adapters: Adapters,
    /// The institution, as claimsresultnotice names the payer.
    pub payer: Party,
}

impl Handler for Claims {
    async fn handle(&self, message: Incoming) -> Outcome {
        match self.step(&message).await {
            Ok(()) => Outcome::Done,
            Err(e) => e.outcome(),
        }
    }
}

impl Claims {
    pub async fn step(&self, message: &Incoming) -> Result<(), StepError> {
        let call = call(message)?;
        let Command::Claim(claim) = &call.command else {
            return Err(StepError::Unreadable(format!(
                "{} is not a claim",
                call.command.kind()
            )));
        };
        let guarantee_no = &claim.guarantee_no;
        let platform = call.platform_id.as_str();
        let owing = Owing {
            adapter: self.adapters.get(platform)?,
            payer: &self.payer,
            now: baohan_protocol::time::now(),
        };
        let opened = self
            .store
            .open_claim(CONSUMER, message.id, platform, guarantee_no, |s| {
                decide::plan(s, claim, &owing)
            })
            .await?;
        match &opened {
            Opened::Accepted(id) => {
                tracing::info!(platform, guarantee = %guarantee_no, claim = %id, "claim accepted");
            }
            Opened::Refused { claim_id, reason } => {
                tracing::info!(platform, guarantee = %guarantee_no, claim = %claim_id, reason, "claim refused");
            }
            Opened::AlreadyApplied => {}
            // The ingress checked both before accepting the call; the
            // state changed since (a second claim, an invalidation).
            Opened::Illegal(why) => {
                tracing::warn!(platform, guarantee = %guarantee_no, why, "claim refused by the state machine");
                return Ok(());
            }
            Opened::NotFound => {
                return Err(StepError::NotYet(format!("guarantee {guarantee_no}")));
            }
        }
        for claim in self.store.claims_to_pay(platform, guarantee_no).await? {
            self.pay(platform, claim).await?;
        }
        Ok(())
    }

    /// 见索即付: pays an accepted claim and records the outcome.
    async fn pay(&self, platform: &str, claim: ClaimRow) -> Result<(), StepError> {
        let transfer = Transfer {
            reference: claim.id,
            purpose: Purpose::Claim,
            amount_fen: claim.amount_fen,
            payee_name: claim.payee_name.clone(),
            payee_account: BankAccount::new(claim.payee_account.clone()),
        };
        let outcome = match self.payouts.transfer(&transfer).await {
            Ok(receipt) => Ok((receipt.gateway_ref, receipt.paid_at)),
            Err(GatewayError::Declined(why)) => Err(why),
            Err(GatewayError::Unavailable(why)) => return Err(StepError::Unavailable(why)),
        };
        let tz = baohan_protocol::time::shanghai();
        let told = outcome
            .as_ref()
            .map(|(_, at)| at.with_timezone(&tz).fixed_offset())
            .map_err(Clone::clone);
        let owing = Owing {
            adapter: self.adapters.get(platform)?,
            payer: &self.payer,
            now: baohan_protocol::time::now(),
        };
        let settled = self
            .store
            .settle_claim(claim.id, outcome, |s, c| {
                decide::settled(s, c, &told, &owing)
            })
            .await?;
        tracing::info!(claim = %claim.id, amount_fen = claim.amount_fen, ?settled, "claim settled");
        Ok(())
    }
}
