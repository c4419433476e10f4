//! Applications through their lifecycle. Every change is one transaction
//! that holds the application row locked and writes, together:
//! - the new status, as [`Status::apply`] allows it (nothing else decides);
//! - a row of `application_history` (who, when, why: the ops timeline);
//! - the callbacks the change owes the platform (the notifier's outbox),
//!   numbered in order per application;
//! - the events that announce it (`crate::outbox`), published after commit.
//!
//! Consumers also write their processed-message mark in it, so a
//! redelivered or replayed command finds the mark and changes nothing.

use crate::outbox::{self, Staged};
use crate::processed::first_time;
use crate::{Store, StoreError};
use baohan_bus::{ApplicationChanged, CallbackDue, Event as BusEvent};
use baohan_domain::Protocol;
use baohan_domain::application::{Event, IllegalTransition, Status};
use baohan_domain::details::Details;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde_json::Value;
use uuid::Uuid;

pub use baohan_protocol::notices::Owed as NewCallback;

/// One personal value, by the name it is stored under.
#[derive(Debug, Clone)]
pub struct Personal {
    pub field: String,
    /// `id_number`, `phone`, `bank_account`, `person_name`, `address`,
    /// `email` or `account_name`.
    pub kind: &'static str,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub id: Uuid,
    pub platform_id: String,
    pub protocol: Protocol,
    /// Fujian `applyno`, ELY `applicationId`.
    pub external_no: String,
    /// What underwriting decided: approved, rejected or referred.
    pub status: Status,
    /// Why, for the timeline (the rule that rejected or referred).
    pub note: Option<String>,
    pub applicant_name: String,
    pub applicant_credit_code: String,
    pub project_code: Option<String>,
    pub project_name: Option<String>,
    pub guarantee_amount_fen: i64,
    pub premium_fen: Option<i64>,
    /// SM3 of the Payurl token: the portal finds the application by it.
    pub pay_token_digest: Option<String>,
    /// What the application keeps beyond its columns; never personal data.
    pub details: Details,
    pub personal: Vec<Personal>,
    /// Messages to the bidder, sent by the portal's sender.
    pub notifications: Vec<NewNotification>,
}

/// An SMS to the bidder; the number stays in `personal_data`.
#[derive(Debug, Clone)]
pub struct NewNotification {
    /// The personal_data field that holds the number
    /// (`PersonalField::ContactPhone`).
    pub recipient_field: &'static str,
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Stored, with its callbacks.
    New,
    /// This command was applied before (redelivery, replay): nothing done.
    AlreadyApplied,
    /// Another command already created an application with this number.
    Exists,
}

/// An application as the lifecycle sees it.
#[derive(Debug, Clone)]
pub struct AppRow {
    pub id: Uuid,
    pub platform_id: String,
    pub protocol: Protocol,
    pub external_no: String,
    pub status: Status,
    pub applicant_name: String,
    pub applicant_credit_code: String,
    pub project_code: Option<String>,
    pub project_name: Option<String>,
    pub guarantee_amount_fen: i64,
    pub premium_fen: Option<i64>,
    pub details: Details,
    pub created_at: DateTime<Utc>,
}

/// How a caller names an application.
#[derive(Debug, Clone, Copy)]
pub enum Find<'a> {
    /// The platform's number (applyno, applicationId).
    External {
        platform_id: &'a str,
        external_no: &'a str,
    },
    Id(Uuid),
    /// The number of its guarantee (ELY guaranteeId).
    GuaranteeNo {
        platform_id: &'a str,
        guarantee_no: &'a str,
    },
    /// SM3 of the portal token.
    TokenDigest(&'a str),
}

const APP_COLUMNS: &str = "id, platform_id, protocol, external_no, status, applicant_name,
    applicant_credit_code, project_code, project_name, guarantee_amount_fen, premium_fen,
    details, created_at";

