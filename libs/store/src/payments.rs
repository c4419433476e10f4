//! Premium payments: started by the bidder, completed by the gateway's
//! receipt or, for a bank transfer, by two operators (maker and checker);
//! the application becomes paid in the same transaction.

use crate::applications::{self, AppRow, Find, NewCallback};
use crate::outbox::Staged;
use crate::portal::{Refused, Upload, missing};
use crate::{Store, StoreError};
use baohan_domain::application::{Event, Status};
use baohan_domain::profile;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use uuid::Uuid;

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

pub(crate) fn payment_row(r: &tokio_postgres::Row) -> PaymentRow {
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

pub(crate) const PAYMENT_SELECT: &str =
    "select id, application_id, amount_fen, channel, status, gateway_ref,
    paid_at, confirmed_by, created_at, recorded_by from payments";

impl Store {
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
}
