//! The transactional outbox: events are written in the same transaction as
//! the change they announce, and published after it commits.
//!
//! A store built [`Store::publishing_to`] a publisher publishes what each
//! of its transactions staged right after the commit. Whatever that misses
//! (the broker was down, the process died between commit and publish) the
//! [`run_relay`] sweeper publishes later: every replica may run it, since
//! it claims rows with `skip locked`, and a message published twice is
//! harmless because consumers deduplicate on its id.

use crate::{Store, StoreError};
use baohan_bus::message::Outgoing;
use baohan_bus::{Event, Exchange, Publisher};
use baohan_telemetry::trace::TraceParent;
use deadpool_postgres::GenericClient;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// What a transaction staged, to publish once it has committed.
#[derive(Debug, Default)]
#[must_use = "publish what was staged once the transaction commits"]
pub struct Staged(pub(crate) Vec<(Uuid, Event)>);

/// Writes `event` into the outbox inside the caller's transaction.
pub async fn stage(
    tx: &impl GenericClient,
    staged: &mut Staged,
    event: &Event,
) -> Result<(), StoreError> {
    let id = Uuid::new_v4();
    let body = serde_json::to_value(event).map_err(|e| StoreError::Encode(e.to_string()))?;
    crate::cached::execute(
        tx,
        "insert into outbox (id, routing_key, kind, body) values ($1, $2, $3, $4)",
        &[&id, &event.routing_key(), &event.kind(), &body],
    )
    .await?;
    staged.0.push((id, event.clone()));
    Ok(())
}

impl Store {
    /// Publishes what a committed transaction staged, then marks it.
    /// Failures are left to the sweeper: the change itself is durable.
    pub(crate) async fn publish_staged(&self, staged: Staged) {
        let Some(publisher) = &self.publisher else {
            return;
        };
        if staged.0.is_empty() {
            return;
        }
        let parent = baohan_telemetry::otlp::outgoing(&TraceParent::root());
        let mut done = Vec::with_capacity(staged.0.len());
        for (id, event) in &staged.0 {
            let sent = match Outgoing::event(*id, event) {
                Ok(outgoing) => publisher
                    .publish(Exchange::Events, &outgoing, &parent)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match sent {
                Ok(()) => done.push(*id),
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: left for the sweeper");
                    break;
                }
            }
        }
        if done.is_empty() {
            return;
        }
        let marked = match self.client().await {
            Ok(client) => {
                crate::cached::execute(
                    &client,
                    "update outbox set published_at = now() where id = any($1)",
                    &[&done],
                )
                .await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = marked {
            // Published but unmarked: the sweeper sends it again, which
            // consumers deduplicate.
            tracing::warn!(error = %e, "outbox: published, not marked");
        }
    }

    /// Publishes unpublished rows older than a few seconds (what the
    /// immediate publish missed). Returns how many were published.
    async fn sweep(&self, publisher: &Publisher, limit: i64) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let rows = tx
            .query(
                "select id, body from outbox
                 where published_at is null and created_at < now() - interval '5 seconds'
                 order by created_at limit $1 for update skip locked",
                &[&limit],
            )
            .await?;
        let mut done = Vec::new();
        let mut failure = None;
        for row in &rows {
            let id: Uuid = row.get(0);
            let body: serde_json::Value = row.get(1);
            let outgoing = serde_json::from_value::<Event>(body)
                .and_then(|event| Outgoing::event(id, &event))
                .map_err(|e| StoreError::Encode(e.to_string()))?;
            match publisher
                .publish(
                    Exchange::Events,
                    &outgoing,
                    &baohan_telemetry::otlp::outgoing(&TraceParent::root()),
                )
                .await
            {
                Ok(()) => done.push(id),
                Err(e) => {
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        if !done.is_empty() {
            tx.execute(
                "update outbox set published_at = now() where id = any($1)",
                &[&done],
            )
            .await?;
        }
        tx.commit().await?;
        match failure {
            Some(e) => Err(StoreError::Unavailable(e)),
            None => Ok(done.len()),
        }
    }
}

/// Publishes what commits left unpublished, every `every`, until shutdown.
pub async fn run_relay(store: Store, shutdown: CancellationToken, every: Duration) {
    let Some(publisher) = store.publisher.clone() else {
        return;
    };
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        loop {
            match store.sweep(&publisher, 200).await {
                Ok(n) if n > 0 => tracing::info!(published = n, "outbox: swept"),
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox: sweep failed");
                    break;
                }
            }
        }
    }
}
