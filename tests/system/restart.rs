//! A broker restart in the middle of a stream of requests loses nothing
//! that was acknowledged.

use crate::harness::{self, TestApp};
use baohan_bus::WorkQueue;
use baohan_protocol::fujian::Interface;
use baohan_tests::platform::{plain, repo};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

fn rabbitmqctl(args: &[&str]) {
    let status = std::process::Command::new(repo().join("deploy/local/servers.sh"))
        .arg("rabbitmqctl")
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "rabbitmqctl {args:?}");
}

async fn until_acked(acked: &AtomicUsize, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while acked.load(Ordering::Relaxed) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} calls acknowledged, waiting for {n}",
            acked.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_broker_restart_loses_no_acknowledged_request() {
    let _broker = harness::exclusive().await;
    let app = Arc::new(TestApp::spawn().await);
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for s in 0..4 {
        let (app, acked, stop) = (app.clone(), acked.clone(), stop.clone());
        senders.push(tokio::spawn(async move {
            let mut c = app.conn().await;
            let (mut mine, mut refused) = (Vec::new(), 0);
            for i in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let applyno = format!("RST{s}{i:05}");
                let mut fields = plain("fujian", "baohanapply");
                fields.insert("applyno".into(), json!(applyno));
                // Like a platform: the same call again until we say yes.
                let deadline = std::time::Instant::now() + Duration::from_secs(120);
                loop {
                    assert!(
                        std::time::Instant::now() < deadline,
                        "{applyno} never accepted"
                    );
                    let body = app.fujian.body(Interface::Baohanapply, &fields);
                    let Ok(r) = c.post("/fujian/baohanapply", body).await else {
                        c = app.conn().await;
                        continue;
                    };
                    if r.json()["code"] == json!(1) {
                        mine.push(applyno.clone());
                        acked.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    refused += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            (mine, refused)
        }));
    }
    until_acked(&acked, 40).await;
    tokio::task::spawn_blocking(|| rabbitmqctl(&["stop_app"]))
        .await
        .unwrap();
    // While the broker is down, an application is answered "retry later"
    // and forgotten, so that a corrected one may use its applyno.
    let mut c = app.conn().await;
    let mut first = plain("fujian", "baohanapply");
    first.insert("applyno".into(), json!("RST-CORRECTED"));
    let r = c
        .post(
            "/fujian/baohanapply",
            app.fujian.body(Interface::Baohanapply, &first),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["code"], json!(0), "{:?}", r.json());
    tokio::task::spawn_blocking(|| {
        rabbitmqctl(&["start_app"]);
        rabbitmqctl(&["await_startup"]);
    })
    .await
    .unwrap();
    // The stream goes on past the restart, through the reconnection.
    let after = acked.load(Ordering::Relaxed);
    until_acked(&acked, after + 40).await;
    stop.store(true, Ordering::Relaxed);
    let mut corrected = first.clone();
    corrected.insert("bzjamount".into(), json!("150000.00"));
    let r = c
        .post(
            "/fujian/baohanapply",
            app.fujian.body(Interface::Baohanapply, &corrected),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["code"], json!(1), "{:?}", r.json());

    let mut acknowledged = HashSet::new();
    let mut refused = 0;
    for s in senders {
        let (mine, r) = s.await.unwrap();
        acknowledged.extend(mine);
        refused += r;
    }
    assert!(
        refused > 0,
        "the outage was answered with code 0 (retry later)"
    );

    // Every acknowledged application is on the queue, under one id.
    let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
    for m in app.take(WorkQueue::Underwriting).await {
        let applyno = m.body["body"]["command"]["application"]
            .as_str()
            .unwrap()
            .to_owned();
        ids.entry(applyno).or_default().insert(m.id);
    }
    for applyno in &acknowledged {
        let found = ids.get(applyno).map(HashSet::len);
        assert_eq!(found, Some(1), "{applyno}");
    }
    eprintln!(
        "{} acknowledged across the restart, {refused} answers said retry later",
        acknowledged.len()
    );
    Arc::try_unwrap(app).ok().unwrap().stop().await;
}

#[tokio::test]
async fn a_consumer_reconnects_after_a_broker_restart() {
    use crate::consumer::{Script, config, publish};
    let _broker = harness::exclusive().await;
    let app = TestApp::spawn().await;
    let script = Arc::new(Script::default());
    let shutdown = tokio_util::sync::CancellationToken::new();
    let consumer = tokio::spawn(baohan_bus::consume::run(
        config(&app),
        script.clone(),
        shutdown.clone(),
    ));
    let handled = |id| script.seen.lock().unwrap().contains_key(&id);
    let before = publish(&app, "ok").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !handled(before) {
        assert!(std::time::Instant::now() < deadline, "never consumed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::task::spawn_blocking(|| {
        rabbitmqctl(&["stop_app"]);
        rabbitmqctl(&["start_app"]);
        rabbitmqctl(&["await_startup"]);
    })
    .await
    .unwrap();
    let after = publish(&app, "ok").await;
    // The consumer lost its connection; its backoff brings it back.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !handled(after) {
        assert!(
            std::time::Instant::now() < deadline,
            "the consumer did not come back after the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
    consumer.await.unwrap();
    assert!(app.take(WorkQueue::Claims).await.is_empty());
    app.stop().await;
}
