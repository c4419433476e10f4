//! The notifier's side of the callbacks table: one application's
//! callbacks go out one at a time, in `seq` order.
//!
//! [`Store::deliver_head`] takes the application (platform and subject)
//! with a transaction-scoped advisory lock, so that one replica at a time
//! works on it; finds its head (the lowest `seq` not delivered); and, if
//! the head is due, hands it to the caller's `send` while the lock is
//! held, then records the attempt and its result in the same transaction.
//! A later callback is never sent while an earlier one is pending, and a
//! dead one holds back the rest until an operator resends it
//! (docs/delivery.md).

use crate::outbox::{self, Staged};
use crate::{Store, StoreError};
use baohan_bus::{CallbackDue, Event};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::future::Future;
use uuid::Uuid;

/// A callback ready to go.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: Uuid,
    pub platform_id: String,
    pub interface: String,
    pub subject: String,
    pub seq: i64,
    pub payload: Value,
    /// Attempts made before this one.
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    /// Where the schedule and the deadline count from: when it was
    /// written, or last resent by an operator.
    pub since: DateTime<Utc>,
    /// Attempts made since then.
    pub tries: i32,
}

/// What one attempt did, as the attempts log keeps it.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    pub http_status: Option<i32>,
    /// `delivered`, `http_status`, `timeout`, `connect`, `refused` (a
    /// failure code), `unreadable`, `error`, `redirect` (not followed).
    pub outcome: &'static str,
    /// A response excerpt or the error, already cut and masked.
    pub detail: Option<String>,
    pub next: Next,
}

/// What becomes of the callback after the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Delivered,
    RetryAt(DateTime<Utc>),
    /// Past its deadline: given up, for an operator.
    Dead,
}

/// What [`Store::deliver_head`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Another replica holds this application's callbacks now.
    Busy,
    /// Nothing left to deliver.
    Empty,
    /// The head waits for its next attempt at this time.
    NotDue(DateTime<Utc>),
    /// The head is dead: the later callbacks wait for an operator.
    Held(Uuid),
    /// The head was attempted.
    Attempted { id: Uuid, next: Next },
}

/// The callbacks not yet delivered, for the notifier's gauges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backlog {
    /// Pending and due now.
    pub ready: i64,
    /// Pending, waiting for a later attempt.
    pub scheduled: i64,
    pub dead: i64,
    /// How long the oldest pending callback has waited, in seconds.
    pub oldest_pending_secs: i64,
}

impl Store {
    pub async fn backlog(&self) -> Result<Backlog, StoreError> {
        let row = self
            .client()
            .await?
            .query_one(
                "select
                   count(*) filter (where status = 'pending' and next_attempt_at <= now()),
                   count(*) filter (where status = 'pending' and next_attempt_at > now()),
                   count(*) filter (where status = 'dead'),
                   coalesce(extract(epoch from now() - min(created_at)
                     filter (where status = 'pending'))::bigint, 0)
                 from callbacks where status <> 'delivered'",
                &[],
            )
            .await?;
        Ok(Backlog {
            ready: row.get(0),
            scheduled: row.get(1),
            dead: row.get(2),
            oldest_pending_secs: row.get(3),
        })
    }

