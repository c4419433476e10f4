//! What every system test starts from: settings pointed at a fresh
//! database and a broker prefix of its own, and services in-process on
//! port 0.

use baohan_bus::{Topology, WorkQueue, connect};
use baohan_config::Settings;
use baohan_service::Service;
use baohan_store::Store;
use baohan_store::scratch::Scratch;
use baohan_tests::client::Connection;
use baohan_tests::platform::{ElyPlatform, FujianPlatform, repo};
use lapin::options::{BasicAckOptions, BasicGetOptions};
use lapin::types::ShortString;
use std::net::SocketAddr;
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use tokio_util::sync::CancellationToken;

/// Tests share one RabbitMQ. Most only read it (`shared`); a test that
/// restarts it takes it alone (`exclusive`), so the others never see the
/// outage it causes on purpose.
static BROKER: RwLock<()> = RwLock::const_new(());

pub async fn shared() -> RwLockReadGuard<'static, ()> {
    BROKER.read().await
}

pub async fn exclusive() -> RwLockWriteGuard<'static, ()> {
    BROKER.write().await
}

pub fn load() -> Settings {
    load_with(&[])
}

/// The local settings with `BAOHAN_…` overrides: a test's platforms with
/// other keys (`allowed_sources`, say).
pub fn load_with(vars: &[(&str, &str)]) -> Settings {
    let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Settings::load_with_env(&repo().join("config/local.toml"), vars)
        .expect("config/local.toml loads")
}

/// The local settings, with a database and a broker prefix made for one
/// test. The database is created empty (`migrate` is the caller's to run)
/// and dropped with the guard.
pub async fn settings() -> (Settings, Scratch) {
    let (mut settings, scratch) = baohan_tests::fleet::scratch_settings().await;
    settings.ingress.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    (settings, scratch)
}

/// A fresh, migrated store, dropped with the guard.
pub async fn store() -> (Store, Scratch) {
    let (settings, scratch) = settings().await;
    let store = Store::connect(&settings.database).unwrap();
    baohan_store::migrate::migrate(&store).await.unwrap();
    (store, scratch)
}

/// A message taken off a work queue.
#[derive(Debug)]
pub struct Taken {
    pub id: String,
    pub routing_key: String,
    pub body: serde_json::Value,
    /// The AMQP `traceparent` header.
    pub traceparent: Option<String>,
}

