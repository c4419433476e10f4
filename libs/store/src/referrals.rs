//! Referrals: applications a person decides, and the decision with the
//! callbacks it owes.

use crate::applications::{self, AppRow, Find, NewCallback, NewNotification};
use crate::outbox::Staged;
use crate::portal::Refused;
use crate::{Store, StoreError};
use baohan_domain::application::{Event, Status};
use deadpool_postgres::GenericClient;
use uuid::Uuid;

impl Store {
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
}