    /// Delivers the head of one application's callbacks, if it is due and
    /// nobody else holds them. Call again after `Attempted { next:
    /// Delivered }` for the next one.
    pub async fn deliver_head<F, Fut>(
        &self,
        platform_id: &str,
        subject: &str,
        send: F,
    ) -> Result<Step, StoreError>
    where
        F: FnOnce(Due) -> Fut,
        Fut: Future<Output = Attempt>,
    {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let key = format!("callbacks/{platform_id}/{subject}");
        let locked: bool = tx
            .query_one(
                "select pg_try_advisory_xact_lock(hashtextextended($1, 0))",
                &[&key],
            )
            .await?
            .get(0);
        if !locked {
            return Ok(Step::Busy);
        }
        let row = tx
            .query_opt(
                "select id, interface, seq, payload, attempts, created_at, next_attempt_at, status,
                   coalesce(resent_at, created_at), attempts - attempts_before_resend
                 from callbacks
                 where platform_id = $1 and subject = $2 and status <> 'delivered'
                 order by seq limit 1",
                &[&platform_id, &subject],
            )
            .await?;
        let Some(row) = row else {
            return Ok(Step::Empty);
        };
        let id: Uuid = row.get(0);
        let status: String = row.get(7);
        if status == "dead" {
            return Ok(Step::Held(id));
        }
        let next_attempt_at: DateTime<Utc> = row.get(6);
        if next_attempt_at > Utc::now() {
            return Ok(Step::NotDue(next_attempt_at));
        }
        let due = Due {
            id,
            platform_id: platform_id.to_owned(),
            interface: row.get(1),
            subject: subject.to_owned(),
            seq: row.get(2),
            payload: row.get(3),
            attempts: row.get(4),
            created_at: row.get(5),
            since: row.get(8),
            tries: row.get(9),
        };
        let number = due.attempts + 1;
        let attempt = send(due).await;
        let finished =
            attempt.started_at + chrono::Duration::milliseconds(i64::from(attempt.duration_ms));
        tx.execute(
            "insert into callback_attempts
               (callback_id, attempt, started_at, finished_at, http_status, outcome, detail, duration_ms)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &id,
                &number,
                &attempt.started_at,
                &finished,
                &attempt.http_status,
                &attempt.outcome,
                &attempt.detail,
                &attempt.duration_ms,
            ],
        )
        .await?;
        match attempt.next {
            Next::Delivered => {
                tx.execute(
                    "update callbacks set status = 'delivered', attempts = $2,
                       delivered_at = now(), last_error = null where id = $1",
                    &[&id, &number],
                )
                .await?
            }
            Next::RetryAt(at) => {
                tx.execute(
                    "update callbacks set attempts = $2, next_attempt_at = $3,
                       last_error = $4 where id = $1",
                    &[&id, &number, &at, &attempt.outcome],
                )
                .await?
            }
            Next::Dead => {
                tx.execute(
                    "update callbacks set status = 'dead', attempts = $2, last_error = $3
                     where id = $1",
                    &[&id, &number, &attempt.outcome],
                )
                .await?
            }
        };
        tx.commit().await?;
        Ok(Step::Attempted {
            id,
            next: attempt.next,
        })
    }

    /// After a platform's outage: its pending callbacks are due now, and a
    /// callback event is staged for the head of each application that has
    /// any, to wake a notifier for it. Returns how many were woken.
    pub async fn all_due_now(&self, platform_id: &str) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "update callbacks set next_attempt_at = now()
             where platform_id = $1 and status = 'pending' and next_attempt_at > now()",
            &[&platform_id],
        )
        .await?;
        let heads = tx
            .query(
                "select distinct on (subject) id, interface, subject from callbacks
                 where platform_id = $1 and status <> 'delivered'
                 order by subject, seq",
                &[&platform_id],
            )
            .await?;
        let mut staged = Staged::default();
        for row in &heads {
            outbox::stage(
                &tx,
                &mut staged,
                &Event::Callback(CallbackDue {
                    callback_id: row.get(0),
                    platform_id: platform_id.to_owned(),
                    interface: row.get(1),
                    subject: row.get(2),
                }),
            )
            .await?;
        }
        tx.commit().await?;
        drop(client);
        self.publish_staged(staged).await;
        Ok(heads.len())
    }

    /// The attempts of one callback, in order: `(attempt, outcome,
    /// http_status, started_at)`. For tests and operators.
    pub async fn attempts_of(
        &self,
        callback_id: Uuid,
    ) -> Result<Vec<(i32, String, Option<i32>, DateTime<Utc>)>, StoreError> {
        Ok(self
            .client()
            .await?
            .query(
                "select attempt, outcome, http_status, started_at from callback_attempts
                 where callback_id = $1 order by attempt",
                &[&callback_id],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect())
    }
}
