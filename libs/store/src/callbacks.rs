//! What operators see and do with the callbacks table: list it, and
//! resend callbacks after an incident (`baohanctl callbacks`).
//!
//! A resend makes the callback pending and due now, starts its schedule
//! and deadline afresh (the attempts before stay in the log), and stages
//! a `callback.*` event in the same transaction, which wakes whichever
//! notifier replica takes its application. Order still holds: the
//! notifier only ever sends an application's head. For the same reason a
//! delivered callback may be resent only while it is its application's
//! latest: sending an older status again would move the platform's view
//! backwards.

use crate::outbox::{self, Staged};
use crate::{Store, StoreError};
use baohan_bus::{CallbackDue, Event};
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// The `status` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackStatus {
    Pending,
    Delivered,
    Dead,
}

impl CallbackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackStatus::Pending => "pending",
            CallbackStatus::Delivered => "delivered",
            CallbackStatus::Dead => "dead",
        }
    }
}

impl fmt::Display for CallbackStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for CallbackStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(CallbackStatus::Pending),
            "delivered" => Ok(CallbackStatus::Delivered),
            "dead" => Ok(CallbackStatus::Dead),
            other => Err(format!(
                "{other:?} is not a callback status (pending, delivered, dead)"
            )),
        }
    }
}

/// Which callbacks to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<CallbackStatus>,
    pub platform: Option<String>,
    /// The application's external number (applyno, applicationId) or its
    /// id.
    pub application: Option<String>,
    /// Dead ones that died (their last attempt) at or after this moment.
    pub died_since: Option<DateTime<Utc>>,
    pub limit: i64,
}

/// One callback, as an operator sees it. Its payload is left out: it may
/// hold personal data.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub id: Uuid,
    pub platform_id: String,
    pub interface: String,
    pub subject: String,
    pub seq: i64,
    pub status: CallbackStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub resent_at: Option<DateTime<Utc>>,
    /// Whether a later callback of the same application exists.
    pub later: bool,
}

impl Listed {
    /// Why this callback cannot be resent, if it cannot.
    pub fn not_resendable(&self) -> Option<&'static str> {
        (self.status == CallbackStatus::Delivered && self.later)
            .then_some("delivered, and a later callback of its application exists: resending it would move the platform's view backwards")
    }
}

/// What a resend did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resent {
    /// Pending and due now; its application's notifier was woken.
    Resent,
    /// Left as it was, and why.
    Skipped(&'static str),
    NotFound,
}

const COLUMNS: &str = "c.id, c.platform_id, c.interface, c.subject, c.seq, c.status, c.attempts,
    c.last_error, c.created_at, c.next_attempt_at, c.delivered_at, c.resent_at,
    exists (select 1 from callbacks l
            where l.platform_id = c.platform_id and l.subject = c.subject and l.seq > c.seq)";

fn listed(row: &tokio_postgres::Row) -> Result<Listed, StoreError> {
    let status: String = row.get(5);
    Ok(Listed {
        id: row.get(0),
        platform_id: row.get(1),
        interface: row.get(2),
        subject: row.get(3),
        seq: row.get(4),
        status: status.parse().map_err(StoreError::Encode)?,
        attempts: row.get(6),
        last_error: row.get(7),
        created_at: row.get(8),
        next_attempt_at: row.get(9),
        delivered_at: row.get(10),
        resent_at: row.get(11),
        later: row.get(12),
    })
}

impl Store {
    /// Callbacks matching `filter`, oldest first.
    pub async fn callbacks(&self, filter: &Filter) -> Result<Vec<Listed>, StoreError> {
        let status = filter.status.map(CallbackStatus::as_str);
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "select {COLUMNS} from callbacks c
                     where ($1::text is null or c.status = $1)
                       and ($2::text is null or c.platform_id = $2)
                       and ($3::text is null or c.subject = $3 or c.subject in
                            (select a.external_no from applications a
                             where a.id::text = $3 and a.platform_id = c.platform_id))
                       and ($4::timestamptz is null or
                            (select max(started_at) from callback_attempts t
                             where t.callback_id = c.id) >= $4)
                     order by c.created_at, c.platform_id, c.subject, c.seq
                     limit $5"
                ),
                &[
                    &status,
                    &filter.platform,
                    &filter.application,
                    &filter.died_since,
                    &filter.limit,
                ],
            )
            .await?;
        rows.iter().map(listed).collect()
    }

    /// The callbacks with these ids, in the order given; `None` for an
    /// unknown id.
    pub async fn callbacks_by_id(&self, ids: &[Uuid]) -> Result<Vec<Option<Listed>>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                &format!("select {COLUMNS} from callbacks c where c.id = any($1)"),
                &[&ids],
            )
            .await?;
        let found = rows.iter().map(listed).collect::<Result<Vec<_>, _>>()?;
        Ok(ids
            .iter()
            .map(|id| found.iter().find(|c| c.id == *id).cloned())
            .collect())
    }

    /// Resends one callback (see the module's comment), checking again
    /// under the row's lock what the operator's plan saw.
    pub async fn resend(&self, id: Uuid, operator: &str) -> Result<Resent, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                &format!("select {COLUMNS} from callbacks c where c.id = $1 for update"),
                &[&id],
            )
            .await?;
        let Some(row) = row else {
            return Ok(Resent::NotFound);
        };
        let callback = listed(&row)?;
        if let Some(why) = callback.not_resendable() {
            return Ok(Resent::Skipped(why));
        }
        tx.execute(
            "update callbacks set status = 'pending', next_attempt_at = now(),
               resent_at = now(), resent_by = $2, attempts_before_resend = attempts,
               last_error = null
             where id = $1",
            &[&id, &operator],
        )
        .await?;
        // Wakes whichever notifier replica takes its application.
        let mut staged = Staged::default();
        outbox::stage(
            &tx,
            &mut staged,
            &Event::Callback(CallbackDue {
                callback_id: callback.id,
                platform_id: callback.platform_id,
                interface: callback.interface,
                subject: callback.subject,
            }),
        )
        .await?;
        tx.commit().await?;
        drop(client);
        self.publish_staged(staged).await;
        Ok(Resent::Resent)
    }
}
