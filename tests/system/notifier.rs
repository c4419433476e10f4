//! The notifier against a platform stub that checks signatures and
//! decrypts as the platforms do: every callback kind, exact content, in
//! order, and through an outage.

use crate::harness::{self, TestApp};
use baohan_bus::Publisher;
use baohan_service::Service;
use baohan_tests::fleet;
use baohan_tests::platform::{ElyPlatform, FujianPlatform, plain};
use baohan_tests::stub::{Mode, PlatformStub};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

struct Running {
    app: TestApp,
    /// The notifier's /metrics.
    addr: std::net::SocketAddr,
    stub: PlatformStub,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    publisher: Publisher,
}

async fn start(adjust: impl Fn(&mut baohan_config::Settings)) -> Running {
    let app = TestApp::spawn_with(&adjust).await;
    let platforms = harness::load();
    let stub = PlatformStub::start(
        FujianPlatform::demo(&platforms),
        ElyPlatform::demo(&platforms),
        0,
    )
    .await;
    let mut settings = app.settings_with_env(stub.env());
    adjust(&mut settings);
    settings.notifier.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let service = notifier::build(settings).await.unwrap();
    let addr = service.local_addr();
    let stop = CancellationToken::new();
    let task = tokio::spawn(service.run_until_stopped(stop.clone()));
    let publisher = Publisher::new(app.amqp.clone(), "test-events", app.topology.clone());
    Running {
        app,
        addr,
        stub,
        stop,
        task,
        publisher,
    }
}

impl Running {
    /// Writes a callback row as a worker would, and announces it.
    async fn owe(&self, platform: &str, subject: &str, interface: &str, payload: Value) -> Uuid {
        fleet::owe(
            &self.app.store,
            &self.publisher,
            platform,
            subject,
            interface,
            &payload,
        )
        .await
    }

    async fn wait_received(&self, n: usize, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while self.stub.received().len() < n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            self.stub.received().len(),
            n,
            "refused by the stub: {:?}",
            self.stub.refused()
        );
    }

    /// The stub records a callback before it answers, and the notifier
    /// commits after the answer: wait for the commit.
    async fn delivered(&self, id: Uuid) -> (String, i32) {
        for _ in 0..100 {
            let s = self.status(id).await;
            if s.0 == "delivered" {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.status(id).await
    }

    async fn status(&self, id: Uuid) -> (String, i32) {
        let client = self.app.store.client().await.unwrap();
        let row = client
            .query_one(
                "select status, attempts from callbacks where id = $1",
                &[&id],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    }

    /// A line of the notifier's metrics, by its prefix.
    async fn metric(&self, prefix: &str) -> Option<String> {
        let mut c = baohan_tests::client::Connection::open(self.addr)
            .await
            .unwrap();
        let text = String::from_utf8(c.get("/metrics").await.unwrap().body.to_vec()).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
    }

    async fn stop(self) {
        self.stop.cancel();
        self.task.await.unwrap();
        self.publisher.close().await;
        self.app.stop().await;
    }
}

/// A fixture's business fields: what the callback row holds.
fn business(spec: &str, name: &str) -> Value {
    let mut m = plain(spec, name);
    for k in ["appkey", "timestamp", "sign"] {
        m.remove(k);
    }
    Value::Object(m)
}

/// ELY102 with this application status.
fn ely102(status: &str) -> Value {
    let mut p = business("ely", "ELY102");
    p["applicationStatus"] = json!(status);
    p
}

#[tokio::test]
async fn every_callback_kind_arrives_signed_decrypted_and_exact() {
    let _broker = harness::shared().await;
    let r = start(|_| {}).await;
    let kinds = [
        (
            "fujian-demo",
            "baohannotice",
            business("fujian", "baohannotice"),
        ),
        (
            "fujian-demo",
            "quitnotice",
            business("fujian", "quitnotice"),
        ),
        (
            "fujian-demo",
            "claimsresultnotice",
            business("fujian", "claimsresultnotice"),
        ),
        ("ely-demo", "ELY102", business("ely", "ELY102")),
        ("ely-demo", "ELY106", business("ely", "ELY106")),
        ("ely-demo", "ELY108", business("ely", "ELY108")),
    ];
    let mut ids = Vec::new();
    for (i, (platform, interface, payload)) in kinds.iter().enumerate() {
        ids.push(
            r.owe(platform, &format!("S-KIND-{i}"), interface, payload.clone())
                .await,
        );
    }
    r.wait_received(kinds.len(), Duration::from_secs(20)).await;
    let received = r.stub.received();
    for (_, interface, payload) in &kinds {
        let got = received
            .iter()
            .find(|x| x.interface == *interface)
            .unwrap_or_else(|| panic!("{interface} not received"));
        assert_eq!(&Value::Object(got.fields.clone()), payload, "{interface}");
    }
    assert!(r.stub.refused().is_empty());
    for id in ids {
        assert_eq!(r.delivered(id).await, ("delivered".into(), 1));
        let attempts = r.app.store.attempts_of(id).await.unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].1, "delivered");
        assert_eq!(attempts[0].2, Some(200));
    }
    r.stop().await;
}

