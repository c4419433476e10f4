//! Embedded migrations, applied once under an advisory lock.
//!
//! Several replicas start at once on Kubernetes; the lock makes one of them
//! migrate while the others wait, then find nothing left to do. An applied
//! migration whose text has since changed stops the start: editing history
//! would leave databases that differ while claiming the same version.

use crate::{Store, StoreError};
use baohan_gm::sm3;

/// Every migration, in order. Append only.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "lifecycle",
        include_str!("../migrations/0001_lifecycle.sql"),
    ),
    (
        2,
        "inbound_pay_token",
        include_str!("../migrations/0002_inbound_pay_token.sql"),
    ),
    (
        3,
        "portal_and_outbox",
        include_str!("../migrations/0003_portal_and_outbox.sql"),
    ),
    (
        4,
        "delivery",
        include_str!("../migrations/0004_delivery.sql"),
    ),
    (5, "resend", include_str!("../migrations/0005_resend.sql")),
    (
        6,
        "issuance",
        include_str!("../migrations/0006_issuance.sql"),
    ),
    (
        7,
        "claims_and_refunds",
        include_str!("../migrations/0007_claims_and_refunds.sql"),
    ),
    (
        8,
        "documents_storage",
        include_str!("../migrations/0008_documents_storage.sql"),
    ),
    (
        9,
        "edge_security",
        include_str!("../migrations/0009_edge_security.sql"),
    ),
    (
        10,
        "adapter_names",
        include_str!("../migrations/0010_adapter_names.sql"),
    ),
];

/// Every migration's version, in order.
pub fn versions() -> Vec<i32> {
    MIGRATIONS.iter().map(|(v, _, _)| *v).collect()
}

/// Any fixed number, the same in every replica.
const LOCK_KEY: i64 = 0x6261_6f68_616e; // "baohan"

/// Applies what is missing; returns the versions it applied.
pub async fn migrate(store: &Store) -> Result<Vec<i32>, StoreError> {
    let mut client = store.client().await?;
    client
        .execute("select pg_advisory_lock($1)", &[&LOCK_KEY])
        .await?;
    let result = apply_missing(&mut client).await;
    // Unlock even after a failure: the session outlives this call in the pool.
    let unlocked = client
        .execute("select pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await;
    let applied = result?;
    unlocked?;
    Ok(applied)
}

async fn apply_missing(client: &mut deadpool_postgres::Object) -> Result<Vec<i32>, StoreError> {
    // Inside the lock: `if not exists` is not safe against a concurrent create.
    client
        .batch_execute(
            "create table if not exists schema_migrations (
                version integer primary key,
                name text not null,
                sm3 text not null,
                applied_at timestamptz not null default now())",
        )
        .await?;
    let mut applied = Vec::new();
    for &(version, name, sql) in MIGRATIONS {
        let digest = sm3::hex_digest(sql.as_bytes());
        let row = client
            .query_opt(
                "select sm3 from schema_migrations where version = $1",
                &[&version],
            )
            .await?;
        if let Some(row) = row {
            let recorded: String = row.get(0);
            if recorded != digest {
                return Err(StoreError::Migration {
                    version,
                    reason: "applied, but its text has changed since".into(),
                });
            }
            continue;
        }
        let tx = client.transaction().await?;
        tx.batch_execute(sql)
            .await
            .map_err(|e| StoreError::Migration {
                version,
                reason: e.to_string(),
            })?;
        tx.execute(
            "insert into schema_migrations (version, name, sm3) values ($1, $2, $3)",
            &[&version, &name, &digest],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version, name, "migration applied");
        applied.push(version);
    }
    Ok(applied)
}
