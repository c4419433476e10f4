//! The operator commands as an operator runs them, against the real
//! PostgreSQL and RabbitMQ (`deploy/local/servers.sh up`), each test on a
//! database and a broker prefix of its own: the plan, the question, the
//! summary, and what changed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baohan_bus::{Topology, WorkQueue, connect};
use baohan_config::Settings;
use baohan_store::Store;
use lapin::BasicProperties;
use lapin::options::{BasicGetOptions, BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{FieldTable, ShortString};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use uuid::Uuid;

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/local.toml");

/// A database and a broker prefix for one test, and the overrides that
/// point `baohanctl` at them.
struct Scratch {
    vars: Vec<(String, String)>,
    settings: Settings,
    /// Dropped with the test (kept if it failed).
    _database: baohan_store::scratch::Scratch,
}

impl Scratch {
    async fn new() -> Scratch {
        let base = Settings::load_with_env(CONFIG.as_ref(), []).unwrap();
        let tag = Uuid::new_v4().simple().to_string()[..12].to_owned();
        let (database, db) =
            baohan_store::scratch::Scratch::create(&base.database, "baohan_c", &tag)
                .await
                .expect("PostgreSQL is up: run deploy/local/servers.sh up");
        let vars = vec![
            ("BAOHAN_DATABASE__URL".to_owned(), db.url),
            ("BAOHAN_BROKER__PREFIX".to_owned(), format!("c{tag}")),
        ];
        let settings = Settings::load_with_env(CONFIG.as_ref(), vars.clone()).unwrap();
        let store = Store::connect(&settings.database).unwrap();
        baohan_store::migrate::migrate(&store).await.unwrap();
        let conn = connect::open(&connect::uri(&settings.broker).unwrap(), "test")
            .await
            .unwrap();
        let ch = conn.create_channel().await.unwrap();
        Topology::new(&settings.broker).declare(&ch).await.unwrap();
        let _ = conn.close(200, "declared".into()).await;
        Scratch {
            vars,
            settings,
            _database: database,
        }
    }

    /// Deletes this test's queues; the database goes with `self`.
    async fn finish(self) {
        let (conn, ch) = self.channel().await;
        self.topology().delete(&ch).await.unwrap();
        let _ = conn.close(200, "done".into()).await;
    }

    fn store(&self) -> Store {
        Store::connect(&self.settings.database).unwrap()
    }

    fn topology(&self) -> Topology {
        Topology::new(&self.settings.broker)
    }

    async fn channel(&self) -> (lapin::Connection, lapin::Channel) {
        let conn = connect::open(&connect::uri(&self.settings.broker).unwrap(), "test")
            .await
            .unwrap();
        let ch = conn.create_channel().await.unwrap();
        (conn, ch)
    }

    async fn depth(&self, queue: String) -> u32 {
        let (conn, ch) = self.channel().await;
        let q = ch
            .queue_declare(
                ShortString::from(queue),
                QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        let _ = conn.close(200, "counted".into()).await;
        q.message_count()
    }

    /// Runs `baohanctl` with `stdin`, off the async runtime.
    async fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut all: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        all.extend(["--config".to_owned(), CONFIG.to_owned()]);
        let vars = self.vars.clone();
        let stdin = stdin.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut child = Command::new(env!("CARGO_BIN_EXE_baohanctl"))
                .args(&all)
                .envs(vars)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

async fn owe(store: &Store, subject: &str, status: &str) -> Uuid {
    let id = Uuid::new_v4();
    store
        .client()
        .await
        .unwrap()
        .execute(
            "insert into callbacks (id, platform_id, interface, subject, seq, payload, status, attempts, last_error)
             select $1, 'ely-demo', 'ELY102', $2, coalesce(max(seq), 0) + 1, '{}', $3, 4, 'timeout'
             from callbacks where platform_id = 'ely-demo' and subject = $2",
            &[&id, &subject, &status],
        )
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn resend_shows_its_plan_asks_and_then_wakes_the_notifier() {
    let s = Scratch::new().await;
    let store = s.store();
    let dead = owe(&store, "A-1", "dead").await;
    let held = owe(&store, "A-1", "pending").await;
    let older = owe(&store, "A-2", "delivered").await;
    let _latest = owe(&store, "A-2", "delivered").await;

    let listed = s
        .run(&["callbacks", "list", "--status", "dead", "--json"], "")
        .await;
    assert_eq!(listed.status.code(), Some(0), "{listed:?}");
    let lines: Vec<serde_json::Value> = text(&listed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], dead.to_string());
    assert_eq!(lines[0]["application"], "A-1");
    assert_eq!(lines[0]["last_error"], "timeout");
    let by_app = s
        .run(&["callbacks", "list", "--application", "A-1"], "")
        .await;
    assert_eq!(text(&by_app.stdout).lines().count(), 3, "header and two");

    // Asked, and not confirmed: nothing changes.
    let declined = s.run(&["callbacks", "resend", "--dead"], "n\n").await;
    assert_eq!(declined.status.code(), Some(1), "{declined:?}");
    let err = text(&declined.stderr);
    assert!(err.contains("resend: 1 callbacks"), "{err}");
    assert!(err.contains(&dead.to_string()), "{err}");
    assert!(err.contains("Proceed? [y/N]"), "{err}");
    assert!(err.contains("not confirmed"), "{err}");
    let status = |id: Uuid| {
        let store = store.clone();
        async move {
            let row = store
                .client()
                .await
                .unwrap()
                .query_one(
                    "select status, resent_by, attempts_before_resend from callbacks where id = $1",
                    &[&id],
                )
                .await
                .unwrap();
            (
                row.get::<_, String>(0),
                row.get::<_, Option<String>>(1),
                row.get::<_, i32>(2),
            )
        }
    };
    assert_eq!(status(dead).await.0, "dead");

    // Confirmed: pending, due, its schedule restarted, and the notifier
    // woken by a callback event.
    let done = s
        .run(
            &["callbacks", "resend", "--dead", "--operator", "zhang"],
            "y\n",
        )
        .await;
    assert_eq!(done.status.code(), Some(0), "{done:?}");
    let summary: serde_json::Value = serde_json::from_str(text(&done.stdout).trim()).unwrap();
    assert_eq!(
        summary,
        serde_json::json!({"resent": 1, "skipped": 0, "failed": 0})
    );
    assert!(text(&done.stderr).contains("resend [####"), "{done:?}");
    assert_eq!(
        status(dead).await,
        ("pending".into(), Some("zhang".into()), 4)
    );
    assert_eq!(status(held).await.0, "pending");
    let (conn, ch) = s.channel().await;
    let woken = ch
        .basic_get(
            ShortString::from(s.topology().queue(WorkQueue::Notifier)),
            BasicGetOptions { no_ack: true },
        )
        .await
        .unwrap()
        .expect("a callback event in the notifier's queue");
    let body: serde_json::Value = serde_json::from_slice(&woken.delivery.data).unwrap();
    assert_eq!(body["body"]["callback_id"], dead.to_string());
    let _ = conn.close(200, "done".into()).await;

    // A delivered callback with a later one is not resent: it would move
    // the platform's view backwards.
    let refused = s
        .run(&["callbacks", "resend", &older.to_string(), "--yes"], "")
        .await;
    assert_eq!(refused.status.code(), Some(0), "{refused:?}");
    assert!(text(&refused.stderr).contains("backwards"), "{refused:?}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(text(&refused.stdout).trim()).unwrap(),
        serde_json::json!({"resent": 0, "skipped": 1, "failed": 0})
    );
    assert_eq!(status(older).await.0, "delivered");
    let unknown = s
        .run(
            &["callbacks", "resend", &Uuid::new_v4().to_string(), "--yes"],
            "",
        )
        .await;
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
    assert!(text(&unknown.stderr).contains("no such callback"));
    s.finish().await;
}

#[tokio::test]
async fn dlq_lists_without_taking_and_redrives_after_confirmation() {
    let s = Scratch::new().await;
    let topology = s.topology();
    let dead = topology.dead_queue(WorkQueue::Notifier);
    let (conn, ch) = s.channel().await;
    let ids: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
    for id in &ids {
        let body = serde_json::json!({"type": "callback.v1", "body": {
            "callback_id": id, "platform_id": "ely-demo", "interface": "ELY102", "subject": "A-9"}});
        ch.basic_publish(
            ShortString::from(""),
            ShortString::from(dead.clone()),
            BasicPublishOptions::default(),
            &serde_json::to_vec(&body).unwrap(),
            BasicProperties::default()
                .with_message_id(id.to_string().into())
                .with_type("callback.v1".into()),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    }
    let _ = conn.close(200, "parked".into()).await;

    let depths = s.run(&["dlq", "list"], "").await;
    assert_eq!(depths.status.code(), Some(0), "{depths:?}");
    let out = text(&depths.stdout);
    assert!(
        out.lines()
            .any(|l| l.starts_with(&dead) && l.trim_end().ends_with(" 3")),
        "{out}"
    );
    let listed = s.run(&["dlq", "list", "notifier"], "").await;
    let lines: Vec<serde_json::Value> = text(&listed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{listed:?}");
    assert_eq!(lines[0]["message_id"], ids[0].to_string());
    assert_eq!(lines[0]["callback_id"], ids[0].to_string());
    assert_eq!(lines[0]["platform"], "ely-demo");
    // Listing took nothing.
    assert_eq!(s.depth(dead.clone()).await, 3);

    let declined = s.run(&["dlq", "redrive", "notifier"], "\n").await;
    assert_eq!(declined.status.code(), Some(1), "{declined:?}");
    assert!(text(&declined.stderr).contains("redrive: 3 messages"));
    assert_eq!(s.depth(dead.clone()).await, 3);

    let done = s.run(&["dlq", "redrive", "notifier", "--yes"], "").await;
    assert_eq!(done.status.code(), Some(0), "{done:?}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(text(&done.stdout).trim()).unwrap(),
        serde_json::json!({"taken": 3, "redriven": 3})
    );
    assert_eq!(s.depth(dead).await, 0);
    assert_eq!(s.depth(topology.queue(WorkQueue::Notifier)).await, 3);
    s.finish().await;
}
