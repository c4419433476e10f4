//! Underwriting: consumes the applications (`command.apply`, whichever
//! platform sent them) from the `underwriting` queue, decides by the rules
//! and the tariff, and records the application with the callbacks its
//! platform's adapter renders, once per command.
//!
//! # Layout
//! - [`decide`]: from the domain's application to the decision, the row
//!   and the callbacks (pure; unit-tested).
//! - [`handler`]: one command, handled; the consume loop is the bus's.
//! - this file: the worker (`baohan-worker`: the consumer, the outbox
//!   relay, `/healthz`, `/readyz`, `/metrics` on `underwriting.listen`).

pub mod decide;
pub mod handler;

use baohan_bus::WorkQueue;
use baohan_config::Settings;
use baohan_protocol::adapter::Adapters;
use baohan_worker::{Base, Spec, StartError, Worker};
use handler::Underwriter;

pub type Application = Worker<Underwriter>;

pub async fn build(settings: Settings) -> Result<Application, StartError> {
    let adapters = settings.adapters();
    build_with(settings, adapters).await
}

/// With the adapters given: the settings' platforms and any adapter built
/// outside this workspace (`Adapters::with`).
pub async fn build_with(settings: Settings, adapters: Adapters) -> Result<Application, StartError> {
    let base = Base::start(
        &settings,
        Spec {
            name: "underwriting",
            queue: WorkQueue::Underwriting,
            listen: settings.underwriting.listen,
            metric: "baohan_underwriting_commands_total",
            help: "Commands handled, by outcome (done, retry, reject)",
        },
    )
    .await?;
    let underwriter = Underwriter {
        store: base.store(),
        adapters,
        underwriting: settings.underwriting,
        institution: settings.institution.name,
        portal_base_url: settings.ingress.portal_base_url,
    };
    Ok(base.serve(underwriter))
}
