//! Issuing a paid application's guarantee, in one transaction: the
//! application moves to issued (history, callbacks and outbox events as
//! every step), the guarantee row, and its documents with their MD5.
//!
//! The guarantee's serial comes from a sequence inside the transaction;
//! the caller's `make` turns it into the number and the documents while
//! the application is locked, so a redelivered or replayed command finds
//! it issued and makes nothing.

use crate::applications::{self, AppRow, Find, NewCallback, step};
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
    /// The application is not paid (issued already, withdrawn, …).
    Refused(IllegalTransition),
    NotFound,
}

impl Store {
    /// Issues the application's guarantee. `make` gets the locked
    /// application and a fresh serial; its error rolls everything back
    /// (the command is retried).
    pub async fn issue<E>(
        &self,
        consumer: &str,
        message_id: Uuid,
        platform_id: &str,
        external_no: &str,
        make: impl FnOnce(&AppRow, i64) -> Result<Issue, E>,
    ) -> Result<Result<Issued, E>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let key = Find::External {
            platform_id,
            external_no,
        };
        let Some(app) = applications::find(&tx, key, true).await? else {
            return Ok(Ok(Issued::NotFound));
        };
        if !first_time(&tx, consumer, message_id).await? {
            return Ok(Ok(Issued::AlreadyApplied));
        }
        // Asked first, so that nothing is made for a refused step.
        if let Err(e) = app.status.apply(Event::Issue) {
            tx.commit().await?;
            return Ok(Ok(Issued::Refused(e)));
        }
        let serial: i64 = tx
            .query_one("select nextval('guarantee_serial')", &[])
            .await?
            .get(0);
        let issue = match make(&app, serial) {
            Ok(issue) => issue,
            Err(e) => return Ok(Err(e)),
        };
        let mut staged = Staged::default();
        match step(
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
            Ok(_) => {}
            Err(e) => return Ok(Ok(Issued::Refused(e))),
        }
        let guarantee_id = Uuid::new_v4();
        tx.execute(
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
            tx.execute(
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
        Ok(Ok(Issued::Issued {
            guarantee_id,
            guarantee_no: issue.guarantee_no,
        }))
    }
}
