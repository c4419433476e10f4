//! The inbound journal, written in batches.
//!
//! Every call a platform makes is one row in `inbound_requests`, written
//! before the command is published. One statement and one commit per call
//! made PostgreSQL the ingress's bottleneck; here the calls that arrive
//! together share one multi-row insert. A batch is collected while the
//! previous ones are still being written, so under light load a call waits
//! for nothing, and under heavy load batches grow instead of queues.
//!
//! The result is the same as [`Store::record_inbound`] for each call: rows
//! the insert skipped are classified one by one (a retry, a key conflict, a
//! reused msgcode). When the database is away, the whole batch fails at
//! once; when one row is refused, the batch is retried call by call, so
//! each caller gets its own verdict or its own error.

use crate::inbound::{NewInbound, Recorded, why_not_inserted};
use crate::{Client, Store, StoreError};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::{Semaphore, mpsc, oneshot};
use uuid::Uuid;

/// Rows per statement at most.
const MAX_BATCH: usize = 128;
/// Statements in flight at once.
const IN_FLIGHT: usize = 1;

/// A handle to the batch writer; cheap to clone. The writer stops when the
/// last handle is dropped, after writing what it was given.
#[derive(Clone)]
pub struct InboundJournal {
    tx: mpsc::Sender<Pending>,
}

struct Pending {
    row: Row,
    done: oneshot::Sender<Result<Recorded, StoreError>>,
}

/// [`NewInbound`], owned, to cross into the writer task.
struct Row {
    id: Uuid,
    platform_id: String,
    interface: String,
    dedupe_key: String,
    content_digest: String,
    msgcode: Option<String>,
    reply: Value,
    pay_token: Option<String>,
}

impl Row {
    fn of(new: &NewInbound<'_>) -> Row {
        Row {
            id: new.id,
            platform_id: new.platform_id.to_owned(),
            interface: new.interface.to_owned(),
            dedupe_key: new.dedupe_key.to_owned(),
            content_digest: new.content_digest.to_owned(),
            msgcode: new.msgcode.map(str::to_owned),
            reply: new.reply.clone(),
            pay_token: new.pay_token.map(str::to_owned),
        }
    }

    fn borrow(&self) -> NewInbound<'_> {
        NewInbound {
            id: self.id,
            platform_id: &self.platform_id,
            interface: &self.interface,
            dedupe_key: &self.dedupe_key,
            content_digest: &self.content_digest,
            msgcode: self.msgcode.as_deref(),
            reply: &self.reply,
            pay_token: self.pay_token.as_deref(),
        }
    }
}

impl InboundJournal {
    /// Starts the writer on the current runtime.
    pub fn start(store: Store) -> InboundJournal {
        let (tx, rx) = mpsc::channel(MAX_BATCH * 16);
        tokio::spawn(write_batches(store, rx));
        InboundJournal { tx }
    }

    /// Records one request, as [`Store::record_inbound`] does.
    pub async fn record(&self, new: &NewInbound<'_>) -> Result<Recorded, StoreError> {
        let (done, verdict) = oneshot::channel();
        let pending = Pending {
            row: Row::of(new),
            done,
        };
        self.tx
            .send(pending)
            .await
            .map_err(|_| StoreError::Stopped)?;
        verdict.await.map_err(|_| StoreError::Stopped)?
    }
}

async fn write_batches(store: Store, mut rx: mpsc::Receiver<Pending>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        // Take a slot before collecting: while every slot is busy, calls
        // gather in the channel and the next batch is bigger.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        if rx.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let rows = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
        let store = store.clone();
        tokio::spawn(async move {
            write(&store, rows).await;
            drop(slot);
        });
    }
}

async fn write(store: &Store, batch: Vec<Pending>) {
    // A caller that gave up (its request timed out) is not recorded: it was
    // not answered yes, and a row would only bind its key.
    let batch: Vec<Pending> = batch.into_iter().filter(|p| !p.done.is_closed()).collect();
    if batch.is_empty() {
        return;
    }
    let client = match store.client().await {
        Ok(c) => c,
        Err(e) => return fail_all(batch, &e),
    };
    match insert(&client, &batch).await {
        Ok(inserted) => {
            for p in batch {
                let verdict = if inserted.contains(&p.row.id) {
                    Ok(Recorded::New)
                } else {
                    why_not_inserted(&client, &p.row.borrow()).await
                };
                let _ = p.done.send(verdict);
            }
        }
        // The database is away: every caller hears so at once, instead of
        // each waiting its turn for the same outage.
        Err(e) if e.is_transient() => fail_all(batch, &e),
        // Something in one row (a value PostgreSQL refuses): find which,
        // and let the others through.
        Err(e) => {
            tracing::warn!(error = ?e, rows = batch.len(), "batch insert failed; recording one by one");
            drop(client);
            for p in batch {
                let verdict = store.record_inbound(&p.row.borrow()).await;
                let _ = p.done.send(verdict);
            }
        }
    }
}

fn fail_all(batch: Vec<Pending>, e: &StoreError) {
    tracing::error!(error = ?e, rows = batch.len(), "inbound journal unavailable");
    for p in batch {
        let _ = p.done.send(Err(StoreError::Unavailable(e.to_string())));
    }
}

/// One multi-row insert; returns the ids it inserted.
async fn insert(client: &Client, batch: &[Pending]) -> Result<HashSet<Uuid>, StoreError> {
    let statement = client
        .prepare_cached(
            "insert into inbound_requests
               (id, platform_id, interface, dedupe_key, content_digest, msgcode, reply, pay_token)
             select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::jsonb[], $8::text[])
             on conflict do nothing
             returning id",
        )
        .await?;
    let rows: Vec<&Row> = batch.iter().map(|p| &p.row).collect();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let platforms: Vec<&str> = rows.iter().map(|r| r.platform_id.as_str()).collect();
    let interfaces: Vec<&str> = rows.iter().map(|r| r.interface.as_str()).collect();
    let keys: Vec<&str> = rows.iter().map(|r| r.dedupe_key.as_str()).collect();
    let digests: Vec<&str> = rows.iter().map(|r| r.content_digest.as_str()).collect();
    let msgcodes: Vec<Option<&str>> = rows.iter().map(|r| r.msgcode.as_deref()).collect();
    let replies: Vec<&Value> = rows.iter().map(|r| &r.reply).collect();
    let tokens: Vec<Option<&str>> = rows.iter().map(|r| r.pay_token.as_deref()).collect();
    let inserted = client
        .query(
            &statement,
            &[
                &ids,
                &platforms,
                &interfaces,
                &keys,
                &digests,
                &msgcodes,
                &replies,
                &tokens,
            ],
        )
        .await?;
    Ok(inserted.iter().map(|r| r.get(0)).collect())
}