fn app_row(row: &tokio_postgres::Row) -> Result<AppRow, StoreError> {
    let status: String = row.get(4);
    let protocol: String = row.get(2);
    let external_no: String = row.get(3);
    let details: Value = row.get(11);
    Ok(AppRow {
        id: row.get(0),
        platform_id: row.get(1),
        protocol: Protocol::parse(&protocol)
            .ok_or_else(|| StoreError::Encode(format!("unknown protocol {protocol}")))?,
        details: Details::from_json(&details)
            .map_err(|e| StoreError::Encode(format!("application {external_no}: {e}")))?,
        external_no,
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::Encode(format!("unknown application status {status}")))?,
        applicant_name: row.get(5),
        applicant_credit_code: row.get(6),
        project_code: row.get(7),
        project_name: row.get(8),
        guarantee_amount_fen: row.get(9),
        premium_fen: row.get(10),
        created_at: row.get(12),
    })
}

/// Reads an application; `lock` holds its row until the transaction ends.
pub(crate) async fn find(
    client: &impl GenericClient,
    find: Find<'_>,
    lock: bool,
) -> Result<Option<AppRow>, StoreError> {
    let suffix = if lock { " for update" } else { "" };
    let row = match find {
        Find::External {
            platform_id,
            external_no,
        } => {
            let sql = format!(
                "select {APP_COLUMNS} from applications
                 where platform_id = $1 and external_no = $2{suffix}"
            );
            crate::cached::query_opt(client, &sql, &[&platform_id, &external_no]).await?
        }
        Find::Id(id) => {
            let sql = format!("select {APP_COLUMNS} from applications where id = $1{suffix}");
            crate::cached::query_opt(client, &sql, &[&id]).await?
        }
        Find::TokenDigest(digest) => {
            let sql = format!(
                "select {APP_COLUMNS} from applications where pay_token_digest = $1{suffix}"
            );
            client.query_opt(&sql, &[&digest]).await?
        }
        Find::GuaranteeNo {
            platform_id,
            guarantee_no,
        } => {
            let sql = format!(
                "select {APP_COLUMNS} from applications
                 where platform_id = $1
                   and id = (select application_id from guarantees where guarantee_no = $2){suffix}"
            );
            crate::cached::query_opt(client, &sql, &[&platform_id, &guarantee_no]).await?
        }
    };
    row.as_ref().map(app_row).transpose()
}

/// Writes what a move from `from` to `to` leaves behind: history,
/// callbacks and events. The status column itself is the caller's.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    tx: &impl GenericClient,
    staged: &mut Staged,
    app: &AppRow,
    from: Option<Status>,
    to: Status,
    event: &str,
    actor: &str,
    note: Option<&str>,
    owed: &[NewCallback],
) -> Result<(), StoreError> {
    history(tx, app.id, from, to, event, actor, note).await?;
    if from != Some(to) {
        outbox::stage(
            tx,
            staged,
            &BusEvent::Application(ApplicationChanged {
                application_id: app.id,
                platform_id: app.platform_id.clone(),
                protocol: app.protocol.clone(),
                external_no: app.external_no.clone(),
                from: from.map(|s| s.as_str().to_owned()),
                to: to.as_str().to_owned(),
                actor: actor.to_owned(),
            }),
        )
        .await?;
    }
    for c in owed {
        let id = Uuid::new_v4();
        // Callbacks of one application are delivered in `seq` order.
        crate::cached::execute(
            tx,
            "insert into callbacks (id, platform_id, interface, subject, seq, payload)
             select $1, $2, $3, $4, coalesce(max(seq), 0) + 1, $5
             from callbacks where platform_id = $2 and subject = $4",
            &[
                &id,
                &app.platform_id,
                &c.interface,
                &app.external_no,
                &c.payload,
            ],
        )
        .await?;
        outbox::stage(
            tx,
            staged,
            &BusEvent::Callback(CallbackDue {
                callback_id: id,
                platform_id: app.platform_id.clone(),
                interface: c.interface.clone(),
                subject: app.external_no.clone(),
            }),
        )
        .await?;
    }
    Ok(())
}

