//! How an application ends before its time: withdrawn before issue
//! (giveupnotice, ELY109 `02`), surrendered after it (quitapply, ELY109
//! `01`), or invalidated by the purchaser (ELY107); and the premium
//! refund that may follow, around the payout as claims are:
//!
//! 1. [`Store::end`]: the application (and its guarantee) move, a refund
//!    is recorded `requested` if one is due, once per command. Callbacks
//!    that should follow the refund (quitnotice, ELY102 `08`/`07`) are
//!    kept on the refund row; the others are written at once.
//! 2. The worker transfers the refund, its id as the idempotency key.
//! 3. [`Store::settle_refund`]: succeeded or failed, and the kept
//!    callbacks are written. A failed refund does not undo the surrender:
//!    the platform is told the guarantee ended, and operators see the
//!    failure (`refunds.failure`, the timeline).

use crate::applications::{self, AppRow, Find, NewCallback, step};
use crate::claims::{GuaranteeRow, guarantee_of, has_open_claim, personal_of};
use crate::outbox::Staged;
use crate::processed::first_time;
use crate::{Store, StoreError};
use baohan_domain::application::Event;
use baohan_domain::guarantee::{self, GuaranteeEvent, Refund, RefundEvent};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;

/// Which end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Before issue: the application is withdrawn.
    Withdraw,
    /// 退保: the issued guarantee is surrendered.
    Surrender,
    /// 保函失效: the purchaser released it.
    Invalidate,
}

impl Ending {
    fn events(self) -> (Event, Option<GuaranteeEvent>) {
        match self {
            Ending::Withdraw => (Event::Withdraw, None),
            Ending::Surrender => (Event::Surrender, Some(GuaranteeEvent::Surrender)),
            Ending::Invalidate => (Event::Invalidate, Some(GuaranteeEvent::Invalidate)),
        }
    }
}

/// One command that ends an application.
#[derive(Debug, Clone, Copy)]
pub struct EndCommand<'a> {
    /// The consumer's name and the message's id: applied once.
    pub consumer: &'a str,
    pub message_id: Uuid,
    pub key: Find<'a>,
    pub ending: Ending,
    /// Who asked, for the timeline (`platform`).
    pub actor: &'a str,
    /// The platform's reason, for the timeline.
    pub reason: Option<&'a str>,
}

/// What the handler is given to plan with.
pub struct Standing<'a> {
    pub app: &'a AppRow,
    pub guarantee: Option<&'a GuaranteeRow>,
    /// The premium actually paid, if any (a paid payment's amount).
    pub paid_fen: Option<i64>,
    /// `Err(why)` in Chinese: the state machines refuse this end.
    pub allowed: Result<(), String>,
}

/// What the handler decided.
#[derive(Debug, Clone, Default)]
pub struct EndPlan {
    /// 0: nothing to refund.
    pub refund_fen: i64,
    /// Written now when nothing is refunded (or the end is refused);
    /// otherwise when the refund settles.
    pub callbacks: Vec<NewCallback>,
}

/// What [`Store::end`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    Done { refund: Option<Uuid> },
    Refused(String),
    AlreadyApplied,
    NotFound,
}

/// A refund waiting for its transfer.
#[derive(Debug, Clone)]
pub struct RefundToPay {
    pub id: Uuid,
    pub amount_fen: i64,
    /// The premium's payer (the profile's `payername`, `payeraccount`);
    /// empty when the profile has none.
    pub payee_name: String,
    pub payee_account: String,
}

/// The callbacks a refund row keeps, as JSON, and back.
fn keep(callbacks: &[NewCallback]) -> Value {
    Value::Array(
        callbacks
            .iter()
            .map(|c| json!({"interface": c.interface, "payload": c.payload}))
            .collect(),
    )
}

fn unkeep(kept: &Value) -> Result<Vec<NewCallback>, StoreError> {
    kept.as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|c| match c["interface"].as_str() {
            Some(interface) if !interface.is_empty() => Ok(NewCallback {
                interface: interface.to_owned(),
                payload: c["payload"].clone(),
            }),
            _ => Err(StoreError::Encode(format!("kept callback {c}"))),
        })
        .collect()
}