/// The ingress, running in-process on its own database and queues, with
/// the demo platforms' side of each protocol.
pub struct TestApp {
    pub addr: SocketAddr,
    /// This test's database URL and broker prefix, for other services.
    database_url: String,
    prefix: String,
    pub store: Store,
    pub topology: Topology,
    pub amqp: String,
    pub fujian: FujianPlatform,
    pub ely: ElyPlatform,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    /// Last: the database goes when the test app does.
    _database: Scratch,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let (mut settings, database) = settings().await;
        adjust(&mut settings);
        let (database_url, prefix) = (
            settings.database.url.clone(),
            settings.broker.prefix.clone(),
        );
        let store = Store::connect(&settings.database).unwrap();
        let topology = Topology::new(&settings.broker);
        let amqp = connect::uri(&settings.broker).unwrap();
        let platforms = load();
        let app = ingress::Application::build(settings).await.unwrap();
        let addr = app.local_addr();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(app.run_until_stopped(shutdown.clone()));
        let test = TestApp {
            addr,
            database_url,
            prefix,
            store,
            topology,
            amqp,
            fujian: FujianPlatform::demo(&platforms),
            ely: ElyPlatform::demo(&platforms),
            shutdown,
            task,
            _database: database,
        };
        // Declares the topology before the first call, so that nothing a
        // test publishes could be unroutable.
        let mut c = test.conn().await;
        for _ in 0..100 {
            if c.get("/readyz").await.unwrap().status == 200 {
                return test;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("ingress never became ready");
    }

    /// Settings for another service of this test: the same database and
    /// queues, its own port.
    pub fn settings(&self) -> Settings {
        self.settings_with_env(Vec::new())
    }

    /// The same, with `BAOHAN_…` overrides (a stub's callback URLs).
    pub fn settings_with_env(&self, vars: Vec<(String, String)>) -> Settings {
        let mut s = Settings::load_with_env(&repo().join("config/local.toml"), vars)
            .expect("config/local.toml loads");
        s.database.url = self.database_url.clone();
        s.broker.prefix = self.prefix.clone();
        s.underwriting.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        s.portal.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        s.ops.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        s.portal.sms = format!("file:{}", self.sms_path().display());
        s.claims.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        s.refunds.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        s.issuance.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        s.payouts.sandbox_ledger = self.payouts_path().display().to_string();
        s
    }

    /// An issued guarantee `guarantee_no` on application `external_no`,
    /// written straight into the store: for tests of the ingress alone,
    /// whose claims and quits are checked against the guarantee.
    pub async fn seed_issued(
        &self,
        platform_id: &str,
        protocol: &str,
        external_no: &str,
        guarantee_no: &str,
    ) {
        let client = self.store.client().await.unwrap();
        let app_id = uuid::Uuid::new_v4();
        // As the first release wrote them, which the store still reads.
        let details = if protocol == "ely" {
            serde_json::json!({"section": "S-SEED", "bidName": "第一包",
                "purchaseName": "福州市示范采购中心", "purchaseSocCode": "12350100MB0123456X",
                "bidAmountFen": 11980000, "guaranteeMonths": 12, "needPaper": "0",
                "decision": {"outcome": "approve"}})
        } else {
            serde_json::json!({"section": "S-SEED", "biaoduanname": "第一标段",
                "zbr": "示范招标人", "kaibiaotime": "2026-04-20T09:30:00+08:00", "tbyxq": 90,
                "reckonpriceFen": 100000000, "decision": {"outcome": "approve"}})
        };
        client
            .execute(
                "insert into applications (id, platform_id, protocol, external_no, status,
                   applicant_name, applicant_credit_code, guarantee_amount_fen, details)
                 values ($1, $2, $3, $4, 'issued', '示范公司', '91350104MA34T6NE1E', 11980000,
                   $5)",
                &[&app_id, &platform_id, &protocol, &external_no, &details],
            )
            .await
            .unwrap();
        client
            .execute(
                "insert into guarantees (id, application_id, guarantee_no, amount_fen, status,
                   valid_from, valid_to, issued_at)
                 values ($1, $2, $3, 11980000, 'issued', now(), now() + interval '90 days', now())",
                &[&uuid::Uuid::new_v4(), &app_id, &guarantee_no],
            )
            .await
            .unwrap();
    }

    /// Where this test's payout sandbox writes its ledger.
    pub fn payouts_path(&self) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("baohan-payouts-{}.jsonl", self.prefix))
    }

    /// This test's broker prefix (names its queues and its files).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Where this test's SMS land (the portal's file sink).
    pub fn sms_path(&self) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("baohan-sms-{}.jsonl", self.prefix))
    }

    pub async fn conn(&self) -> Connection {
        Connection::open(self.addr).await.unwrap()
    }

    /// Takes every message now on `queue`, acknowledging each.
    pub async fn take(&self, queue: WorkQueue) -> Vec<Taken> {
        let conn = connect::open(&self.amqp, "test").await.unwrap();
        let ch = conn.create_channel().await.unwrap();
        let mut out = Vec::new();
        while let Some(m) = ch
            .basic_get(
                ShortString::from(self.topology.queue(queue)),
                BasicGetOptions::default(),
            )
            .await
            .unwrap()
        {
            let d = m.delivery;
            d.ack(BasicAckOptions::default()).await.unwrap();
            out.push(Taken {
                id: d
                    .properties
                    .message_id()
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                routing_key: d.routing_key.to_string(),
                body: serde_json::from_slice(&d.data).unwrap(),
                traceparent: d.properties.headers().as_ref().and_then(|h| {
                    match h.inner().get("traceparent") {
                        Some(lapin::types::AMQPValue::LongString(s)) => {
                            Some(String::from_utf8_lossy(s.as_bytes()).into_owned())
                        }
                        _ => None,
                    }
                }),
            });
        }
        let _ = conn.close(200, "done".into()).await;
        out
    }

    /// Every message on every work queue.
    pub async fn take_all(&self) -> Vec<Taken> {
        let mut out = Vec::new();
        for q in WorkQueue::ALL {
            out.extend(self.take(q).await);
        }
        out
    }

    /// Stops the ingress and deletes this test's queues.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
        let conn = connect::open(&self.amqp, "test-cleanup").await.unwrap();
        let ch = conn.create_channel().await.unwrap();
        self.topology.delete(&ch).await.unwrap();
        let _ = conn.close(200, "done".into()).await;
    }
}

/// Everything the process logs from now on, at debug level, kept in memory
/// for a test to search. Installed once per test binary.
pub fn capture_logs() -> &'static Logs {
    static LOGS: std::sync::OnceLock<Logs> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let writer = logs.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .try_init();
        logs
    })
}

#[derive(Clone, Default)]
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
