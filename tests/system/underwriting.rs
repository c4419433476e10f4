//! Underwriting behind the ingress: an application from each platform is
//! decided, recorded once, and owes the callbacks the spec asks for.

use crate::harness::{self, TestApp};
use baohan_protocol::ely::Transcode;
use baohan_protocol::fujian::Interface;
use baohan_service::Service;
use baohan_tests::platform::plain;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

async fn start_underwriting(app: &TestApp) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let service = underwriting::build(app.settings()).await.unwrap();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(service.run_until_stopped(shutdown.clone()));
    (shutdown, task)
}

async fn status_of(
    app: &TestApp,
    platform: &str,
    external_no: &str,
) -> Option<(String, Option<i64>)> {
    let client = app.store.client().await.unwrap();
    client
        .query_opt(
            "select status, premium_fen from applications where platform_id = $1 and external_no = $2",
            &[&platform, &external_no],
        )
        .await
        .unwrap()
        .map(|r| (r.get(0), r.get(1)))
}

async fn decided(app: &TestApp, platform: &str, external_no: &str) -> (String, Option<i64>) {
    for _ in 0..300 {
        if let Some(s) = status_of(app, platform, external_no).await {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{external_no} was never decided");
}

#[tokio::test]
async fn an_ely_application_is_approved_or_rejected_with_its_elyl02() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let (stop, task) = start_underwriting(&app).await;
    let mut c = app.conn().await;

    let good = plain("ely", "ELY101");
    let r = c
        .post("/ely", app.ely.body(Transcode::Ely101, &good))
        .await
        .unwrap();
    assert_eq!(app.ely.open_response(&r.body).0.code.code(), "000");
    let id = good["applicationId"].as_str().unwrap();
    let (status, premium) = decided(&app, "ely-demo", id).await;
    assert_eq!(status, "approved");
    assert!(premium.is_some_and(|p| p > 0));
    let owed = app.store.callbacks_for("ely-demo", id).await.unwrap();
    assert_eq!(
        owed,
        vec![(
            "ELY102".to_owned(),
            json!({"applicationId": id, "applicationStatus": "01"})
        )]
    );

    // A legal ID number whose check digit is wrong: well-formed on the
    // wire, refused by the rules, naming the field.
    let mut bad = plain("ely", "ELY101");
    bad.insert("applicationId".into(), json!("ELY-BAD-ID-1"));
    bad.insert("legalIdNo".into(), json!("350104197203050571"));
    let r = c
        .post("/ely", app.ely.body(Transcode::Ely101, &bad))
        .await
        .unwrap();
    assert_eq!(app.ely.open_response(&r.body).0.code.code(), "000");
    let (status, _) = decided(&app, "ely-demo", "ELY-BAD-ID-1").await;
    assert_eq!(status, "rejected");
    let owed = app
        .store
        .callbacks_for("ely-demo", "ELY-BAD-ID-1")
        .await
        .unwrap();
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].1["applicationStatus"], json!("02"));
    let reason = owed[0].1["failReason"].as_str().unwrap();
    assert!(reason.starts_with("legalIdNo:"), "{reason}");

    stop.cancel();
    task.await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_fujian_application_is_priced_and_a_rejection_owes_baohannotice_0() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let (stop, task) = start_underwriting(&app).await;
    let mut c = app.conn().await;
    let soon = |days| {
        let t = baohan_protocol::time::now() + chrono::Duration::days(days);
        Value::String(baohan_protocol::time::Shape::Dashed.format(&t))
    };
    let mut apply = plain("fujian", "baohanapply");
    apply.insert("bzjendtime".into(), soon(5));
    apply.insert("kaibiaotime".into(), soon(6));
    let r = c
        .post(
            "/fujian/baohanapply",
            app.fujian.body(Interface::Baohanapply, &apply),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["code"], json!(1));
    let applyno = apply["applyno"].as_str().unwrap();
    let (status, premium) = decided(&app, "fujian-demo", applyno).await;
    assert_eq!(status, "approved");
    // 200000.00 yuan at the fujian tariff of 1.5‰ is 300.00 yuan.
    assert_eq!(premium, Some(30_000));
    assert!(
        app.store
            .callbacks_for("fujian-demo", applyno)
            .await
            .unwrap()
            .is_empty()
    );

    // The bid opening already past: rejected, and the platform is owed a
    // baohannotice with applystatus 0.
    let mut late = plain("fujian", "baohanapply");
    late.insert("applyno".into(), json!("FJ-LATE-1"));
    let r = c
        .post(
            "/fujian/baohanapply",
            app.fujian.body(Interface::Baohanapply, &late),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["code"], json!(1));
    let (status, _) = decided(&app, "fujian-demo", "FJ-LATE-1").await;
    assert_eq!(status, "rejected");
    let owed = app
        .store
        .callbacks_for("fujian-demo", "FJ-LATE-1")
        .await
        .unwrap();
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].0, "baohannotice");
    assert_eq!(owed[0].1["applyno"], json!("FJ-LATE-1"));
    assert_eq!(owed[0].1["applystatus"], json!("0"));

    // A give-up of the rejected application: refused at once, with the
    // reason, and nothing recorded.
    let mut late_giveup = plain("fujian", "giveupnotice");
    late_giveup.insert("applyno".into(), json!("FJ-LATE-1"));
    let r = c
        .post(
            "/fujian/giveupnotice",
            app.fujian.body(Interface::Giveupnotice, &late_giveup),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["code"], json!(0));
    assert_eq!(
        r.json()["message"],
        json!("applyno FJ-LATE-1: 申请状态为审核未通过，不能撤回")
    );
    assert_eq!(
        status_of(&app, "fujian-demo", "FJ-LATE-1").await.unwrap().0,
        "rejected"
    );

    // The bidder gives up: the approved application is withdrawn (by the
    // refunds worker, which refunds a premium already paid).
    let refunds = refunds::build(app.settings()).await.unwrap();
    let refunds_stop = CancellationToken::new();
    let refunds_task = tokio::spawn(refunds.run_until_stopped(refunds_stop.clone()));
    let mut giveup = plain("fujian", "giveupnotice");
    giveup.insert("applyno".into(), json!(applyno));
    let r = c
        .post(
            "/fujian/giveupnotice",
            app.fujian.body(Interface::Giveupnotice, &giveup),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["code"], json!(1));
    for _ in 0..300 {
        if status_of(&app, "fujian-demo", applyno).await.unwrap().0 == "withdrawn" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        status_of(&app, "fujian-demo", applyno).await.unwrap().0,
        "withdrawn"
    );

    refunds_stop.cancel();
    refunds_task.await.unwrap();
    stop.cancel();
    task.await.unwrap();
    app.stop().await;
}

