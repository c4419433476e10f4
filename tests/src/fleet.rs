//! Notifier replicas as processes of their own, on a database and broker
//! prefix made for one run: what the crash test kills with SIGKILL and the
//! notifier benchmark runs one or three of.
//!
//! Each replica is `notifier-replica` (this crate's binary, the notifier's
//! own `main`), configured as in production by `config/local.toml` and
//! `BAOHAN_…` variables.

use crate::platform::repo;
use baohan_bus::message::Outgoing;
use baohan_bus::{CallbackDue, Event, Exchange, Publisher, Topology, WorkQueue, connect};
use baohan_config::Settings;
use baohan_store::Store;
use baohan_store::scratch::Scratch;
use baohan_telemetry::trace::TraceParent;
use lapin::options::QueueDeclareOptions;
use lapin::types::{FieldTable, ShortString};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use uuid::Uuid;

/// The local settings, with a database (created empty, dropped with the
/// returned guard) and a broker prefix of their own.
pub async fn scratch_settings() -> (Settings, Scratch) {
    let mut settings = Settings::load_with_env(&repo().join("config/local.toml"), [])
        .expect("config/local.toml loads");
    let tag = Uuid::new_v4().simple().to_string()[..12].to_owned();
    let (scratch, database) = Scratch::create(&settings.database, "baohan_t", &tag)
        .await
        .expect("PostgreSQL is up: run deploy/local/servers.sh up");
    settings.database = database;
    settings.broker.prefix = format!("t{tag}");
    (settings, scratch)
}

/// The variables that point a replica at `settings`' database and queues,
/// quiet but for warnings, with its /metrics on any free port.
pub fn replica_env(settings: &Settings) -> Vec<(String, String)> {
    vec![
        ("BAOHAN_DATABASE__URL".into(), settings.database.url.clone()),
        (
            "BAOHAN_BROKER__PREFIX".into(),
            settings.broker.prefix.clone(),
        ),
        ("BAOHAN_NOTIFIER__LISTEN".into(), "127.0.0.1:0".into()),
        ("BAOHAN_TELEMETRY__LOG".into(), "warn".into()),
    ]
}

/// One notifier process.
pub struct Replica {
    child: tokio::process::Child,
    /// Where its stdout and stderr go.
    pub log: PathBuf,
}

impl Replica {
    /// Starts `notifier-replica` (at `exe`) with `vars` on top of the
    /// local config. It is killed if dropped.
    pub fn spawn(exe: &Path, vars: &[(String, String)], log: PathBuf) -> Replica {
        let out = std::fs::File::create(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
        let err = out.try_clone().unwrap_or_else(|e| panic!("{e}"));
        let child = tokio::process::Command::new(exe)
            .current_dir(repo())
            .env("BAOHAN_CONFIG", repo().join("config/local.toml"))
            .envs(vars.iter().cloned())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
        Replica { child, log }
    }

    /// SIGKILL: no shutdown, no goodbye to the broker or the database.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

/// How many consumers `queue` has: the replicas that are up and consuming.
pub async fn consumers(amqp: &str, topology: &Topology, queue: WorkQueue) -> u32 {
    counts(amqp, topology, queue).await.1
}

/// `queue`'s ready messages and consumers (zeros if the broker cannot
/// say).
pub async fn counts(amqp: &str, topology: &Topology, queue: WorkQueue) -> (u32, u32) {
    let Ok(conn) = connect::open(amqp, "fleet-count").await else {
        return (0, 0);
    };
    let counts = match conn.create_channel().await {
        Ok(ch) => ch
            .queue_declare(
                ShortString::from(topology.queue(queue)),
                QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .map(|q| (q.message_count(), q.consumer_count()))
            .unwrap_or((0, 0)),
        Err(_) => (0, 0),
    };
    let _ = conn.close(200, "counted".into()).await;
    counts
}

/// Writes a callback row as a worker would (next in its application's
/// order), and announces it.
pub async fn owe(
    store: &Store,
    publisher: &Publisher,
    platform: &str,
    subject: &str,
    interface: &str,
    payload: &Value,
) -> Uuid {
    let id = Uuid::new_v4();
    store
        .client()
        .await
        .expect("database")
        .execute(
            "insert into callbacks (id, platform_id, interface, subject, seq, payload)
             select $1, $2, $3, $4, coalesce(max(seq), 0) + 1, $5
             from callbacks where platform_id = $2 and subject = $4",
            &[&id, &platform, &interface, &subject, payload],
        )
        .await
        .expect("insert callback");
    let event = Event::Callback(CallbackDue {
        callback_id: id,
        platform_id: platform.into(),
        interface: interface.into(),
        subject: subject.into(),
    });
    publisher
        .publish(
            Exchange::Events,
            &Outgoing::event(Uuid::new_v4(), &event).expect("event"),
            &TraceParent::root(),
        )
        .await
        .expect("publish");
    id
}

/// How many callbacks are delivered.
pub async fn delivered(store: &Store) -> i64 {
    store
        .client()
        .await
        .expect("database")
        .query_one(
            "select count(*) from callbacks where status = 'delivered'",
            &[],
        )
        .await
        .expect("count")
        .get(0)
}
