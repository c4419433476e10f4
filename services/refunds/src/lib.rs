//! Refunds: consumes the ends (`command.withdraw`, `command.surrender`,
//! `command.invalidate`, whichever platform asked) from the `refunds`
//! queue. Each ends an application early, through the state machines:
//! withdrawn before issue (giveupnotice, ELY109 `02`), surrendered after it
//! (quitapply, ELY109 `01`), or invalidated by the beneficiary (ELY107).
//! The premium is refunded as the policy says, then the platform is told
//! what its adapter renders (quitnotice; ELY102 `07`/`08`, or `06`/`09`
//! when refused; ELY108).
//!
//! # Layout
//! - [`handler`]: one command, handled, around the refund's transfer; and
//!   what is refunded and owed (pure functions of the standing).
//! - this file: the worker (`baohan-worker`) on `refunds.listen`.

pub mod handler;

use baohan_bus::WorkQueue;
use baohan_config::Settings;
use baohan_gateways::payout::Sandbox;
use baohan_worker::{Base, Spec, Worker};
use handler::Refunds;
use std::sync::Arc;

pub type Application = Worker<Refunds>;

pub async fn build(settings: Settings) -> Result<Application, baohan_worker::StartError> {
    let base = Base::start(
        &settings,
        Spec {
            name: "refunds",
            queue: WorkQueue::Refunds,
            listen: settings.refunds.listen,
            metric: "baohan_refunds_commands_total",
            help: "Refund commands handled, by outcome (done, retry, reject)",
        },
    )
    .await?;
    let refunds = Refunds {
        store: base.store(),
        payouts: Arc::new(Sandbox::new(&settings.payouts.sandbox_ledger)),
        policy: settings.refunds.clone(),
        adapters: settings.adapters(),
    };
    Ok(base.serve(refunds))
}
