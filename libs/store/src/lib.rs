//! baohan's PostgreSQL store.
//!
//! # Layout
//! - [`migrate`]: embedded migrations under an advisory lock.
//! - [`inbound`]: the inbound request journal that makes platform retries
//!   idempotent; [`journal`] writes it in batches under load.
//! - [`processed`]: message ids each consumer has applied.
//! - [`applications`]: a decided application, its personal data and the
//!   callbacks it owes, written once per command.
//! - [`callbacks`]: the operator's side of callbacks: list, resend.
//! - [`delivery`]: the notifier's side: one application's callbacks at a
//!   time, in order, with the attempts log.
//! - [`outbox`]: events written with the change they announce, published
//!   after commit, swept up after a crash.
//! - [`issuance`]: a paid application's guarantee, documents and
//!   callbacks, in one transaction.
//! - [`claims`]: a claim opened, paid or declined, around the payout.
//! - [`endings`]: withdrawal, surrender, invalidation, and the premium
//!   refund that may follow.
//! - [`portal`]: what the bidder portal and the ops API read and change:
//!   profile, documents, the timeline.
//! - [`payments`]: premiums, by the gateway or a transfer confirmed by a
//!   maker and a checker; [`notifications`]: the SMS queue;
//!   [`referrals`]: applications a person decides.
//! - [`scratch`]: a database for one test, dropped when it ends.
//! - [`guarantees`]: the read side the synchronous queries answer from.
//!
//! Money is `bigint` fen and times are `timestamptz` throughout; personal
//! data lives only in `personal_data` (see the first migration).

pub mod applications;
pub mod callbacks;
pub mod claims;
pub mod delivery;
pub mod endings;
pub mod guarantees;
pub mod inbound;
pub mod issuance;
pub mod journal;
pub mod migrate;
pub mod notifications;
pub mod outbox;
pub mod payments;
pub mod portal;
pub mod processed;
pub mod referrals;
pub mod scratch;

use baohan_config::Database;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::str::FromStr;
use std::time::Duration;
use tokio_postgres::NoTls;

pub use deadpool_postgres::{Object as Client, Transaction};

/// The statements every lifecycle step runs, prepared once per connection
/// and reused: parsing and planning them again on each call was a third
/// of PostgreSQL's CPU per issue.
pub(crate) mod cached {
    use crate::StoreError;
    use deadpool_postgres::GenericClient;
    use tokio_postgres::Row;
    use tokio_postgres::types::ToSql;

    pub async fn execute(
        c: &impl GenericClient,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let statement = c.prepare_cached(sql).await?;
        Ok(c.execute(&statement, params).await?)
    }

    pub async fn query_opt(
        c: &impl GenericClient,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        let statement = c.prepare_cached(sql).await?;
        Ok(c.query_opt(&statement, params).await?)
    }

    pub async fn query_one(
        c: &impl GenericClient,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, StoreError> {
        let statement = c.prepare_cached(sql).await?;
        Ok(c.query_one(&statement, params).await?)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database url: {0}")]
    Url(String),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("database: {0}")]
    Db(#[from] tokio_postgres::Error),
    #[error("migration {version}: {reason}")]
    Migration { version: i32, reason: String },
    #[error("the inbound journal writer has stopped")]
    Stopped,
    /// The database was unreachable for a whole batch; the cause, once.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value this code cannot read, or cannot write as JSON.
    #[error("stored data: {0}")]
    Encode(String),
    /// What a change owes could not be rendered: the application's
    /// platform has no adapter (it left the settings). Nothing is written.
    #[error(transparent)]
    Unrenderable(#[from] baohan_protocol::adapter::UnknownPlatform),
}

impl StoreError {
    /// Worth trying again later: the database was unreachable or busy,
    /// not the request wrong.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Pool(_) | StoreError::Stopped | StoreError::Unavailable(_) => true,
            StoreError::Db(e) => {
                e.is_closed()
                    || e.code().is_some_and(|c| {
                        let c = c.code();
                        // 08: connection exceptions; 40: serialization
                        // failure and deadlock; 53: insufficient resources;
                        // 57P: operator intervention (restart, shutdown).
                        c.starts_with("08")
                            || c.starts_with("40")
                            || c.starts_with("53")
                            || c.starts_with("57P")
                    })
            }
            StoreError::Url(_)
            | StoreError::Migration { .. }
            | StoreError::Encode(_)
            | StoreError::Unrenderable(_) => false,
        }
    }
}

/// A pool of connections. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// Where committed outbox events go at once; without one they wait
    /// for a sweeper (`outbox::run_relay`) in another process.
    publisher: Option<baohan_bus::Publisher>,
}

impl Store {
    /// Builds the pool; connections open lazily, so this succeeds with the
    /// database down and `/readyz` reports it.
    pub fn connect(settings: &Database) -> Result<Store, StoreError> {
        let mut config = tokio_postgres::Config::from_str(&settings.url)
            .map_err(|e| StoreError::Url(e.to_string()))?;
        if !settings.password.expose().is_empty() {
            config.password(settings.password.expose());
        }
        config.connect_timeout(Duration::from_secs(5));
        // No statement, and no half-open connection, may hold a caller for
        // longer than a platform waits for its answer.
        config.options("-c statement_timeout=10000");
        config.keepalives_idle(Duration::from_secs(30));
        config.tcp_user_timeout(Duration::from_secs(15));
        config.application_name("baohan");
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(settings.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(5)))
            .create_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(|e| StoreError::Url(e.to_string()))?;
        Ok(Store {
            pool,
            publisher: None,
        })
    }

    /// This store publishes the events its transactions stage, right
    /// after each commit.
    pub fn publishing_to(mut self, publisher: baohan_bus::Publisher) -> Store {
        self.publisher = Some(publisher);
        self
    }

    pub async fn client(&self) -> Result<Client, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// What `/readyz` asks of a worker: the broker (through `probe`) and
    /// this database.
    pub fn readiness(&self, probe: baohan_bus::Publisher) -> baohan_telemetry::probes::Check {
        let store = self.clone();
        std::sync::Arc::new(move || {
            let (store, probe) = (store.clone(), probe.clone());
            Box::pin(async move {
                let (broker, database) = tokio::join!(probe.ready(), store.ping());
                vec![("broker", broker), ("database", database.is_ok())]
            })
        })
    }

    /// For `/readyz`: a round trip to the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.client().await?.simple_query("select 1").await?;
        Ok(())
    }
}