impl Store {
    /// Ends the application named by `key`, as `plan` decides, once per
    /// command.
    pub async fn end(
        &self,
        cmd: EndCommand<'_>,
        plan: impl FnOnce(&Standing) -> EndPlan,
    ) -> Result<Ended, StoreError> {
        let EndCommand {
            consumer,
            message_id,
            key,
            ending,
            actor,
            reason,
        } = cmd;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(app) = applications::find(&tx, key, true).await? else {
            return Ok(Ended::NotFound);
        };
        let guarantee = guarantee_of(&tx, app.id, true).await?;
        if !first_time(&tx, consumer, message_id).await? {
            return Ok(Ended::AlreadyApplied);
        }
        let (event, g_event) = ending.events();
        let allowed = match (app.status.apply(event), g_event, &guarantee) {
            (Err(e), _, _) => Err(e.zh()),
            (Ok(_), Some(ge), Some(g)) => {
                let open = has_open_claim(&tx, g.id).await?;
                guarantee::may_end(g.status, ge, open)
                    .map(drop)
                    .map_err(|e| e.zh())
            }
            (Ok(_), Some(_), None) => Err("保函不存在".to_owned()),
            (Ok(_), None, _) => Ok(()),
        };
        let paid_fen: Option<i64> = tx
            .query_opt(
                "select amount_fen from payments where application_id = $1 and status = 'paid'",
                &[&app.id],
            )
            .await?
            .map(|r| r.get(0));
        let plan = plan(&Standing {
            app: &app,
            guarantee: guarantee.as_ref(),
            paid_fen,
            allowed: allowed.clone(),
        });
        let mut staged = Staged::default();
        if let Err(why) = allowed {
            // Refused: only the timeline and what the refusal owes (ELY102
            // 09 or 06); the state stays as it was.
            applications::record(
                &tx,
                &mut staged,
                &app,
                Some(app.status),
                app.status,
                &format!("refuse_{}", applications::event_name(event)),
                actor,
                Some(&why),
                &plan.callbacks,
            )
            .await?;
            tx.commit().await?;
            drop(client);
            self.publish_staged(staged).await;
            return Ok(Ended::Refused(why));
        }
        let refund = match paid_fen {
            Some(paid) if plan.refund_fen > 0 => Some((plan.refund_fen.min(paid), Uuid::new_v4())),
            _ => None,
        };
        let now_owed: &[NewCallback] = if refund.is_some() {
            &[]
        } else {
            &plan.callbacks
        };
        step(&tx, &mut staged, &app, event, actor, reason, now_owed)
            .await?
            .map_err(|e| StoreError::Encode(e.to_string()))?;
        if let (Some(ge), Some(g)) = (g_event, &guarantee) {
            let to = g
                .status
                .apply(ge)
                .map_err(|e| StoreError::Encode(e.to_string()))?;
            tx.execute(
                "update guarantees set status = $2, updated_at = now() where id = $1",
                &[&g.id, &to.as_str()],
            )
            .await?;
        }
        if let Some((amount, id)) = refund {
            tx.execute(
                "insert into refunds (id, application_id, payment_id, amount_fen, reason, status,
                   then_owed)
                 select $1, $2, p.id, $3, $4, $6, $5
                 from payments p where p.application_id = $2 and p.status = 'paid'",
                &[
                    &id,
                    &app.id,
                    &amount,
                    &applications::event_name(event),
                    &keep(&plan.callbacks),
                    &Refund::Requested.as_str(),
                ],
            )
            .await?;
        }
        tx.commit().await?;
        drop(client);
        self.publish_staged(staged).await;
        Ok(Ended::Done {
            refund: refund.map(|(_, id)| id),
        })
    }

    /// The application's refunds still to transfer.
    pub async fn refunds_to_pay(&self, key: Find<'_>) -> Result<Vec<RefundToPay>, StoreError> {
        let client = self.client().await?;
        let Some(app) = applications::find(&client, key, false).await? else {
            return Ok(Vec::new());
        };
        let personal: HashMap<String, String> = personal_of(&client, "application", app.id).await?;
        let rows = client
            .query(
                "select id, amount_fen from refunds where application_id = $1
                   and status = $2",
                &[&app.id, &Refund::Requested.as_str()],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| RefundToPay {
                id: r.get(0),
                amount_fen: r.get(1),
                payee_name: personal.get("payername").cloned().unwrap_or_default(),
                payee_account: personal.get("payeraccount").cloned().unwrap_or_default(),
            })
            .collect())
    }

    /// Records the refund's outcome (`Ok(gateway_ref)` or `Err(why)`) and
    /// writes the callbacks it kept. `false`: settled before.
    pub async fn settle_refund(
        &self,
        refund_id: Uuid,
        outcome: Result<(String, DateTime<Utc>), String>,
    ) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(app_id) = tx
            .query_opt(
                "select application_id from refunds where id = $1",
                &[&refund_id],
            )
            .await?
            .map(|r| r.get::<_, Uuid>(0))
        else {
            return Ok(false);
        };
        let Some(app) = applications::find(&tx, Find::Id(app_id), true).await? else {
            return Ok(false);
        };
        let row = tx
            .query_one(
                "select status, then_owed, payment_id from refunds where id = $1 for update",
                &[&refund_id],
            )
            .await?;
        let status: String = row.get(0);
        let from = Refund::parse(&status)
            .ok_or_else(|| StoreError::Encode(format!("unknown refund status {status}")))?;
        let settles = if outcome.is_ok() {
            RefundEvent::Succeed
        } else {
            RefundEvent::Fail
        };
        // Settled before (a redelivery): the machine refuses a second end.
        let Ok(to) = from.apply(settles) else {
            return Ok(false);
        };
        let owed = unkeep(&row.get(1))?;
        let payment_id: Option<Uuid> = row.get(2);
        let mut staged = Staged::default();
        let (event, note) = match &outcome {
            Ok((gateway_ref, at)) => {
                tx.execute(
                    "update refunds set status = $4, gateway_ref = $2, settled_at = $3,
                       updated_at = now() where id = $1",
                    &[&refund_id, gateway_ref, at, &to.as_str()],
                )
                .await?;
                tx.execute(
                    "update payments set status = 'refunded', updated_at = now() where id = $1",
                    &[&payment_id],
                )
                .await?;
                ("refund", gateway_ref.clone())
            }
            Err(why) => {
                tx.execute(
                    "update refunds set status = $3, failure = $2, settled_at = now(),
                       updated_at = now() where id = $1",
                    &[&refund_id, why, &to.as_str()],
                )
                .await?;
                ("refund_failed", why.clone())
            }
        };
        applications::record(
            &tx,
            &mut staged,
            &app,
            Some(app.status),
            app.status,
            event,
            "refunds",
            Some(&note),
            &owed,
        )
        .await?;
        tx.commit().await?;
        drop(client);
        self.publish_staged(staged).await;
        Ok(true)
    }
}
