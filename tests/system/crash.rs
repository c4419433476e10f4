//! Three notifier processes share the queues; one is killed with SIGKILL
//! in the middle of the run. Nothing is lost, each application's
//! callbacks still arrive in order, and the only callbacks the platform
//! sees twice are ones that were in flight at the kill.

use crate::harness::{self, TestApp};
use baohan_bus::{Publisher, WorkQueue};
use baohan_tests::fleet::{self, Replica};
use baohan_tests::platform::{ElyPlatform, FujianPlatform, plain};
use baohan_tests::stub::{Mode, PlatformStub};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const APPLICATIONS: usize = 100;
/// Each application's callbacks, in the order they were written.
const STATUSES: [&str; 3] = ["01", "05", "03"];
/// The platform's answer time: long enough that a replica always has
/// callbacks in flight.
const LATENCY: Duration = Duration::from_millis(200);

fn ely102(application: &str, status: &str) -> Value {
    let mut m = plain("ely", "ELY102");
    m.insert("applicationId".into(), json!(application));
    m.insert("applicationStatus".into(), json!(status));
    Value::Object(m)
}

#[tokio::test]
async fn a_replica_killed_mid_run_loses_nothing_and_repeats_only_what_was_in_flight() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let platforms = harness::load();
    let stub = PlatformStub::start(
        FujianPlatform::demo(&platforms),
        ElyPlatform::demo(&platforms),
        0,
    )
    .await;
    stub.set_mode(Mode::Latency(LATENCY));
    let mut vars = fleet::replica_env(&app.settings());
    vars.extend(stub.env());
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_notifier-replica"));
    let mut replicas: Vec<Replica> = (0..3)
        .map(|i| {
            let log = std::env::temp_dir().join(format!("baohan-crash-{}-{i}.log", app.prefix()));
            Replica::spawn(exe, &vars, log)
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(90);
    while fleet::consumers(&app.amqp, &app.topology, WorkQueue::Notifier).await < 3 {
        assert!(
            Instant::now() < deadline,
            "three replicas never consumed; logs: {:?}",
            replicas.iter().map(|r| &r.log).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let publisher = Publisher::new(app.amqp.clone(), "test-events", app.topology.clone());
    // Written round by round, as applications progress: every
    // application's 01, then every 05, then every 03.
    for status in STATUSES {
        for a in 0..APPLICATIONS {
            let subject = format!("CRASH{a:04}");
            fleet::owe(
                &app.store,
                &publisher,
                "ely-demo",
                &subject,
                "ELY102",
                &ely102(&subject, status),
            )
            .await;
        }
    }
    let total = APPLICATIONS * STATUSES.len();
    while stub.received().len() < total / 4 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    replicas[0].kill().await;
    let killed_at = Instant::now();

    let deadline = Instant::now() + Duration::from_secs(120);
    while fleet::delivered(&app.store).await < total as i64 {
        assert!(
            Instant::now() < deadline,
            "{} of {total} delivered",
            fleet::delivered(&app.store).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let received = stub.received();
    assert!(stub.refused().is_empty(), "{:?}", stub.refused());

    // Every callback arrived; group the arrivals by callback.
    let mut arrivals: HashMap<(String, String), Vec<Instant>> = HashMap::new();
    let mut by_application: HashMap<String, Vec<String>> = HashMap::new();
    for r in &received {
        let application = r.fields["applicationId"].as_str().unwrap().to_owned();
        let status = r.fields["applicationStatus"].as_str().unwrap().to_owned();
        arrivals
            .entry((application.clone(), status.clone()))
            .or_default()
            .push(r.at);
        by_application.entry(application).or_default().push(status);
    }
    assert_eq!(arrivals.len(), total, "every callback arrived");

    // In order, per application (a repeat comes right after itself).
    for (application, mut statuses) in by_application {
        statuses.dedup();
        assert_eq!(statuses, STATUSES, "{application}");
    }

    // What arrived twice was in flight at the kill: sent before it, and
    // not answered and committed by then.
    let margin = Duration::from_millis(300);
    let in_flight = received
        .iter()
        .filter(|r| r.at <= killed_at && killed_at.duration_since(r.at) < LATENCY + margin)
        .count();
    let twice: Vec<_> = arrivals.iter().filter(|(_, at)| at.len() > 1).collect();
    for ((application, status), at) in &twice {
        assert_eq!(
            at.len(),
            2,
            "{application} {status} arrived {} times",
            at.len()
        );
        assert!(
            at[0] <= killed_at && killed_at.duration_since(at[0]) < LATENCY + margin,
            "{application} {status}: its first arrival was not in flight at the kill"
        );
        assert!(at[1] > killed_at);
    }
    // And no more than one replica may have in flight to one platform.
    let limit = app.settings().notifier.max_in_flight_per_platform;
    assert!(
        twice.len() <= in_flight.min(limit),
        "{} repeated, {in_flight} in flight, at most {limit} per replica",
        twice.len()
    );
    println!(
        "crash: {total} callbacks delivered by 3 replicas, one SIGKILLed after {} arrivals; \
         {in_flight} were in flight at the kill across all replicas, {} sent twice",
        total / 4,
        twice.len()
    );

    // The store logged one delivered attempt each: the killed replica's
    // attempt died with its transaction.
    let attempts: i64 = app
        .store
        .client()
        .await
        .unwrap()
        .query_one(
            "select count(*) from callback_attempts where outcome = 'delivered'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(attempts, total as i64);
    for mut r in replicas {
        r.kill().await;
    }
    publisher.close().await;
    app.stop().await;
}
