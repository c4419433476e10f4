//! One event, handled: an application that became paid is issued; every
//! other event on the queue is not issuance's business.

use crate::documents::{self, Context, MakeError};
use baohan_bus::{Event, Handler, Incoming, Outcome};
use baohan_domain::application::Status;
use baohan_store::Store;
use baohan_store::applications::Find;
use baohan_store::issuance::Issued;
use baohan_worker::StepError;

/// The name this consumer's processed marks go under.
pub const CONSUMER: &str = "issuance";

pub struct Issuer {
    pub store: Store,
    pub context: Context,
}

impl From<MakeError> for StepError {
    fn from(e: MakeError) -> StepError {
        StepError::Unmade(e.to_string())
    }
}

impl Handler for Issuer {
    async fn handle(&self, message: Incoming) -> Outcome {
        match self.step(&message).await {
            Ok(()) => Outcome::Done,
            Err(e) => e.outcome(),
        }
    }
}

impl Issuer {
    pub async fn step(&self, message: &Incoming) -> Result<(), StepError> {
        let event: Event = serde_json::from_slice(&message.body)
            .map_err(|e| StepError::Unreadable(e.to_string()))?;
        let Event::Application(changed) = event else {
            return Ok(());
        };
        if changed.to != "paid" {
            return Ok(());
        }
        if self.store.was_applied(CONSUMER, message.id).await? {
            return Ok(());
        }
        let key = Find::External {
            platform_id: &changed.platform_id,
            external_no: &changed.external_no,
        };
        // The documents are made from the application as read, off the
        // async threads: a letter is milliseconds of CPU (font subsetting,
        // the signature), and the transaction stays short.
        let prepared = match self.store.application(key).await? {
            Some(app) if app.status == Status::Paid => {
                let serial = self.store.guarantee_serial().await?;
                let context = self.context.clone();
                let issued_at = baohan_protocol::time::now();
                let made = tokio::task::spawn_blocking(move || {
                    documents::make(&app, serial, &context, issued_at)
                })
                .await
                .map_err(|e| StepError::Unreadable(format!("making the documents: {e}")))??;
                Some(made)
            }
            _ => None,
        };
        let result = self
            .store
            .issue(
                CONSUMER,
                message.id,
                &changed.platform_id,
                &changed.external_no,
                prepared,
            )
            .await?;
        match result {
            Issued::Issued {
                guarantee_no,
                guarantee_id,
            } => {
                tracing::info!(platform = %changed.platform_id, application = %changed.external_no, %guarantee_no, %guarantee_id, "issued");
            }
            Issued::AlreadyApplied => {}
            Issued::Stale => return Err(StepError::Stale(changed.external_no.clone())),
            // Issued before (a replay of the paid event), or withdrawn
            // meanwhile: nothing to do, and the history says why.
            Issued::Refused(e) => {
                tracing::info!(platform = %changed.platform_id, application = %changed.external_no, refused = %e, "not issued");
            }
            Issued::NotFound => {
                tracing::warn!(platform = %changed.platform_id, application = %changed.external_no, "paid event for an unknown application");
            }
        }
        Ok(())
    }
}
