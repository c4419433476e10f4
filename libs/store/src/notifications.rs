//! The SMS queue: messages to bidders, sent by the portal's sender and
//! marked once sent.

use crate::{Store, StoreError};
use deadpool_postgres::GenericClient;
use uuid::Uuid;

impl Store {
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
}
