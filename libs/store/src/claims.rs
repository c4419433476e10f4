//! Claims (索赔), in two transactions around the payout:
//!
//! 1. [`Store::open_claim`]: the claim is recorded accepted or refused,
//!    with the callbacks that owes (claimsresultnotice `1`/`3`, ELY106
//!    `00`/`02`), once per command.
//! 2. The worker pays an accepted claim through the payout provider, the
//!    claim's id being the idempotency key.
//! 3. [`Store::settle_claim`]: paid (the guarantee and the application
//!    become claimed; `2`/`01` owed) or declined (refused; `3`/`02`).
//!
//! A crash between 1 and 3 leaves the claim accepted;
//! [`Store::claims_to_pay`] finds it when the command is redelivered, and
//! the provider returns the first receipt rather than paying again.

use crate::applications::{self, AppRow, Find, NewCallback, Personal, step};
use crate::outbox::Staged;
use crate::processed::first_time;
use crate::{Store, StoreError};
use baohan_domain::application::Event;
use baohan_domain::guarantee::{self, Claim, ClaimEvent, Guarantee, GuaranteeEvent};
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use std::collections::HashMap;
use uuid::Uuid;

/// An issued guarantee, as the lifecycle sees it.
#[derive(Debug, Clone)]
pub struct GuaranteeRow {
    pub id: Uuid,
    pub guarantee_no: String,
    pub amount_fen: i64,
    pub status: Guarantee,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub issued_at: DateTime<Utc>,
}

/// The application's guarantee, locked when `lock`.
pub(crate) async fn guarantee_of(
    tx: &impl GenericClient,
    application_id: Uuid,
    lock: bool,
) -> Result<Option<GuaranteeRow>, StoreError> {
    let suffix = if lock { " for update" } else { "" };
    let row = tx
        .query_opt(
            &format!(
                "select id, guarantee_no, amount_fen, status, valid_from, valid_to, issued_at
                 from guarantees where application_id = $1{suffix}"
            ),
            &[&application_id],
        )
        .await?;
    row.map(|r| {
        let status: String = r.get(3);
        Ok(GuaranteeRow {
            id: r.get(0),
            guarantee_no: r.get(1),
            amount_fen: r.get(2),
            status: Guarantee::parse(&status)
                .ok_or_else(|| StoreError::Encode(format!("unknown guarantee status {status}")))?,
            valid_from: r.get(4),
            valid_to: r.get(5),
            issued_at: r.get(6),
        })
    })
    .transpose()
}

/// Whether a claim on the guarantee is received or accepted, not settled.
pub(crate) async fn has_open_claim(
    tx: &impl GenericClient,
    guarantee_id: Uuid,
) -> Result<bool, StoreError> {
    let open: i64 = tx
        .query_one(
            "select count(*) from claims where guarantee_id = $1
               and status in ('received', 'accepted')",
            &[&guarantee_id],
        )
        .await?
        .get(0);
    Ok(open > 0)
}