/// Appends to the timeline.
async fn history(
    tx: &impl GenericClient,
    application_id: Uuid,
    from: Option<Status>,
    to: Status,
    event: &str,
    actor: &str,
    note: Option<&str>,
) -> Result<(), StoreError> {
    crate::cached::execute(
        tx,
        "insert into application_history
           (application_id, seq, from_status, to_status, event, actor, note)
         select $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6
         from application_history where application_id = $1",
        &[
            &application_id,
            &from.map(Status::as_str),
            &to.as_str(),
            &event,
            &actor,
            &note,
        ],
    )
    .await?;
    Ok(())
}

/// A step that moves nothing (a profile saved, a file uploaded): the
/// timeline only; nothing is owed and nothing announced.
pub(crate) async fn note(
    tx: &impl GenericClient,
    app: &AppRow,
    event: &str,
    actor: &str,
    note: Option<&str>,
) -> Result<(), StoreError> {
    history(tx, app.id, Some(app.status), app.status, event, actor, note).await
}

/// Queues an SMS to the bidder, in the caller's transaction.
pub(crate) async fn notify(
    tx: &impl GenericClient,
    application_id: Uuid,
    n: &NewNotification,
) -> Result<(), StoreError> {
    tx.execute(
        "insert into notifications (id, application_id, channel, recipient_field, body)
         values ($1, $2, 'sms', $3, $4)",
        &[
            &Uuid::new_v4(),
            &application_id,
            &n.recipient_field,
            &n.body,
        ],
    )
    .await?;
    Ok(())
}

/// Moves a locked application by `event`, as the state machine allows,
/// and records it. `Err(IllegalTransition)` changes nothing.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn step(
    tx: &impl GenericClient,
    staged: &mut Staged,
    app: &AppRow,
    event: Event,
    actor: &str,
    note: Option<&str>,
    owed: &[NewCallback],
) -> Result<Result<Status, IllegalTransition>, StoreError> {
    let to = match app.status.apply(event) {
        Ok(to) => to,
        Err(e) => return Ok(Err(e)),
    };
    crate::cached::execute(
        tx,
        "update applications set status = $2, updated_at = now() where id = $1",
        &[&app.id, &to.as_str()],
    )
    .await?;
    record(
        tx,
        staged,
        app,
        Some(app.status),
        to,
        event_name(event),
        actor,
        note,
        owed,
    )
    .await?;
    Ok(Ok(to))
}

/// The event's name in `application_history`.
pub fn event_name(event: Event) -> &'static str {
    match event {
        Event::Approve => "approve",
        Event::Refer => "refer",
        Event::Reject => "reject",
        Event::Pay => "pay",
        Event::Issue => "issue",
        Event::FailIssue => "fail_issue",
        Event::Withdraw => "withdraw",
        Event::Surrender => "surrender",
        Event::Invalidate => "invalidate",
        Event::PayClaim => "pay_claim",
    }
}

/// What [`Store::transition_application`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transitioned {
    To(Status),
    /// The state machine refused; nothing changed but the processed mark.
    Refused(IllegalTransition),
    AlreadyApplied,
}

