//! The inbound request journal: one row per accepted business request.
//!
//! The ingress records a request before it publishes the command, with the
//! reply it is about to give. A platform that retries (same business key,
//! same content) gets the recorded reply and the same command id, so the
//! consumers see at most one command however often it is published. Same
//! key with other content, or an ELY `msgcode` reused for other content, is
//! a conflict the ingress refuses.

use crate::{Store, StoreError};
use serde_json::Value;
use uuid::Uuid;

/// A request about to be accepted.
#[derive(Debug, Clone)]
pub struct NewInbound<'a> {
    pub id: Uuid,
    pub platform_id: &'a str,
    pub interface: &'a str,
    pub dedupe_key: &'a str,
    pub content_digest: &'a str,
    pub msgcode: Option<&'a str>,
    pub reply: &'a Value,
    /// The Payurl token, for applications.
    pub pay_token: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// First time: publish `id` and answer.
    New,
    /// An identical request was recorded before; answer with its reply and
    /// (unless it was confirmed already) publish its command id again.
    Repeat {
        id: Uuid,
        reply: Value,
        published: bool,
        pay_token: Option<String>,
    },
    /// The business key was used before with other content.
    KeyConflict,
    /// The ELY msgcode was used before with other content.
    MsgcodeReused,
}

impl Store {
    pub async fn record_inbound(&self, new: &NewInbound<'_>) -> Result<Recorded, StoreError> {
        let client = self.client().await?;
        // Prepared once per connection: this runs for every call a
        // platform makes, and planning it each time was most of its cost.
        let insert = client
            .prepare_cached(
                "insert into inbound_requests
                   (id, platform_id, interface, dedupe_key, content_digest, msgcode, reply, pay_token)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)
                 on conflict do nothing",
            )
            .await?;
        let inserted = client
            .execute(
                &insert,
                &[
                    &new.id,
                    &new.platform_id,
                    &new.interface,
                    &new.dedupe_key,
                    &new.content_digest,
                    &new.msgcode,
                    new.reply,
                    &new.pay_token,
                ],
            )
            .await?;
        if inserted == 1 {
            return Ok(Recorded::New);
        }
        why_not_inserted(&client, new).await
    }

    /// Forgets a request whose command certainly never reached the broker
    /// (the publisher was not connected), so that the platform, told to
    /// retry, may also send a corrected request under the same key.
    /// Whether this exact request was accepted before: an identical
    /// retry is answered from the journal, whatever has happened since.
    pub async fn seen_inbound(
        &self,
        platform_id: &str,
        interface: &str,
        dedupe_key: &str,
        content_digest: &str,
    ) -> Result<bool, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "select 1 from inbound_requests
                 where platform_id = $1 and interface = $2 and dedupe_key = $3
                   and content_digest = $4",
                &[&platform_id, &interface, &dedupe_key, &content_digest],
            )
            .await?;
        Ok(row.is_some())
    }

    pub async fn forget_unpublished(&self, id: Uuid) -> Result<(), StoreError> {
        self.client()
            .await?
            .execute(
                "delete from inbound_requests where id = $1 and published_at is null",
                &[&id],
            )
            .await?;
        Ok(())
    }

    /// Marks commands the broker has confirmed, so a later identical retry
    /// is answered without publishing again.
    pub async fn mark_published(&self, ids: &[Uuid]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let client = self.client().await?;
        let update = client
            .prepare_cached(
                "update inbound_requests set published_at = now()
                 where id = any($1) and published_at is null",
            )
            .await?;
        client.execute(&update, &[&ids]).await?;
        Ok(())
    }

    /// How many requests a platform has recorded for an interface; for
    /// tests and the ops API.
    pub async fn count_inbound(
        &self,
        platform_id: &str,
        interface: &str,
    ) -> Result<i64, StoreError> {
        let row = self
            .client()
            .await?
            .query_one(
                "select count(*) from inbound_requests where platform_id = $1 and interface = $2",
                &[&platform_id, &interface],
            )
            .await?;
        Ok(row.get(0))
    }
}

/// Classifies a request whose insert did nothing. The rows that blocked it
/// are there to be found: a row is only ever deleted by
/// [`Store::forget_unpublished`], before any reply that mentions it.
pub(crate) async fn why_not_inserted(
    client: &tokio_postgres::Client,
    new: &NewInbound<'_>,
) -> Result<Recorded, StoreError> {
    let rows = client
        .query(
            "select id, interface, dedupe_key, content_digest, msgcode, reply,
                    published_at is not null, pay_token
             from inbound_requests
             where platform_id = $1
               and ((interface = $2 and dedupe_key = $3) or msgcode = $4)",
            &[
                &new.platform_id,
                &new.interface,
                &new.dedupe_key,
                &new.msgcode,
            ],
        )
        .await?;
    let mut verdict = Recorded::KeyConflict;
    for row in &rows {
        let digest: &str = row.get(3);
        let msgcode: Option<&str> = row.get(4);
        let same_key =
            row.get::<_, &str>(1) == new.interface && row.get::<_, &str>(2) == new.dedupe_key;
        if digest != new.content_digest {
            if msgcode.is_some() && msgcode == new.msgcode {
                return Ok(Recorded::MsgcodeReused);
            }
            continue;
        }
        if same_key {
            verdict = Recorded::Repeat {
                id: row.get(0),
                reply: row.get(5),
                published: row.get(6),
                pay_token: row.get(7),
            };
        }
    }
    Ok(verdict)
}
