//! What the bidder portal and the ops API read and change: the profile and
//! uploads the bidder adds, and the timeline. Payments, the SMS queue and
//! referrals are `payments`, `notifications` and `referrals`.
//! Each change is one transaction with the application row locked, so a
//! double submit, or a bidder and an operator at once, cannot interleave.

use crate::applications::{self, AppRow, Find};
use crate::payments::{PAYMENT_SELECT, PaymentRow, payment_row};
use crate::{Store, StoreError};
use baohan_domain::application::{IllegalTransition, Status};
use baohan_domain::profile;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use uuid::Uuid;

/// The uploads the portal takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    /// 资质文件
    Qualification,
    /// 营业执照
    BusinessLicense,
    /// 转账凭证, for a bank-transfer payment.
    Voucher,
}

impl Upload {
    pub const ALL: [Upload; 3] = [
        Upload::Qualification,
        Upload::BusinessLicense,
        Upload::Voucher,
    ];

    /// The name in the URL and in `documents.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Upload::Qualification => "qualification",
            Upload::BusinessLicense => "businesslicense",
            Upload::Voucher => "voucher",
        }
    }

    pub fn parse(text: &str) -> Option<Upload> {
        Upload::ALL.into_iter().find(|u| u.as_str() == text)
    }
}

/// A stored upload, without its bytes.
#[derive(Debug, Clone)]
pub struct DocumentInfo {
    pub kind: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sm3: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub from: Option<String>,
    pub to: String,
    pub event: String,
    pub actor: String,
    pub note: Option<String>,
}

/// What the portal shows for one application.
#[derive(Debug, Clone)]
pub struct PortalView {
    pub app: AppRow,
    /// `(field, kind, value)` of the profile entered so far.
    pub profile: Vec<(String, String, String)>,
    pub documents: Vec<DocumentInfo>,
    /// The live (pending or paid) payment, if any.
    pub payment: Option<PaymentRow>,
}

impl PortalView {
    /// What the bidder must still provide before paying: profile fields
    /// and uploads, by name.
    pub fn missing(&self) -> Vec<&'static str> {
        missing(
            self.profile.iter().map(|(field, _, _)| field.as_str()),
            self.documents.iter().map(|d| d.kind.as_str()),
            &[Upload::Qualification, Upload::BusinessLicense],
        )
    }
}

/// The profile fields and the `needed` uploads not among what is there,
/// in the page's order: the one rule for the page and for paying.
pub(crate) fn missing<'a>(
    fields: impl Iterator<Item = &'a str>,
    uploads: impl Iterator<Item = &'a str>,
    needed: &[Upload],
) -> Vec<&'static str> {
    let (fields, uploads): (Vec<&str>, Vec<&str>) = (fields.collect(), uploads.collect());
    profile::FIELDS
        .into_iter()
        .filter(|f| !fields.contains(f))
        .chain(
            needed
                .iter()
                .map(|u| u.as_str())
                .filter(|u| !uploads.contains(u)),
        )
        .collect()
}

/// A token's application.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// No such token.
    Unknown,
    /// Accepted from the platform, not yet decided by underwriting.
    Pending {
        platform_id: String,
        external_no: String,
    },
    Found(Box<PortalView>),
}

/// Why the portal or ops may not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    NotFound,
    /// The state machine does not allow it.
    State(IllegalTransition),
    /// The application's status does not allow this (no transition: a
    /// profile edit after payment, say).
    Status(Status),
    /// These must be provided first (profile fields, uploads).
    Missing(Vec<&'static str>),
    /// A payment is already pending or made.
    PaymentExists,
    /// The application has no premium to pay.
    NoPremium,
    /// The payment is not pending.
    PaymentNotPending(String),
    /// Only a bank transfer is confirmed by operators.
    NotTransfer,
    /// A transfer is approved only after another operator recorded it.
    NotRecorded,
    /// The approver recorded it: a second pair of eyes is the point.
    SameOperator,
    /// Another operator recorded it already; it awaits approval.
    AlreadyRecorded(String),
}

/// The statuses in which the bidder may still change the profile and
/// uploads: before payment, and not after a final decision.
pub(crate) fn editable(status: Status) -> bool {
    matches!(
        status,
        Status::Received | Status::Referred | Status::Approved
    )
}