/// A command of the previous release (`inbound.v1`: the interface's name and
/// its wire fields), as one left on the queue across the upgrade or kept in
/// the journal: decided like a v2 one, and replaying it from the journal
/// changes nothing.
#[tokio::test]
async fn an_inbound_v1_command_is_still_decided_and_its_replay_is_harmless() {
    use baohan_bus::message::Outgoing;
    use baohan_bus::replay::{Selection, replay};
    use baohan_bus::{Exchange, Publisher, WorkQueue};
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let (stop, task) = start_underwriting(&app).await;
    let mut fields = plain("ely", "ELY101");
    fields.insert("applicationId".into(), json!("ELY-V1-1"));
    let body = json!({"type": "inbound.v1", "body": {
        "platform_id": "ely-demo", "protocol": "ely", "interface": "ELY101",
        "received_at": "2026-04-15T10:30:00+08:00", "dedupe_key": "ELY-V1-1",
        "fields": fields, "pay_token": "v1-token"}});
    let message = Outgoing {
        id: uuid::Uuid::new_v4(),
        kind: "inbound.v1",
        routing_key: "ely.ely101".into(),
        body: serde_json::to_vec(&body).unwrap(),
    };
    let publisher = Publisher::new(app.amqp.clone(), "v1-ingress", app.topology.clone());
    publisher
        .publish(
            Exchange::Commands,
            &message,
            &baohan_telemetry::trace::TraceParent::root(),
        )
        .await
        .unwrap();
    let (status, premium) = decided(&app, "ely-demo", "ELY-V1-1").await;
    assert_eq!(status, "approved");
    assert!(premium.is_some_and(|p| p > 0));
    let owed = || app.store.callbacks_for("ely-demo", "ELY-V1-1");
    assert_eq!(
        owed().await.unwrap(),
        vec![(
            "ELY102".to_owned(),
            json!({"applicationId": "ELY-V1-1", "applicationStatus": "01"})
        )]
    );

    // The journal still routes it by its v1 key, with its original id.
    let selection = Selection {
        queue: Some(WorkQueue::Underwriting),
        kind: Some("ely.ely101".into()),
        ..Selection::default()
    };
    let report = replay(&app.amqp, &app.topology, &selection, |_| {})
        .await
        .unwrap();
    assert_eq!((report.matched, report.republished), (1, 1), "{report:?}");
    let client = app.store.client().await.unwrap();
    let applied = || async {
        client
            .query_one(
                "select count(*) from processed_messages where message_id = $1",
                &[&message.id],
            )
            .await
            .unwrap()
            .get::<_, i64>(0)
    };
    // The replayed delivery is handled (its mark found) and changes nothing.
    for _ in 0..200 {
        let counts =
            baohan_tests::fleet::counts(&app.amqp, &app.topology, WorkQueue::Underwriting).await;
        if counts.0 == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Taken: a graceful stop finishes what the worker holds.
    stop.cancel();
    task.await.unwrap();
    assert_eq!(applied().await, 1);
    assert_eq!(owed().await.unwrap().len(), 1);
    publisher.close().await;
    app.stop().await;
}
