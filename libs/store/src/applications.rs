//! Applications as the underwriting worker writes them: the row, its
//! personal data (kept apart, in `personal_data`), and the callbacks the
//! decision owes the platform (the outbox the notifier delivers), in one
//! transaction with the consumer's processed-message mark. A redelivered
//! or replayed command finds its mark and changes nothing.

use crate::processed::first_time;
use crate::{Store, StoreError};
use serde_json::Value;
use uuid::Uuid;

/// One personal value, with the wire field it came from.
#[derive(Debug, Clone)]
pub struct Personal {
    pub field: String,
    /// `id_number`, `phone`, `bank_account` or `person_name`.
    pub kind: &'static str,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub id: Uuid,
    pub platform_id: String,
    pub protocol: &'static str,
    /// Fujian `applyno`, ELY `applicationId`.
    pub external_no: String,
    pub status: &'static str,
    pub applicant_name: String,
    pub applicant_credit_code: String,
    pub project_code: Option<String>,
    pub project_name: Option<String>,
    pub guarantee_amount_fen: i64,
    pub premium_fen: Option<i64>,
    /// SM3 of the Payurl token: the portal finds the application by it.
    pub pay_token_digest: Option<String>,
    /// The other request fields; never personal data.
    pub details: Value,
    pub personal: Vec<Personal>,
}

/// A callback the platform is owed, before signing.
#[derive(Debug, Clone)]
pub struct NewCallback {
    pub interface: &'static str,
    pub payload: Value,
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
        let inserted = tx
            .execute(
                "insert into applications
                   (id, platform_id, protocol, external_no, status, applicant_name,
                    applicant_credit_code, project_code, project_name,
                    guarantee_amount_fen, premium_fen, pay_token_digest, details)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                 on conflict (platform_id, external_no) do nothing",
                &[
                    &app.id,
                    &app.platform_id,
                    &app.protocol,
                    &app.external_no,
                    &app.status,
                    &app.applicant_name,
                    &app.applicant_credit_code,
                    &app.project_code,
                    &app.project_name,
                    &app.guarantee_amount_fen,
                    &app.premium_fen,
                    &app.pay_token_digest,
                    &app.details,
                ],
            )
            .await?;
        if inserted == 0 {
            // The mark is kept: this command is done, as a duplicate.
            tx.commit().await?;
            return Ok(Written::Exists);
        }
        for p in &app.personal {
            tx.execute(
                "insert into personal_data (owner_kind, owner_id, field, kind, value)
                 values ('application', $1, $2, $3, $4)",
                &[&app.id, &p.field, &p.kind, &p.value],
            )
            .await?;
        }
        for c in callbacks {
            // Callbacks of one application are delivered in `seq` order.
            tx.execute(
                "insert into callbacks (id, platform_id, interface, subject, seq, payload)
                 select $1, $2, $3, $4, coalesce(max(seq), 0) + 1, $5
                 from callbacks where platform_id = $2 and subject = $4",
                &[
                    &Uuid::new_v4(),
                    &app.platform_id,
                    &c.interface,
                    &app.external_no,
                    &c.payload,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Written::New)
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

    /// Whether the same bidder has another live application for the same
    /// section (`details.section`).
    pub async fn earlier_application(
        &self,
        platform_id: &str,
        credit_code: &str,
        section: &str,
        external_no: &str,
    ) -> Result<bool, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "select 1 from applications
                 where platform_id = $1 and applicant_credit_code = $2
                   and details->>'section' = $3 and external_no <> $4
                   and status not in ('rejected', 'withdrawn', 'issue_failed',
                                      'surrendered', 'invalidated', 'claimed')
                 limit 1",
                &[&platform_id, &credit_code, &section, &external_no],
            )
            .await?;
        Ok(row.is_some())
    }

    /// Moves an application through `transition`, once per `(consumer,
    /// message_id)`, and returns the new status; `Ok(None)` when there is
    /// no such application yet.
    pub async fn transition_application(
        &self,
        consumer: &str,
        message_id: Uuid,
        platform_id: &str,
        external_no: &str,
        transition: impl FnOnce(&str) -> Result<&'static str, String>,
    ) -> Result<Option<Transitioned>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "select status from applications
                 where platform_id = $1 and external_no = $2 for update",
                &[&platform_id, &external_no],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        if !first_time(&tx, consumer, message_id).await? {
            return Ok(Some(Transitioned::AlreadyApplied));
        }
        let from: String = row.get(0);
        let outcome = match transition(&from) {
            Ok(to) => {
                tx.execute(
                    "update applications set status = $3, updated_at = now()
                     where platform_id = $1 and external_no = $2",
                    &[&platform_id, &external_no, &to],
                )
                .await?;
                Transitioned::To(to)
            }
            Err(why) => Transitioned::Refused(why),
        };
        tx.commit().await?;
        Ok(Some(outcome))
    }
}

/// What [`Store::transition_application`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transitioned {
    To(&'static str),
    /// The state machine refused; nothing changed but the processed mark.
    Refused(String),
    AlreadyApplied,
}
