//! Redelivery and replay: every command delivered again, through the real
//! queue, after its effects are in; and the journal replayed into a queue
//! whose consumer is not built yet (a dry run counts what would go).
//! Nothing in the store may change.

use crate::harness;
use crate::portal::{self, Apply, Platform, Stack};
use baohan_bus::WorkQueue;
use baohan_bus::replay::{Selection, replay};
use baohan_protocol::fujian::Interface;
use baohan_tests::client::Connection;
use baohan_tests::platform::plain;
use serde_json::{Value, json};
use std::time::Duration;

/// Everything the lifecycle writes, as one comparable value.
async fn snapshot(s: &Stack) -> Value {
    let client = s.app.store.client().await.unwrap();
    let mut out = serde_json::Map::new();
    for (name, sql) in [
        (
            "applications",
            "select external_no || ':' || status from applications order by 1",
        ),
        (
            "callbacks",
            "select interface || ':' || subject || ':' || seq || ':' || payload::text from callbacks order by subject, seq",
        ),
        (
            "history",
            "select a.external_no || ':' || h.seq || ':' || h.event from application_history h join applications a on a.id = h.application_id order by 1",
        ),
        (
            "personal",
            "select owner_id::text || ':' || field from personal_data order by 1",
        ),
        (
            "payments",
            "select application_id::text || ':' || status from payments order by 1",
        ),
        (
            "notifications",
            "select application_id::text || ':' || recipient_field from notifications order by 1",
        ),
        (
            "outbox",
            "select routing_key from outbox order by created_at, routing_key",
        ),
    ] {
        let rows: Vec<String> = client
            .query(sql, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        out.insert(name.into(), json!(rows));
    }
    Value::Object(out)
}

/// Underwriting's handled-command counter, by outcome.
async fn handled(s: &Stack, outcome: &str) -> u64 {
    counted(s.underwriting, "underwriting", outcome).await
}

/// A worker's handled-command counter, by outcome.
pub(crate) async fn counted(at: std::net::SocketAddr, worker: &str, outcome: &str) -> u64 {
    let mut c = Connection::open(at).await.unwrap();
    let text = String::from_utf8(c.get("/metrics").await.unwrap().body.to_vec()).unwrap();
    let prefix = format!("baohan_{worker}_commands_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|n| n.trim().parse().unwrap())
        .unwrap_or(0)
}

#[tokio::test]
async fn delivering_every_command_again_or_replaying_the_journal_changes_nothing() {
    let _broker = harness::shared().await;
    let s = Stack::start().await;
    // ELY: approved and paid. Fujian: one approved then given up, one
    // rejected.
    s.apply(
        Platform::Ely,
        Apply {
            no: "ELY-RPL-1",
            amount: "119800.00",
            section: "S-RPL-1",
            bad: false,
        },
    )
    .await;
    s.apply(
        Platform::Fujian,
        Apply {
            no: "FJ-RPL-1",
            amount: "200000.00",
            section: "S-RPL-2",
            bad: false,
        },
    )
    .await;
    s.apply(
        Platform::Fujian,
        Apply {
            no: "FJ-RPL-2",
            amount: "200000.00",
            section: "S-RPL-3",
            bad: true,
        },
    )
    .await;
    s.wait_for(Platform::Ely, "ELY-RPL-1", "approved").await;
    s.wait_for(Platform::Fujian, "FJ-RPL-1", "approved").await;
    s.wait_for(Platform::Fujian, "FJ-RPL-2", "rejected").await;
    let token = s.token(Platform::Ely, "ELY-RPL-1").await;
    let mut bidder = s.bidder().await;
    portal::complete(&mut bidder, &token, Platform::Ely).await;
    assert_eq!(
        portal::pay(&mut bidder, &token, "sandbox").await.status,
        201
    );
    let mut giveup = plain("fujian", "giveupnotice");
    giveup.insert("applyno".into(), json!("FJ-RPL-1"));
    let r = s
        .app
        .conn()
        .await
        .post(
            "/fujian/giveupnotice",
            s.app.fujian.body(Interface::Giveupnotice, &giveup),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["code"], json!(1));
    s.wait_for(Platform::Fujian, "FJ-RPL-1", "withdrawn").await;
    s.wait_for(Platform::Ely, "ELY-RPL-1", "paid").await;
    // Let the SMS go, so the snapshot does not race the sender.
    portal::first_sms(&s).await;

    let before = snapshot(&s).await;
    let done_before = handled(&s, "done").await;
    assert_eq!(done_before, 3);

    // Every command into underwriting, again, with its original id.
    let into_underwriting = Selection {
        queue: Some(WorkQueue::Underwriting),
        ..Selection::default()
    };
    let report = replay(&s.app.amqp, &s.app.topology, &into_underwriting, |_| {})
        .await
        .unwrap();
    assert_eq!(report.matched, 3, "{report:?}");
    assert_eq!(report.republished, 3);
    assert!(
        report.read > report.matched,
        "events are in the journal too: {report:?}"
    );
    for _ in 0..200 {
        if handled(&s, "done").await >= done_before + 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(handled(&s, "done").await, done_before + 3);
    assert_eq!(handled(&s, "retry").await, 0);
    assert_eq!(handled(&s, "reject").await, 0);
    // And the give-up, into refunds: applied once already, so nothing.
    let into_refunds = Selection {
        queue: Some(WorkQueue::Refunds),
        ..Selection::default()
    };
    let report = replay(&s.app.amqp, &s.app.topology, &into_refunds, |_| {})
        .await
        .unwrap();
    assert_eq!(report.matched, 1, "{report:?}");
    assert_eq!(report.republished, 1);
    for _ in 0..200 {
        if counted(s.refunds, "refunds", "done").await >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(counted(s.refunds, "refunds", "done").await, 2);
    assert_eq!(snapshot(&s).await, before);

    // The events the notifier will consume: 01, 05 and baohannotice 0.
    let callbacks = Selection {
        kind: Some("callback.#".into()),
        dry_run: true,
        ..Selection::default()
    };
    let report = replay(&s.app.amqp, &s.app.topology, &callbacks, |_| {})
        .await
        .unwrap();
    assert_eq!(report.matched, 3, "{report:?}");
    assert_eq!(report.republished, 0);
    assert_eq!(
        report
            .by_queue
            .get(&s.app.topology.queue(WorkQueue::Notifier)),
        Some(&3)
    );
    // One platform's commands, into every queue they were routed to.
    let fujian = Selection {
        platform: Some("fujian-demo".into()),
        kind: Some("command.#".into()),
        dry_run: true,
        ..Selection::default()
    };
    let report = replay(&s.app.amqp, &s.app.topology, &fujian, |_| {})
        .await
        .unwrap();
    assert_eq!(
        report.matched, 3,
        "two baohanapply and a giveupnotice: {report:?}"
    );
    assert_eq!(snapshot(&s).await, before);
    s.stop().await;
}

/// A burst of applications on a small connection pool: each is decided
/// once, and its events are published right after its commit, not left
/// for the sweeper (a handler that held two connections at once starved
/// the pool under load).
#[tokio::test]
async fn a_burst_on_a_small_pool_is_decided_and_published_at_once() {
    let _broker = harness::shared().await;
    let s = Stack::start_with(|settings| {
        settings.database.pool_size = 3;
        settings.broker.prefetch = 32;
    })
    .await;
    let numbers: Vec<String> = (0..40).map(|i| format!("ELY-BURST-{i}")).collect();
    let sections: Vec<String> = (0..40).map(|i| format!("S-BURST-{i}")).collect();
    let mut sends = Vec::new();
    for (no, section) in numbers.iter().zip(&sections) {
        sends.push(s.apply(
            Platform::Ely,
            Apply {
                no,
                amount: "119800.00",
                section,
                bad: false,
            },
        ));
    }
    futures_util::future::join_all(sends).await;
    let client = s.app.store.client().await.unwrap();
    let count = |sql: &'static str| {
        let client = &client;
        async move { client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    for _ in 0..200 {
        if count("select count(*) from applications where status = 'approved'").await == 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        count("select count(*) from applications where status = 'approved'").await,
        40
    );
    // Well inside the sweeper's 5 s: only the immediate publish can have
    // marked them.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        count("select count(*) from outbox where published_at is null").await,
        0
    );
    assert_eq!(handled(&s, "retry").await, 0);
    assert_eq!(handled(&s, "done").await, 40);
    s.stop().await;
}

/// A day of traffic, delivered to the platforms; then the whole day's
/// journal replayed into every queue with the notifier running. No
/// business effect repeats and the platforms see nothing again; then an
/// operator asks for one callback again, and exactly that one goes.
#[tokio::test]
async fn a_whole_day_replayed_repeats_nothing_and_only_what_is_asked_goes_again() {
    use baohan_store::callbacks::{Filter, Resent};
    use baohan_tests::fleet;
    use baohan_tests::platform::{ElyPlatform, FujianPlatform};
    use baohan_tests::stub::PlatformStub;

    let _broker = harness::shared().await;
    let s = Stack::start().await;
    let platforms = harness::load();
    let stub = PlatformStub::start(
        FujianPlatform::demo(&platforms),
        ElyPlatform::demo(&platforms),
        0,
    )
    .await;
    let mut settings = s.app.settings_with_env(stub.env());
    settings.notifier.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let service = notifier::build(settings).await.unwrap();
    let stop_notifier = tokio_util::sync::CancellationToken::new();
    let notifier_task = tokio::spawn({
        use baohan_service::Service;
        service.run_until_stopped(stop_notifier.clone())
    });

    // The day: ELY approved and paid, ELY approved, ELY rejected; Fujian
    // approved and Fujian rejected.
    let day = [
        (Platform::Ely, "ELY-DAY-1", false),
        (Platform::Ely, "ELY-DAY-2", false),
        (Platform::Ely, "ELY-DAY-3", true),
        (Platform::Fujian, "FJ-DAY-1", false),
        (Platform::Fujian, "FJ-DAY-2", true),
    ];
    for (i, (p, no, bad)) in day.iter().enumerate() {
        let section = format!("S-DAY-{i}");
        s.apply(
            *p,
            Apply {
                no,
                amount: "119800.00",
                section: &section,
                bad: *bad,
            },
        )
        .await;
    }
    for (p, no, bad) in day {
        s.wait_for(p, no, if bad { "rejected" } else { "approved" })
            .await;
    }
    let token = s.token(Platform::Ely, "ELY-DAY-1").await;
    let mut bidder = s.bidder().await;
    portal::complete(&mut bidder, &token, Platform::Ely).await;
    assert_eq!(
        portal::pay(&mut bidder, &token, "sandbox").await.status,
        201
    );
    s.wait_for(Platform::Ely, "ELY-DAY-1", "paid").await;
    portal::first_sms(&s).await;
    // ELY102 01 and 05, 01, 02; baohannotice for the rejection (an
    // approved Fujian application is announced at issuance).
    let owed = 5;
    for _ in 0..200 {
        if fleet::delivered(&s.app.store).await == owed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let all = s
        .app
        .store
        .callbacks(&Filter {
            limit: 100,
            ..Filter::default()
        })
        .await
        .unwrap();
    assert_eq!(fleet::delivered(&s.app.store).await, owed, "{all:#?}");
    assert_eq!(stub.received().len(), owed as usize);

    let attempts = || async {
        s.app
            .store
            .client()
            .await
            .unwrap()
            .query_one("select count(*) from callback_attempts", &[])
            .await
            .unwrap()
            .get::<_, i64>(0)
    };
    let before = snapshot(&s).await;
    let attempts_before = attempts().await;
    let done_before = handled(&s, "done").await;

    // The whole journal, into every queue its messages were routed to.
    let report = replay(&s.app.amqp, &s.app.topology, &Selection::default(), |_| {})
        .await
        .unwrap();
    let notifier_queue = s.app.topology.queue(WorkQueue::Notifier);
    assert_eq!(
        report.by_queue.get(&notifier_queue),
        Some(&(owed as u64)),
        "{report:?}"
    );
    let commands = report.by_queue[&s.app.topology.queue(WorkQueue::Underwriting)];
    assert_eq!(commands, 5, "{report:?}");
    for _ in 0..200 {
        let (waiting, _) = fleet::counts(&s.app.amqp, &s.app.topology, WorkQueue::Notifier).await;
        if handled(&s, "done").await >= done_before + commands && waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Time for a repeated callback to have gone out, were it to go.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(handled(&s, "done").await, done_before + commands);
    assert_eq!(snapshot(&s).await, before);
    assert_eq!(attempts().await, attempts_before);
    assert_eq!(stub.received().len(), owed as usize, "nothing sent again");

    // The operator asks for ELY-DAY-1's latest callback again (its
    // platform lost it): that one goes, nothing else.
    let latest = s
        .app
        .store
        .callbacks(&Filter {
            application: Some("ELY-DAY-1".into()),
            limit: 10,
            ..Filter::default()
        })
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(latest.seq, 2);
    let ops = s
        .app
        .store
        .clone()
        .publishing_to(baohan_bus::Publisher::new(
            s.app.amqp.clone(),
            "test-ops",
            s.app.topology.clone(),
        ));
    assert_eq!(
        ops.resend(latest.id, "ops-test").await.unwrap(),
        Resent::Resent
    );
    for _ in 0..100 {
        if stub.received().len() > owed as usize {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let received = stub.received();
    assert_eq!(received.len(), owed as usize + 1);
    let again = received.last().unwrap();
    assert_eq!(again.fields["applicationId"], json!("ELY-DAY-1"));
    assert_eq!(again.fields["applicationStatus"], json!("05"));

    stop_notifier.cancel();
    notifier_task.await.unwrap();
    s.stop().await;
}
