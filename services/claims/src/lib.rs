//! Claims (索赔): consumes the claims (`command.claim`: claimsnotice,
//! ELY105, or any platform's) from the `claims` queue.
//! A claim is checked against its guarantee (in force, the beneficiary,
//! the amount), recorded accepted or refused with its callback, then paid
//! on first demand (见索即付) through the payout provider, and the result
//! told (claimsresultnotice `2`/`3`, ELY106 `01`/`02`).
//!
//! # Layout
//! - [`decide`]: the checks and the parties (pure).
//! - [`handler`]: one command, handled, around the payout.
//! - this file: the worker (`baohan-worker`) on `claims.listen`.

pub mod decide;
pub mod handler;

use baohan_bus::WorkQueue;
use baohan_config::Settings;
use baohan_gateways::payout::Sandbox;
use baohan_worker::{Base, Spec, Worker};
use handler::Claims;
use std::sync::Arc;

pub use baohan_service::StartError;

pub type Application = Worker<Claims>;

pub async fn build(settings: Settings) -> Result<Application, StartError> {
    let payer = decide::payer(&settings.institution).map_err(|key| StartError::Setting {
        key,
        reason: "is required by the claims worker (claimsresultnotice compensate*)".into(),
    })?;
    let base = Base::start(
        &settings,
        Spec {
            name: "claims",
            queue: WorkQueue::Claims,
            listen: settings.claims.listen,
            metric: "baohan_claims_commands_total",
            help: "Claim commands handled, by outcome (done, retry, reject)",
        },
    )
    .await?;
    let claims = Claims {
        store: base.store(),
        payouts: Arc::new(Sandbox::new(&settings.payouts.sandbox_ledger)),
        adapters: settings.adapters(),
        payer,
    };
    Ok(base.serve(claims))
}