#[tokio::test]
async fn through_an_outage_each_application_keeps_its_order() {
    let _broker = harness::shared().await;
    let r = start(|s| {
        s.broker.retry_delays_secs = vec![1, 2];
        s.notifier.schedule_secs = vec![1, 2];
        s.notifier.timeout_ms = 500;
    })
    .await;
    r.stub.set_mode(Mode::FailureCode);
    let first = r.owe("ely-demo", "S-ORDER-A", "ELY102", ely102("05")).await;
    let second = r.owe("ely-demo", "S-ORDER-A", "ELY102", ely102("03")).await;
    let other = r
        .owe(
            "fujian-demo",
            "S-ORDER-B",
            "baohannotice",
            business("fujian", "baohannotice"),
        )
        .await;
    // Failing: a failure code, then 500s, then answers too slow, then
    // refused connections.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    r.stub.set_mode(Mode::ServerError);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    r.stub.set_mode(Mode::Slow(Duration::from_secs(2)));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // Then not listening at all: connections refused.
    r.stub.go_down().await;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert!(r.stub.received().is_empty());
    // Nothing later was sent while the first was failing.
    let (_, attempts) = r.status(second).await;
    assert_eq!(attempts, 0, "the second waits for the first");
    r.stub.set_mode(Mode::Accept);
    r.stub.come_back().await;
    r.wait_received(3, Duration::from_secs(20)).await;

    let order: Vec<String> = r
        .stub
        .received()
        .iter()
        .filter(|x| x.interface == "ELY102")
        .map(|x| x.fields["applicationStatus"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, ["05", "03"]);
    for id in [first, second, other] {
        assert_eq!(r.delivered(id).await.0, "delivered");
    }
    let attempts = r.app.store.attempts_of(first).await.unwrap();
    assert!(attempts.len() >= 3, "{attempts:?}");
    let outcomes: Vec<&str> = attempts.iter().map(|a| a.1.as_str()).collect();
    assert_eq!(outcomes.last(), Some(&"delivered"));
    for class in ["refused", "connect"] {
        assert!(outcomes.contains(&class), "{class}: {outcomes:?}");
    }
    // The waits between attempts grow with the schedule.
    let gaps: Vec<i64> = attempts
        .windows(2)
        .map(|w| (w[1].3 - w[0].3).num_milliseconds())
        .collect();
    assert!(gaps[0] >= 900, "{gaps:?}");
    assert!(gaps[1..].iter().all(|g| *g >= 1900), "{gaps:?}");
    r.stop().await;
}

#[tokio::test]
async fn past_its_deadline_a_callback_is_dead_parked_and_holds_back_the_rest() {
    use baohan_bus::{WorkQueue, connect};
    use lapin::options::BasicGetOptions;
    let _broker = harness::shared().await;
    let r = start(|s| {
        s.notifier.deadline_hours = 0;
    })
    .await;
    r.stub.set_mode(Mode::ServerError);
    let head = r.owe("ely-demo", "S-DEAD", "ELY102", ely102("05")).await;
    let next = r.owe("ely-demo", "S-DEAD", "ELY102", ely102("03")).await;
    for _ in 0..100 {
        if r.status(head).await.0 == "dead" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(r.status(head).await, ("dead".into(), 1));
    // The platform comes back: the next one still waits for an operator.
    r.stub.set_mode(Mode::Accept);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(r.status(next).await, ("pending".into(), 0));
    assert!(r.stub.received().is_empty());
    // The message is parked in the dead-letter queue.
    let conn = connect::open(&r.app.amqp, "test-dead").await.unwrap();
    let ch = conn.create_channel().await.unwrap();
    let mut parked = 0;
    for _ in 0..50 {
        let got = ch
            .basic_get(
                r.app.topology.dead_queue(WorkQueue::Notifier).into(),
                BasicGetOptions { no_ack: true },
            )
            .await
            .unwrap();
        if got.is_some() {
            parked += 1;
        } else if parked > 0 {
            break;
        } else {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert!(
        parked >= 1,
        "the dead callback's message is in the dead-letter queue"
    );
    let _ = conn.close(200, "done".into()).await;
    // An operator resends it (`baohanctl callbacks resend`): it goes, then
    // the one it held back, in order.
    let ops = r.app.store.clone().publishing_to(r.publisher.clone());
    assert_eq!(
        ops.resend(head, "ops-test").await.unwrap(),
        baohan_store::callbacks::Resent::Resent
    );
    r.wait_received(2, Duration::from_secs(20)).await;
    assert_eq!(r.delivered(head).await, ("delivered".into(), 2));
    assert_eq!(r.delivered(next).await, ("delivered".into(), 1));
    let order: Vec<String> = r
        .stub
        .received()
        .iter()
        .map(|x| x.fields["applicationStatus"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, ["05", "03"]);
    r.stop().await;
}

#[tokio::test]
async fn an_open_breaker_probes_instead_of_sending_everything_and_drains_after() {
    let _broker = harness::shared().await;
    let r = start(|s| {
        s.broker.retry_delays_secs = vec![1, 2];
        s.notifier.schedule_secs = vec![1, 2];
        s.notifier.breaker_failures = 2;
        s.notifier.breaker_probe_secs = 2;
        s.notifier.max_in_flight_per_platform = 1;
    })
    .await;
    r.stub.set_mode(Mode::ServerError);
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            r.owe(
                "ely-demo",
                &format!("S-BRK-{i}"),
                "ELY102",
                business("ely", "ELY102"),
            )
            .await,
        );
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    // Without the breaker each of the 5 would have been tried about three
    // times by now; with it, two failures and then a probe every 2 s.
    let during = r.stub.hits();
    assert!(
        (2..=6).contains(&during),
        "{during} attempts during the outage"
    );
    // Five waiting (due and held by the breaker, or scheduled), the
    // oldest a few seconds old (the gauges refresh every 5 s).
    let count = |v: Option<String>| v.and_then(|v| v.parse::<i64>().ok()).unwrap_or(-100);
    let mut waiting = 0;
    for _ in 0..70 {
        waiting = count(r.metric("baohan_notifier_backlog{state=\"ready\"} ").await)
            + count(
                r.metric("baohan_notifier_backlog{state=\"scheduled\"} ")
                    .await,
            );
        if waiting == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let breaker = r
        .metric("baohan_notifier_breaker_state{platform=\"ely-demo\"} ")
        .await;
    assert!(matches!(breaker.as_deref(), Some("1" | "2")), "{breaker:?}");
    assert_eq!(waiting, 5);
    let oldest: i64 = r
        .metric("baohan_notifier_backlog{state=\"oldest_pending_seconds\"} ")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert!((0..=10).contains(&oldest), "{oldest}");
    r.stub.set_mode(Mode::Accept);
    r.wait_received(5, Duration::from_secs(20)).await;
    for id in ids {
        assert_eq!(r.delivered(id).await.0, "delivered");
    }
    r.stop().await;
}

#[tokio::test]
async fn a_platform_that_comes_back_gets_its_backlog_at_once_not_at_the_next_scheduled_retry() {
    let _broker = harness::shared().await;
    let r = start(|s| {
        s.broker.retry_delays_secs = vec![1, 2, 30];
        s.notifier.schedule_secs = vec![30];
        s.notifier.breaker_failures = 2;
        s.notifier.breaker_probe_secs = 1;
    })
    .await;
    r.stub.set_mode(Mode::ServerError);
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            r.owe("ely-demo", &format!("S-BACK-{i}"), "ELY102", ely102("01"))
                .await,
        );
    }
    // Each tried and failed: the next try is 30 s away.
    for _ in 0..100 {
        let mut tried = 0;
        for id in &ids {
            tried += i32::from(r.status(*id).await.1 > 0);
        }
        if tried >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    r.stub.set_mode(Mode::Accept);
    let back = std::time::Instant::now();
    // A new callback is the probe; its success wakes the backlog.
    ids.push(
        r.owe("ely-demo", "S-BACK-NEW", "ELY102", ely102("01"))
            .await,
    );
    r.wait_received(5, Duration::from_secs(15)).await;
    assert!(
        back.elapsed() < Duration::from_secs(15),
        "drained {:?} after the platform came back",
        back.elapsed()
    );
    for id in ids {
        assert_eq!(r.delivered(id).await.0, "delivered");
    }
    r.stop().await;
}

/// A signed callback carries bank accounts and phones: a platform (or
/// whoever answers for it) that redirects does not get it sent elsewhere.
#[tokio::test]
async fn a_redirect_is_a_failed_attempt_and_is_never_followed() {
    let _broker = harness::shared().await;
    let r = start(|_| {}).await;
    r.stub.set_mode(Mode::Redirect);
    let id = r
        .owe("ely-demo", "S-REDIRECT", "ELY102", ely102("01"))
        .await;
    let mut attempts = Vec::new();
    for _ in 0..100 {
        attempts = r.app.store.attempts_of(id).await.unwrap();
        if !attempts.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(
        (attempts[0].1.as_str(), attempts[0].2),
        ("redirect", Some(307))
    );
    assert_eq!(r.stub.redirected(), 0, "the redirect was followed");
    assert!(r.stub.received().is_empty());
    assert_eq!(r.status(id).await.0, "pending");
    r.stop().await;
}
