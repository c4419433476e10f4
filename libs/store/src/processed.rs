//! Which messages each consumer has applied.
//!
//! A consumer calls [`first_time`] inside the transaction that applies the
//! message: if the message was applied before, it gets `false` and commits
//! nothing new; if the transaction rolls back, so does the mark. That makes
//! redelivery and journal replay harmless.

use crate::StoreError;
use deadpool_postgres::GenericClient;
use uuid::Uuid;

pub async fn first_time(
    tx: &impl GenericClient,
    consumer: &str,
    message_id: Uuid,
) -> Result<bool, StoreError> {
    let rows = crate::cached::execute(
        tx,
        "insert into processed_messages (consumer, message_id) values ($1, $2)
         on conflict do nothing",
        &[&consumer, &message_id],
    )
    .await?;
    Ok(rows == 1)
}
