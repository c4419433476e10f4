//! What the bidder portal and the ops API read and change: the profile and
//! uploads the bidder adds, payments, referral decisions, the timeline.
//! Each change is one transaction with the application row locked, so a
//! double submit, or a bidder and an operator at once, cannot interleave.

use crate::applications::{self, AppRow, Find, NewCallback, NewNotification};
use crate::outbox::Staged;
use crate::{Store, StoreError};
use baohan_domain::application::{Event, IllegalTransition, Status};
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

/// How the premium is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sandbox,
    Transfer,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sandbox => "sandbox",
            Channel::Transfer => "transfer",
        }
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
pub struct PaymentRow {
    pub id: Uuid,
    pub application_id: Uuid,
    pub amount_fen: i64,
    pub channel: String,
    pub status: String,
    pub gateway_ref: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    /// The approver of a confirmed transfer (the checker).
    pub confirmed_by: Option<String>,
    /// Who recorded the transfer as seen on the statement (the maker).
    pub recorded_by: Option<String>,
    pub created_at: DateTime<Utc>,
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
fn missing<'a>(
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
fn editable(status: Status) -> bool {
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

    /// Opens a payment of the premium: checks that the application may be
    /// paid and has everything it needs, and takes the one live payment
    /// slot (so a double submit cannot charge twice).
    pub async fn start_payment(
        &self,
        application_id: Uuid,
        channel: Channel,
    ) -> Result<Result<PaymentRow, Refused>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(app) = applications::find(&tx, Find::Id(application_id), true).await? else {
            return Ok(Err(Refused::NotFound));
        };
        if let Err(e) = app.status.apply(Event::Pay) {
            return Ok(Err(Refused::State(e)));
        }
        let Some(amount) = app.premium_fen.filter(|p| *p > 0) else {
            return Ok(Err(Refused::NoPremium));
        };
        let live = tx
            .query_opt(
                "select 1 from payments where application_id = $1 and status in ('pending', 'paid')",
                &[&app.id],
            )
            .await?;
        if live.is_some() {
            return Ok(Err(Refused::PaymentExists));
        }
        let have: Vec<String> = tx
            .query(
                "select field from personal_data
                 where owner_kind = 'application' and owner_id = $1 and field = any($2)",
                &[&app.id, &profile::FIELDS.as_slice()],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let docs: Vec<String> = tx
            .query(
                "select kind from documents where application_id = $1",
                &[&app.id],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut needed = vec![Upload::Qualification, Upload::BusinessLicense];
        if channel == Channel::Transfer {
            needed.push(Upload::Voucher);
        }
        let missing = missing(
            have.iter().map(String::as_str),
            docs.iter().map(String::as_str),
            &needed,
        );
        if !missing.is_empty() {
            return Ok(Err(Refused::Missing(missing)));
        }
        let row = tx
            .query_one(
                "insert into payments (id, application_id, amount_fen, channel, status)
                 values ($1, $2, $3, $4, 'pending')
                 returning id, application_id, amount_fen, channel, status, gateway_ref,
                           paid_at, confirmed_by, created_at, recorded_by",
                &[&Uuid::new_v4(), &app.id, &amount, &channel.as_str()],
            )
            .await?;
        let payment = payment_row(&row);
        applications::note(
            &tx,
            &app,
            "payment_started",
            "bidder",
            Some(channel.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(payment))
    }

    /// Completes a pending payment: the payment is paid and the
    /// application moves to paid, with the callbacks `owed`, in one
    /// transaction. `actor` is `bidder` for a gateway payment, or
    /// `ops:<name>` for a confirmed transfer.
    pub async fn complete_payment(
        &self,
        payment_id: Uuid,
        gateway_ref: Option<&str>,
        paid_at: DateTime<Utc>,
        actor: &str,
        owed: impl FnOnce(&AppRow, &PaymentRow) -> Result<Vec<NewCallback>, StoreError>,
    ) -> Result<Result<(AppRow, PaymentRow), Refused>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some((app, payment)) = lock_payment(&tx, payment_id).await? else {
            return Ok(Err(Refused::NotFound));
        };
        if payment.status != "pending" {
            return Ok(Err(Refused::PaymentNotPending(payment.status)));
        }
        let confirmed_by = actor.strip_prefix("ops:");
        if let Some(checker) = confirmed_by {
            if payment.channel != Channel::Transfer.as_str() {
                return Ok(Err(Refused::NotTransfer));
            }
            match payment.recorded_by.as_deref() {
                None => return Ok(Err(Refused::NotRecorded)),
                Some(maker) if maker == checker => return Ok(Err(Refused::SameOperator)),
                Some(_) => {}
            }
        }
        tx.execute(
            "update payments set status = 'paid', paid_at = $2, gateway_ref = $3,
               confirmed_by = $4, updated_at = now()
             where id = $1",
            &[&payment_id, &paid_at, &gateway_ref, &confirmed_by],
        )
        .await?;
        let paid = PaymentRow {
            status: "paid".into(),
            paid_at: Some(paid_at),
            gateway_ref: gateway_ref.map(str::to_owned),
            confirmed_by: confirmed_by.map(str::to_owned),
            ..payment
        };
        let callbacks = owed(&app, &paid)?;
        let mut staged = Staged::default();
        let note = format!("{} {}", paid.channel, paid.amount_fen);
        match applications::step(
            &tx,
            &mut staged,
            &app,
            Event::Pay,
            actor,
            Some(&note),
            &callbacks,
        )
        .await?
        {
            Ok(_) => {}
            // Rolled back: the payment stays pending for ops to look at.
            Err(e) => return Ok(Err(Refused::State(e))),
        }
        tx.commit().await?;
        // The connection goes back first: publishing takes one of its own,
        // and holding two per call starves the pool under load.
        drop(client);
        self.publish_staged(staged).await;
        let app = AppRow {
            status: Status::Paid,
            ..app
        };
        Ok(Ok((app, paid)))
    }

    /// Ops, the maker's half of a transfer confirmation: `operator` saw
    /// the transfer on the bank statement. The payment stays pending until
    /// another operator approves it ([`Store::complete_payment`]). The
    /// same operator recording again changes nothing.
    pub async fn record_transfer(
        &self,
        payment_id: Uuid,
        operator: &str,
    ) -> Result<Result<PaymentRow, Refused>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some((app, payment)) = lock_payment(&tx, payment_id).await? else {
            return Ok(Err(Refused::NotFound));
        };
        if payment.channel != Channel::Transfer.as_str() {
            return Ok(Err(Refused::NotTransfer));
        }
        if payment.status != "pending" {
            return Ok(Err(Refused::PaymentNotPending(payment.status)));
        }
        match payment.recorded_by.as_deref() {
            Some(maker) if maker == operator => return Ok(Ok(payment)),
            Some(maker) => return Ok(Err(Refused::AlreadyRecorded(maker.to_owned()))),
            None => {}
        }
        tx.execute(
            "update payments set recorded_by = $2, recorded_at = now(), updated_at = now()
             where id = $1",
            &[&payment_id, &operator],
        )
        .await?;
        let note = format!("{} {}", payment.channel, payment.amount_fen);
        applications::note(
            &tx,
            &app,
            "transfer_recorded",
            &format!("ops:{operator}"),
            Some(&note),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(PaymentRow {
            recorded_by: Some(operator.to_owned()),
            ..payment
        }))
    }

    /// A gateway refused or failed: the slot is freed for another try.
    pub async fn fail_payment(&self, payment_id: Uuid) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "update payments set status = 'failed', updated_at = now()
                 where id = $1 and status = 'pending'",
                &[&payment_id],
            )
            .await?;
        Ok(())
    }

    /// Sends pending messages to bidders through `send`, at most `limit`,
    /// and returns how many went. Rows are claimed with `skip locked`, so
    /// replicas share the work; a failed send is retried on the next call,
    /// up to five attempts.
    pub async fn send_notifications<F, Fut>(&self, limit: i64, send: F) -> Result<usize, StoreError>
    where
        F: Fn(baohan_masking::Phone, String) -> Fut,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let rows = tx
            .query(
                "select n.id, n.body, p.value from notifications n
                 join personal_data p on p.owner_kind = 'application'
                   and p.owner_id = n.application_id and p.field = n.recipient_field
                 where n.status = 'pending'
                 order by n.created_at limit $1 for update of n skip locked",
                &[&limit],
            )
            .await?;
        let mut sent = 0;
        for row in &rows {
            let id: Uuid = row.get(0);
            let phone = baohan_masking::Phone::new(row.get::<_, String>(2));
            match send(phone, row.get(1)).await {
                Ok(()) => {
                    sent += 1;
                    tx.execute(
                        "update notifications set status = 'sent', sent_at = now(),
                           attempts = attempts + 1 where id = $1",
                        &[&id],
                    )
                    .await?;
                }
                Err(why) => {
                    tx.execute(
                        "update notifications set attempts = attempts + 1, last_error = $2,
                           status = case when attempts + 1 >= 5 then 'failed' else 'pending' end
                         where id = $1",
                        &[&id, &why],
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(sent)
    }

    /// A referred application decided by a person: approve or reject, with
    /// who and why in the timeline, and the callbacks the decision owes.
    pub async fn decide_referral(
        &self,
        application_id: Uuid,
        approve: bool,
        operator: &str,
        reason: &str,
        owed: impl FnOnce(&AppRow) -> Result<(Vec<NewCallback>, Option<NewNotification>), StoreError>,
    ) -> Result<Result<AppRow, Refused>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(app) = applications::find(&tx, Find::Id(application_id), true).await? else {
            return Ok(Err(Refused::NotFound));
        };
        if app.status != Status::Referred {
            return Ok(Err(Refused::Status(app.status)));
        }
        let event = if approve {
            Event::Approve
        } else {
            Event::Reject
        };
        let (callbacks, notification) = owed(&app)?;
        let mut staged = Staged::default();
        let actor = format!("ops:{operator}");
        let to = match applications::step(
            &tx,
            &mut staged,
            &app,
            event,
            &actor,
            Some(reason),
            &callbacks,
        )
        .await?
        {
            Ok(to) => to,
            Err(e) => return Ok(Err(Refused::State(e))),
        };
        if let Some(n) = &notification {
            applications::notify(&tx, app.id, n).await?;
        }
        tx.commit().await?;
        // The connection goes back first: publishing takes one of its own,
        // and holding two per call starves the pool under load.
        drop(client);
        self.publish_staged(staged).await;
        Ok(Ok(AppRow { status: to, ..app }))
    }

    /// Applications waiting for a person, oldest first.
    pub async fn referrals(&self, limit: i64) -> Result<Vec<(AppRow, Option<String>)>, StoreError> {
        let client = self.client().await?;
        let ids: Vec<Uuid> = client
            .query(
                "select id from applications where status = 'referred'
                 order by created_at limit $1",
                &[&limit],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(app) = applications::find(&client, Find::Id(id), false).await? {
                let reason = client
                    .query_opt(
                        "select note from application_history
                         where application_id = $1 and to_status = 'referred'
                         order by seq desc limit 1",
                        &[&id],
                    )
                    .await?
                    .and_then(|r| r.get(0));
                out.push((app, reason));
            }
        }
        Ok(out)
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

    pub async fn payments_of(&self, application_id: Uuid) -> Result<Vec<PaymentRow>, StoreError> {
        Ok(self
            .client()
            .await?
            .query(
                &format!("{PAYMENT_SELECT} where application_id = $1 order by created_at"),
                &[&application_id],
            )
            .await?
            .iter()
            .map(payment_row)
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

/// A payment and its application, both locked: application first, then
/// payment, the order every writer locks in.
async fn lock_payment(
    tx: &impl GenericClient,
    payment_id: Uuid,
) -> Result<Option<(AppRow, PaymentRow)>, StoreError> {
    let Some(app_id) = tx
        .query_opt(
            "select application_id from payments where id = $1",
            &[&payment_id],
        )
        .await?
        .map(|r| r.get::<_, Uuid>(0))
    else {
        return Ok(None);
    };
    let Some(app) = applications::find(tx, Find::Id(app_id), true).await? else {
        return Ok(None);
    };
    let row = tx
        .query_opt(
            &format!("{PAYMENT_SELECT} where id = $1 for update"),
            &[&payment_id],
        )
        .await?;
    Ok(row.map(|r| (app, payment_row(&r))))
}

const PAYMENT_SELECT: &str = "select id, application_id, amount_fen, channel, status, gateway_ref,
    paid_at, confirmed_by, created_at, recorded_by from payments";

fn payment_row(r: &tokio_postgres::Row) -> PaymentRow {
    PaymentRow {
        id: r.get(0),
        application_id: r.get(1),
        amount_fen: r.get(2),
        channel: r.get(3),
        status: r.get(4),
        gateway_ref: r.get(5),
        paid_at: r.get(6),
        confirmed_by: r.get(7),
        created_at: r.get(8),
        recorded_by: r.get(9),
    }
}