/// An owner's personal data, field → value.
pub(crate) async fn personal_of(
    tx: &impl GenericClient,
    owner_kind: &str,
    owner_id: Uuid,
) -> Result<HashMap<String, String>, StoreError> {
    Ok(tx
        .query(
            "select field, value from personal_data where owner_kind = $1 and owner_id = $2",
            &[&owner_kind, &owner_id],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

pub(crate) async fn save_personal(
    tx: &impl GenericClient,
    owner_kind: &str,
    owner_id: Uuid,
    personal: &[Personal],
) -> Result<(), StoreError> {
    for p in personal {
        tx.execute(
            "insert into personal_data (owner_kind, owner_id, field, kind, value)
             values ($1, $2, $3, $4, $5)
             on conflict (owner_kind, owner_id, field) do update set value = excluded.value",
            &[&owner_kind, &owner_id, &p.field, &p.kind, &p.value],
        )
        .await?;
    }
    Ok(())
}

/// What a claim handler sees: the application, its guarantee, and the
/// application's personal data (the beneficiary's account, say).
pub struct Subject<'a> {
    pub app: &'a AppRow,
    pub guarantee: &'a GuaranteeRow,
    pub personal: &'a HashMap<String, String>,
}

/// A claim, as stored.
#[derive(Debug, Clone)]
pub struct ClaimRow {
    pub id: Uuid,
    pub status: Claim,
    pub amount_fen: i64,
    pub reason: Option<String>,
    pub payee_name: String,
    pub payee_open_bank: String,
    /// From personal data; empty if none was given.
    pub payee_account: String,
    /// The claim's personal data (the claimant), field → value.
    pub personal: HashMap<String, String>,
}

/// What the handler decided about a new claim.
#[derive(Debug, Clone)]
pub struct ClaimPlan {
    pub amount_fen: i64,
    pub reason: Option<String>,
    pub payee_name: String,
    pub payee_open_bank: String,
    pub payee_account: String,
    /// The claimant's personal data (name, phone, ID number).
    pub personal: Vec<Personal>,
    /// `Err(why)`: refused on its merits (amount, beneficiary, validity).
    pub decision: Result<(), String>,
    pub callbacks: Vec<NewCallback>,
}

/// What [`Store::open_claim`] did.
#[derive(Debug)]
pub enum Opened {
    Accepted(Uuid),
    Refused {
        claim_id: Uuid,
        reason: String,
    },
    /// This command was applied before: see [`Store::claims_to_pay`].
    AlreadyApplied,
    /// No guarantee of that number on this platform.
    NotFound,
    /// The guarantee does not allow a claim (cancelled, claimed), or one
    /// is already open. Nothing recorded but the processed mark.
    Illegal(String),
}

/// What [`Store::settle_claim`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Settled {
    Paid,
    Refused,
    /// Settled before (a redelivery): nothing done.
    Already,
}

const CLAIM_COLUMNS: &str = "id, status, amount_fen, reason, payee_name, payee_open_bank";

async fn claim_row(
    tx: &impl GenericClient,
    row: &tokio_postgres::Row,
) -> Result<ClaimRow, StoreError> {
    let status: String = row.get(1);
    let id: Uuid = row.get(0);
    let personal = personal_of(tx, "claim", id).await?;
    Ok(ClaimRow {
        id,
        status: Claim::parse(&status)
            .ok_or_else(|| StoreError::Encode(format!("unknown claim status {status}")))?,
        amount_fen: row.get(2),
        reason: row.get(3),
        payee_name: row.get(4),
        payee_open_bank: row.get(5),
        payee_account: personal.get(PAYEE_ACCOUNT).cloned().unwrap_or_default(),
        personal,
    })
}

/// The personal_data field the payee's account is kept under.
pub const PAYEE_ACCOUNT: &str = "payeeAccount";

impl Store {
    /// Opens a claim on the guarantee `guarantee_no`, as `plan` decides,
    /// once per command.
    pub async fn open_claim(
        &self,
        consumer: &str,
        message_id: Uuid,
        platform_id: &str,
        guarantee_no: &str,
        plan: impl FnOnce(&Subject) -> ClaimPlan,
    ) -> Result<Opened, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let key = Find::GuaranteeNo {
            platform_id,
            guarantee_no,
        };
        let Some(app) = applications::find(&tx, key, true).await? else {
            return Ok(Opened::NotFound);
        };
        let Some(g) = guarantee_of(&tx, app.id, true).await? else {
            return Ok(Opened::NotFound);
        };
        if !first_time(&tx, consumer, message_id).await? {
            return Ok(Opened::AlreadyApplied);
        }
        if let Err(e) = guarantee::may_claim(g.status) {
            tx.commit().await?;
            return Ok(Opened::Illegal(e.zh()));
        }
        if has_open_claim(&tx, g.id).await? {
            tx.commit().await?;
            return Ok(Opened::Illegal("该保函已有索赔正在处理".into()));
        }
        let personal = personal_of(&tx, "application", app.id).await?;
        let plan = plan(&Subject {
            app: &app,
            guarantee: &g,
            personal: &personal,
        });
        let event = match &plan.decision {
            Ok(()) => ClaimEvent::Accept,
            Err(_) => ClaimEvent::Reject,
        };
        let status = Claim::Received
            .apply(event)
            .map_err(|e| StoreError::Encode(e.to_string()))?;
        let claim_id = Uuid::new_v4();
        tx.execute(
            "insert into claims (id, guarantee_id, platform_claim_no, message_id, amount_fen,
               reason, status, result_note, payee_name, payee_open_bank)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &claim_id,
                &g.id,
                &message_id.to_string(),
                &message_id,
                &plan.amount_fen,
                &plan.reason,
                &status.as_str(),
                &plan.decision.as_ref().err(),
                &plan.payee_name,
                &plan.payee_open_bank,
            ],
        )
        .await?;
        let mut personal = plan.personal.clone();
        if !plan.payee_account.is_empty() {
            personal.push(Personal {
                field: PAYEE_ACCOUNT.into(),
                kind: "bank_account",
                value: plan.payee_account.clone(),
            });
        }
        save_personal(&tx, "claim", claim_id, &personal).await?;
        let mut staged = Staged::default();
        let (event_name, note) = match &plan.decision {
            Ok(()) => ("claim_accepted", None),
            Err(why) => ("claim_refused", Some(why.as_str())),
        };
        applications::record(
            &tx,
            &mut staged,
            &app,
            Some(app.status),
            app.status,
            event_name,
            "platform",
            note,
            &plan.callbacks,
        )
        .await?;
        tx.commit().await?;
        drop(client);
        self.publish_staged(staged).await;
        Ok(match plan.decision {
            Ok(()) => Opened::Accepted(claim_id),
            Err(reason) => Opened::Refused { claim_id, reason },
        })
    }

    /// Whether a claim on the guarantee is open (received or accepted).
    pub async fn claim_in_progress(
        &self,
        platform_id: &str,
        guarantee_no: &str,
    ) -> Result<bool, StoreError> {
        let row = self
            .client()
            .await?
            .query_one(
                "select count(*) from claims c
                   join guarantees g on g.id = c.guarantee_id
                   join applications a on a.id = g.application_id
                 where a.platform_id = $1 and g.guarantee_no = $2
                   and c.status in ('received', 'accepted')",
                &[&platform_id, &guarantee_no],
            )
            .await?;
        Ok(row.get::<_, i64>(0) > 0)
    }

    /// The accepted claims of a guarantee, not yet paid or declined.
    pub async fn claims_to_pay(
        &self,
        platform_id: &str,
        guarantee_no: &str,
    ) -> Result<Vec<ClaimRow>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "select {CLAIM_COLUMNS} from claims
                     where status = 'accepted' and guarantee_id = (
                       select g.id from guarantees g join applications a on a.id = g.application_id
                       where a.platform_id = $1 and g.guarantee_no = $2)"
                ),
                &[&platform_id, &guarantee_no],
            )
            .await?;
        let mut claims = Vec::with_capacity(rows.len());
        for r in &rows {
            claims.push(claim_row(&client, r).await?);
        }
        Ok(claims)
    }

    /// Records the payout's outcome: `Ok((gateway_ref, paid_at))`, or
    /// `Err(why)` when the provider declined. `owed` makes the callbacks
    /// from the settled claim.
    pub async fn settle_claim(
        &self,
        claim_id: Uuid,
        outcome: Result<(String, DateTime<Utc>), String>,
        owed: impl FnOnce(&Subject, &ClaimRow) -> Vec<NewCallback>,
    ) -> Result<Settled, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The application first, then the guarantee and the claim: the
        // order open_claim locks them in, so the two cannot deadlock.
        let Some(app_id) = tx
            .query_opt(
                "select g.application_id from claims c join guarantees g on g.id = c.guarantee_id
                 where c.id = $1",
                &[&claim_id],
            )
            .await?
            .map(|r| r.get::<_, Uuid>(0))
        else {
            return Ok(Settled::Already);
        };
        let Some(app) = applications::find(&tx, Find::Id(app_id), true).await? else {
            return Ok(Settled::Already);
        };
        let Some(g) = guarantee_of(&tx, app.id, true).await? else {
            return Ok(Settled::Already);
        };
        let row = tx
            .query_one(
                &format!("select {CLAIM_COLUMNS} from claims where id = $1 for update"),
                &[&claim_id],
            )
            .await?;
        let mut claim = claim_row(&tx, &row).await?;
        let event = match &outcome {
            Ok(_) => ClaimEvent::Pay,
            Err(_) => ClaimEvent::Reject,
        };
        let Ok(to) = claim.status.apply(event) else {
            return Ok(Settled::Already);
        };
        claim.status = to;
        let personal = personal_of(&tx, "application", app.id).await?;
        let subject = Subject {
            app: &app,
            guarantee: &g,
            personal: &personal,
        };
        let callbacks = owed(&subject, &claim);
        let mut staged = Staged::default();
        match &outcome {
            Ok((gateway_ref, paid_at)) => {
                tx.execute(
                    "update claims set status = $4, gateway_ref = $2, paid_at = $3,
                       updated_at = now() where id = $1",
                    &[&claim_id, gateway_ref, paid_at, &to.as_str()],
                )
                .await?;
                let to = g
                    .status
                    .apply(GuaranteeEvent::PayClaim)
                    .map_err(|e| StoreError::Encode(e.to_string()))?;
                tx.execute(
                    "update guarantees set status = $2, updated_at = now() where id = $1",
                    &[&g.id, &to.as_str()],
                )
                .await?;
                step(
                    &tx,
                    &mut staged,
                    &app,
                    Event::PayClaim,
                    "claims",
                    Some(gateway_ref),
                    &callbacks,
                )
                .await?
                .map_err(|e| StoreError::Encode(e.to_string()))?;
            }
            Err(why) => {
                tx.execute(
                    "update claims set status = $3, result_note = $2, updated_at = now()
                     where id = $1",
                    &[&claim_id, why, &to.as_str()],
                )
                .await?;
                applications::record(
                    &tx,
                    &mut staged,
                    &app,
                    Some(app.status),
                    app.status,
                    "claim_refused",
                    "claims",
                    Some(why),
                    &callbacks,
                )
                .await?;
            }
        }
        tx.commit().await?;
        drop(client);
        self.publish_staged(staged).await;
        Ok(match outcome {
            Ok(_) => Settled::Paid,
            Err(_) => Settled::Refused,
        })
    }
}
