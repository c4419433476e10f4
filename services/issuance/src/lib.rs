//! Issuance: consumes `application.paid` events from the `issuance` queue and
//! issues each application that became paid: the guarantee number, the
//! letter (PDF), its structured XML and the application form (PDF), each
//! with its MD5, and the callback the issue owes, in one transaction.
//!
//! # Layout
//! - [`documents`]: from the application to the guarantee (pure).
//! - [`handler`]: one event, handled.
//! - this file: the worker (`baohan-worker`: the consumer, the outbox
//!   relay, `/healthz`, `/readyz`, `/metrics` on `issuance.listen`).

pub mod documents;
pub mod handler;

use baohan_bus::WorkQueue;
use baohan_config::Settings;
use baohan_letter::pdf::Typeface;
use baohan_worker::{Base, Spec, Worker};
use handler::Issuer;

pub use baohan_service::StartError;

pub type Application = Worker<Issuer>;

pub async fn build(settings: Settings) -> Result<Application, StartError> {
    let i = &settings.issuance;
    let face = Typeface::load(&i.font_path, i.font_index).map_err(|e| StartError::Setting {
        key: "issuance.font_path",
        reason: e.to_string(),
    })?;
    let signer = match (&i.signing_cert, &i.signing_key) {
        (Some(cert), Some(key)) => baohan_pdfsign::Signer::load(cert.as_bytes(), key.expose())
            .map_err(|e| StartError::Setting {
                key: "issuance.signing_cert / signing_key",
                reason: e.to_string(),
            })?,
        _ => {
            return Err(StartError::Setting {
                key: "issuance.signing_cert / signing_key",
                reason: "both are required: letters are issued signed".into(),
            });
        }
    };
    let base = Base::start(
        &settings,
        Spec {
            name: "issuance",
            queue: WorkQueue::Issuance,
            listen: i.listen,
            metric: "baohan_issuance_events_total",
            help: "Events handled, by outcome (done, retry, reject)",
        },
    )
    .await?;
    let issuer = Issuer {
        store: base.store(),
        context: documents::Context {
            institution: settings.institution.name.clone(),
            bid_prefix: i.bid_prefix.clone(),
            performance_prefix: i.performance_prefix.clone(),
            face,
            signer: std::sync::Arc::new(signer),
            adapters: settings.adapters(),
        },
    };
    Ok(base.serve(issuer))
}
