//! Issuing a paid application's guarantee, in one transaction: the
//! application moves to issued (history, callbacks and outbox events as
//! every step), the guarantee row, and its documents with their MD5.
//!
//! The documents are made before the transaction, off the async threads
//! (they cost milliseconds of CPU each), from the application as read and
//! a serial taken from a sequence ([`Store::guarantee_serial`]). The
//! transaction then locks the application and checks again that it may be
//! issued: a redelivered or replayed command finds it issued, or its mark,
//! and stores nothing (its serial is skipped; numbers have gaps).

use crate::applications::{self, Find, NewCallback, step};
use crate::outbox::Staged;
use crate::processed::first_time;
use crate::{Store, StoreError};
use baohan_domain::application::{Event, IllegalTransition};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One of the documents issuance makes.
#[derive(Debug, Clone)]
pub struct IssuedDocument {
    /// `letter`, `guarantee_xml`, `application_form`.
    pub kind: &'static str,
    pub file_name: String,
    pub media_type: &'static str,
    pub content: Vec<u8>,
    pub md5: String,
}

/// What `make` produced for the guarantee.
#[derive(Debug, Clone)]
pub struct Issue {
    pub guarantee_no: String,
    pub amount_fen: i64,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub issued_at: DateTime<Utc>,
    pub documents: Vec<IssuedDocument>,
    pub callbacks: Vec<NewCallback>,
}

/// What became of the command.
#[derive(Debug)]
pub enum Issued {
    Issued {
        guarantee_id: Uuid,
        guarantee_no: String,
    },
    /// This message was applied before.
    AlreadyApplied,
    /// The application became issuable after the caller read it, so no
    /// documents were made for it: read it again.
    Stale,
    /// The application is not paid (issued already, withdrawn, …).
    Refused(IllegalTransition),
    NotFound,
}

impl Store {
    /// A fresh serial for a guarantee number. A sequence: never rolled
    /// back, so a number is never given twice.
    pub async fn guarantee_serial(&self) -> Result<i64, StoreError> {
        let client = self.client().await?;
        Ok(
            crate::cached::query_one(&client, "select nextval('guarantee_serial')", &[])
                .await?
                .get(0),
        )
    }

    /// Whether `consumer` applied this message before.
    pub async fn was_applied(&self, consumer: &str, message_id: Uuid) -> Result<bool, StoreError> {
        let client = self.client().await?;
        Ok(crate::cached::query_opt(
            &client,
            "select 1 from processed_messages where consumer = $1 and message_id = $2",
            &[&consumer, &message_id],
        )
        .await?
        .is_some())
    }

    /// Issues the application's guarantee with `issue`, made beforehand
    /// from the application as it was read (`None` when it was not
    /// issuable then: the refusal is recorded, or [`Issued::Stale`]).
    pub async fn issue(
        &self,
        consumer: &str,
        message_id: Uuid,
        platform_id: &str,
        external_no: &str,
        issue: Option<Issue>,
    ) -> Result<Issued, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let key = Find::External {
            platform_id,
            external_no,
        };
        let Some(app) = applications::find(&tx, key, true).await? else {
            return Ok(Issued::NotFound);
        };
        if !first_time(&tx, consumer, message_id).await? {
            return Ok(Issued::AlreadyApplied);
        }
        if let Err(e) = app.status.apply(Event::Issue) {
            tx.commit().await?;
            return Ok(Issued::Refused(e));
        }
        // Rolled back with the mark: the command is read again.
        let Some(issue) = issue else {
            return Ok(Issued::Stale);
        };
        let mut staged = Staged::default();
        if let Err(e) = step(
            &tx,
            &mut staged,
            &app,
            Event::Issue,
            "issuance",
            Some(&issue.guarantee_no),
            &issue.callbacks,
        )
        .await?
        {
            return Ok(Issued::Refused(e));
        }
        let guarantee_id = Uuid::new_v4();
        crate::cached::execute(
            &tx,
            "insert into guarantees (id, application_id, guarantee_no, amount_fen, status,
               valid_from, valid_to, issued_at)
             values ($1, $2, $3, $4, 'issued', $5, $6, $7)",
            &[
                &guarantee_id,
                &app.id,
                &issue.guarantee_no,
                &issue.amount_fen,
                &issue.valid_from,
                &issue.valid_to,
                &issue.issued_at,
            ],
        )
        .await?;
        for d in &issue.documents {
            crate::cached::execute(
                &tx,
                "insert into documents (id, application_id, guarantee_id, kind, file_name,
                   media_type, content, sm3, md5)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &Uuid::new_v4(),
                    &app.id,
                    &guarantee_id,
                    &d.kind,
                    &d.file_name,
                    &d.media_type,
                    &d.content,
                    &baohan_gm::sm3::hex_digest(&d.content),
                    &d.md5,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        drop(client);
        self.publish_staged(staged).await;
        Ok(Issued::Issued {
            guarantee_id,
            guarantee_no: issue.guarantee_no,
        })
    }
}
