//! Underwriting: consumes baohanapply and ELY101 from the
//! `underwriting` queue, decides by the rules and the tariff, and records
//! the application with the callbacks it owes, once per command.
//!
//! # Layout
//! - [`decide`]: from a typed request to the decision, the row and the
//!   callbacks (pure; unit-tested).
//! - [`handler`]: one command, handled; the consume loop is the bus's.
//! - this file: the worker (`baohan-worker`: the consumer, the outbox
//!   relay, `/healthz`, `/readyz`, `/metrics` on `workers.listen`).

pub mod decide;
pub mod handler;

use baohan_bus::WorkQueue;
use baohan_config::Settings;
use baohan_worker::{Base, Spec, StartError, Worker};
use handler::Underwriter;

pub type Application = Worker<Underwriter>;

pub async fn build(settings: Settings) -> Result<Application, StartError> {
    let base = Base::start(
        &settings,
        Spec {
            name: "underwriting",
            queue: WorkQueue::Underwriting,
            listen: settings.workers.listen,
            metric: "baohan_underwriting_commands_total",
            help: "Commands handled, by outcome (done, retry, reject)",
        },
    )
    .await?;
    let underwriter = Underwriter {
        store: base.store(),
        underwriting: settings.underwriting,
        institution: settings.institution.name,
        portal_base_url: settings.ingress.portal_base_url,
    };
    Ok(base.serve(underwriter))
}