impl Store {
    /// Stores a decided application and the callbacks it owes, once per
    /// `(consumer, message_id)`.
    pub async fn write_application(
        &self,
        consumer: &str,
        message_id: Uuid,
        app: &NewApplication,
        callbacks: &[NewCallback],
    ) -> Result<Written, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if !first_time(&tx, consumer, message_id).await? {
            return Ok(Written::AlreadyApplied);
        }
        let row = tx
            .query_opt(
                &format!(
                    "insert into applications
                       (id, platform_id, protocol, external_no, status, applicant_name,
                        applicant_credit_code, project_code, project_name,
                        guarantee_amount_fen, premium_fen, pay_token_digest, details)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                     on conflict (platform_id, external_no) do nothing
                     returning {APP_COLUMNS}"
                ),
                &[
                    &app.id,
                    &app.platform_id,
                    &app.protocol.name(),
                    &app.external_no,
                    &app.status.as_str(),
                    &app.applicant_name,
                    &app.applicant_credit_code,
                    &app.project_code,
                    &app.project_name,
                    &app.guarantee_amount_fen,
                    &app.premium_fen,
                    &app.pay_token_digest,
                    &app.details.to_json(),
                ],
            )
            .await?;
        let Some(row) = row else {
            // The mark is kept: this command is done, as a duplicate.
            tx.commit().await?;
            return Ok(Written::Exists);
        };
        let stored = app_row(&row)?;
        for p in &app.personal {
            tx.execute(
                "insert into personal_data (owner_kind, owner_id, field, kind, value)
                 values ('application', $1, $2, $3, $4)",
                &[&app.id, &p.field, &p.kind, &p.value],
            )
            .await?;
        }
        let mut staged = Staged::default();
        let received = Status::Received;
        record(
            &tx,
            &mut staged,
            &stored,
            None,
            received,
            "receive",
            "platform",
            None,
            &[],
        )
        .await?;
        if app.status != received {
            let event = match app.status {
                Status::Approved => "approve",
                Status::Rejected => "reject",
                Status::Referred => "refer",
                other => other.as_str(),
            };
            record(
                &tx,
                &mut staged,
                &stored,
                Some(received),
                app.status,
                event,
                "underwriting",
                app.note.as_deref(),
                callbacks,
            )
            .await?;
        }
        for n in &app.notifications {
            notify(&tx, app.id, n).await?;
        }
        tx.commit().await?;
        // The connection goes back first: publishing takes one of its own,
        // and holding two per call starves the pool under load.
        drop(client);
        self.publish_staged(staged).await;
        Ok(Written::New)
    }

    /// Moves an application by `event`, once per `(consumer, message_id)`;
    /// `owed` says which callbacks the move owes. `Ok(None)` when there is
    /// no such application yet.
    #[allow(clippy::too_many_arguments)]
    pub async fn transition_application(
        &self,
        consumer: &str,
        message_id: Uuid,
        platform_id: &str,
        external_no: &str,
        event: Event,
        actor: &str,
        owed: impl FnOnce(&AppRow) -> Vec<NewCallback>,
    ) -> Result<Option<Transitioned>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let key = Find::External {
            platform_id,
            external_no,
        };
        let Some(app) = find(&tx, key, true).await? else {
            return Ok(None);
        };
        if !first_time(&tx, consumer, message_id).await? {
            return Ok(Some(Transitioned::AlreadyApplied));
        }
        let mut staged = Staged::default();
        let callbacks = owed(&app);
        let outcome = match step(&tx, &mut staged, &app, event, actor, None, &callbacks).await? {
            Ok(to) => Transitioned::To(to),
            Err(e) => Transitioned::Refused(e),
        };
        tx.commit().await?;
        // The connection goes back first: publishing takes one of its own,
        // and holding two per call starves the pool under load.
        drop(client);
        self.publish_staged(staged).await;
        Ok(Some(outcome))
    }

    /// An application by any of its names, without locking it.
    pub async fn application(&self, key: Find<'_>) -> Result<Option<AppRow>, StoreError> {
        find(&self.client().await?, key, false).await
    }

    /// The callbacks owed for one application, in order: `(interface,
    /// payload)`. For tests and the ops API.
    pub async fn callbacks_for(
        &self,
        platform_id: &str,
        external_no: &str,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                "select interface, payload from callbacks
                 where platform_id = $1 and subject = $2 order by seq",
                &[&platform_id, &external_no],
            )
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// The same bidder's other live application for the same section
    /// (`details.section`) and project: its number and status.
    pub async fn earlier_application(
        &self,
        platform_id: &str,
        credit_code: &str,
        section: &str,
        external_no: &str,
    ) -> Result<Option<(String, Status)>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "select external_no, status from applications
                 where platform_id = $1 and applicant_credit_code = $2
                   and details->>'section' = $3 and external_no <> $4
                   and status not in ('rejected', 'withdrawn', 'issue_failed',
                                      'surrendered', 'invalidated', 'claimed')
                 order by created_at desc limit 1",
                &[&platform_id, &credit_code, &section, &external_no],
            )
            .await?;
        Ok(row.and_then(|r| {
            let status: String = r.get(1);
            Status::parse(&status).map(|s| (r.get(0), s))
        }))
    }
}