impl Store {
    /// The application behind a portal token (its SM3 is what is stored).
    pub async fn portal_lookup(&self, token: &str) -> Result<Lookup, StoreError> {
        let digest = baohan_gm::sm3::hex_digest(token.as_bytes());
        let client = self.client().await?;
        let Some(app) = applications::find(&client, Find::TokenDigest(&digest), false).await?
        else {
            // Accepted at the ingress, maybe still on its way through
            // underwriting.
            let row = client
                .query_opt(
                    "select platform_id, dedupe_key from inbound_requests
                     where pay_token = $1 and interface in ('baohanapply', 'ELY101')",
                    &[&token],
                )
                .await?;
            return Ok(match row {
                Some(r) => Lookup::Pending {
                    platform_id: r.get(0),
                    external_no: r.get(1),
                },
                None => Lookup::Unknown,
            });
        };
        let profile = client
            .query(
                "select field, kind, value from personal_data
                 where owner_kind = 'application' and owner_id = $1 and field = any($2)",
                &[&app.id, &profile::FIELDS.as_slice()],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let documents = self.documents_of(&client, app.id).await?;
        let payment = client
            .query_opt(
                &format!(
                    "{PAYMENT_SELECT} where application_id = $1 and status in ('pending', 'paid')"
                ),
                &[&app.id],
            )
            .await?
            .as_ref()
            .map(payment_row);
        Ok(Lookup::Found(Box::new(PortalView {
            app,
            profile,
            documents,
            payment,
        })))
    }

    async fn documents_of(
        &self,
        client: &crate::Client,
        application_id: Uuid,
    ) -> Result<Vec<DocumentInfo>, StoreError> {
        Ok(client
            .query(
                "select kind, file_name, media_type, length(content)::bigint, sm3, created_at
                 from documents where application_id = $1 order by kind",
                &[&application_id],
            )
            .await?
            .iter()
            .map(|r| DocumentInfo {
                kind: r.get(0),
                file_name: r.get(1),
                media_type: r.get(2),
                size: r.get(3),
                sm3: r.get(4),
                uploaded_at: r.get(5),
            })
            .collect())
    }

    /// Replaces the profile (getbaohaninfo's fields) in one go.
    pub async fn save_profile(
        &self,
        application_id: Uuid,
        entries: &[(&'static str, &'static str, &str)],
    ) -> Result<Result<(), Refused>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(app) = applications::find(&tx, Find::Id(application_id), true).await? else {
            return Ok(Err(Refused::NotFound));
        };
        if !editable(app.status) {
            return Ok(Err(Refused::Status(app.status)));
        }
        for (field, kind, value) in entries {
            tx.execute(
                "insert into personal_data (owner_kind, owner_id, field, kind, value)
                 values ('application', $1, $2, $3, $4)
                 on conflict (owner_kind, owner_id, field)
                 do update set kind = excluded.kind, value = excluded.value",
                &[&app.id, field, kind, value],
            )
            .await?;
        }
        applications::note(&tx, &app, "profile", "bidder", None).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Stores (or replaces) one upload.
    pub async fn save_document(
        &self,
        application_id: Uuid,
        kind: Upload,
        file_name: &str,
        media_type: &str,
        content: &[u8],
    ) -> Result<Result<DocumentInfo, Refused>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(app) = applications::find(&tx, Find::Id(application_id), true).await? else {
            return Ok(Err(Refused::NotFound));
        };
        if !editable(app.status) {
            return Ok(Err(Refused::Status(app.status)));
        }
        let sm3 = baohan_gm::sm3::hex_digest(content);
        let row = tx
            .query_one(
                "insert into documents (id, application_id, kind, file_name, media_type, content, sm3)
                 values ($1, $2, $3, $4, $5, $6, $7)
                 on conflict (application_id, kind)
                   where kind in ('qualification', 'businesslicense', 'voucher')
                 do update set file_name = excluded.file_name, media_type = excluded.media_type,
                   content = excluded.content, sm3 = excluded.sm3, created_at = now()
                 returning created_at",
                &[
                    &Uuid::new_v4(),
                    &app.id,
                    &kind.as_str(),
                    &file_name,
                    &media_type,
                    &content,
                    &sm3,
                ],
            )
            .await?;
        applications::note(&tx, &app, "upload", "bidder", Some(kind.as_str())).await?;
        tx.commit().await?;
        Ok(Ok(DocumentInfo {
            kind: kind.as_str().to_owned(),
            file_name: file_name.to_owned(),
            media_type: media_type.to_owned(),
            size: i64::try_from(content.len()).unwrap_or(i64::MAX),
            sm3,
            uploaded_at: row.get(0),
        }))
    }

    /// Every step of an application, in order.
    pub async fn timeline(&self, application_id: Uuid) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(self
            .client()
            .await?
            .query(
                "select at, from_status, to_status, event, actor, note
                 from application_history where application_id = $1 order by seq",
                &[&application_id],
            )
            .await?
            .iter()
            .map(|r| HistoryEntry {
                at: r.get(0),
                from: r.get(1),
                to: r.get(2),
                event: r.get(3),
                actor: r.get(4),
                note: r.get(5),
            })
            .collect())
    }

    /// The Payurl token the ingress answered an application with.
    pub async fn pay_token_of(
        &self,
        platform_id: &str,
        external_no: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "select pay_token from inbound_requests
                 where platform_id = $1 and dedupe_key = $2
                   and interface in ('baohanapply', 'ELY101')",
                &[&platform_id, &external_no],
            )
            .await?
            .and_then(|r| r.get(0)))
    }
}
