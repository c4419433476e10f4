//! The store: migrations and the inbound journal's idempotency.

use crate::harness;
use baohan_store::inbound::{NewInbound, Recorded};
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn migrations_apply_once_even_when_replicas_start_together() {
    let (settings, _database) = harness::settings().await;
    let stores: Vec<_> = (0..4)
        .map(|_| baohan_store::Store::connect(&settings.database).unwrap())
        .collect();
    let handles: Vec<_> = stores
        .iter()
        .cloned()
        .map(|s| tokio::spawn(async move { baohan_store::migrate::migrate(&s).await }))
        .collect();
    let mut applied = Vec::new();
    for h in handles {
        applied.push(h.await.unwrap().unwrap());
    }
    let mut all: Vec<i32> = applied.iter().flatten().copied().collect();
    all.sort();
    assert_eq!(
        all,
        baohan_store::migrate::versions(),
        "each migration applied by exactly one replica: {applied:?}"
    );
    // And a later start finds nothing to do.
    assert!(
        baohan_store::migrate::migrate(&stores[0])
            .await
            .unwrap()
            .is_empty()
    );
}

fn new<'a>(
    id: Uuid,
    key: &'a str,
    digest: &'a str,
    msgcode: Option<&'a str>,
    reply: &'a serde_json::Value,
) -> NewInbound<'a> {
    NewInbound {
        id,
        platform_id: "ely-demo",
        interface: "ELY101",
        dedupe_key: key,
        content_digest: digest,
        msgcode,
        reply,
        pay_token: None,
    }
}

#[tokio::test]
async fn an_identical_retry_gets_the_first_reply_and_command_id() {
    let (store, _database) = harness::store().await;
    let first = Uuid::new_v4();
    let reply = json!({"code": "000"});
    let r = store
        .record_inbound(&new(first, "APP-1", "d1", Some("m1"), &reply))
        .await
        .unwrap();
    assert_eq!(r, Recorded::New);
    // The platform retries with a fresh msgcode and the same content.
    let other = json!({"code": "999"});
    let r = store
        .record_inbound(&new(Uuid::new_v4(), "APP-1", "d1", Some("m2"), &other))
        .await
        .unwrap();
    assert_eq!(
        r,
        Recorded::Repeat {
            id: first,
            reply: reply.clone(),
            published: false,
            pay_token: None,
        }
    );
    store.mark_published(&[first]).await.unwrap();
    let r = store
        .record_inbound(&new(Uuid::new_v4(), "APP-1", "d1", Some("m1"), &other))
        .await
        .unwrap();
    assert_eq!(
        r,
        Recorded::Repeat {
            id: first,
            reply,
            published: true,
            pay_token: None,
        }
    );
    assert_eq!(store.count_inbound("ely-demo", "ELY101").await.unwrap(), 1);
}

#[tokio::test]
async fn the_same_key_with_other_content_is_a_conflict() {
    let (store, _database) = harness::store().await;
    let reply = json!({});
    store
        .record_inbound(&new(Uuid::new_v4(), "APP-2", "d1", Some("m1"), &reply))
        .await
        .unwrap();
    let r = store
        .record_inbound(&new(Uuid::new_v4(), "APP-2", "d2", Some("m2"), &reply))
        .await
        .unwrap();
    assert_eq!(r, Recorded::KeyConflict);
}

#[tokio::test]
async fn a_reused_msgcode_with_other_content_is_refused() {
    let (store, _database) = harness::store().await;
    let reply = json!({});
    store
        .record_inbound(&new(Uuid::new_v4(), "APP-3", "d1", Some("m1"), &reply))
        .await
        .unwrap();
    let r = store
        .record_inbound(&new(Uuid::new_v4(), "APP-4", "d9", Some("m1"), &reply))
        .await
        .unwrap();
    assert_eq!(r, Recorded::MsgcodeReused);
    assert_eq!(store.count_inbound("ely-demo", "ELY101").await.unwrap(), 1);
}

#[tokio::test]
async fn the_batched_journal_gives_each_concurrent_call_its_own_verdict() {
    let (store, _database) = harness::store().await;
    let journal = baohan_store::journal::InboundJournal::start(store.clone());
    let reply = json!({"code": "000"});
    let mut calls = Vec::new();
    // 30 distinct applications, 5 identical copies of one more, and 5 that
    // reuse its key with other content: all at once, so they share batches.
    for i in 0..40 {
        let (key, digest) = match i {
            0..30 => (format!("APP-{i}"), format!("d{i}")),
            30..35 => ("APP-X".to_owned(), "dx".to_owned()),
            _ => ("APP-X".to_owned(), format!("other-{i}")),
        };
        let (journal, reply) = (journal.clone(), reply.clone());
        calls.push(tokio::spawn(async move {
            let id = Uuid::new_v4();
            let verdict = journal
                .record(&new(id, &key, &digest, None, &reply))
                .await
                .unwrap();
            (i, id, verdict)
        }));
    }
    let mut results = Vec::new();
    for c in calls {
        results.push(c.await.unwrap());
    }
    for (i, _, verdict) in &results[..30] {
        assert_eq!(verdict, &Recorded::New, "call {i}");
    }
    // Of the ten calls for APP-X, exactly one is recorded. If it was one of
    // the identical copies, the other copies are its retries; every call
    // with other content is a conflict.
    let winners: Vec<_> = results[30..]
        .iter()
        .filter(|(_, _, v)| *v == Recorded::New)
        .collect();
    assert_eq!(winners.len(), 1, "APP-X is recorded once: {results:?}");
    let (winner, winner_id, _) = *winners[0];
    for (i, _, verdict) in &results[30..] {
        if *i == winner {
            continue;
        }
        let copy_of_winner = (30..35).contains(i) && (30..35).contains(&winner);
        if copy_of_winner {
            assert!(
                matches!(verdict, Recorded::Repeat { id, .. } if *id == winner_id),
                "call {i}: {verdict:?}"
            );
        } else {
            assert_eq!(verdict, &Recorded::KeyConflict, "call {i}");
        }
    }
    assert_eq!(store.count_inbound("ely-demo", "ELY101").await.unwrap(), 31);
}

fn application(external_no: &str) -> baohan_store::applications::NewApplication {
    use baohan_store::applications::{NewApplication, Personal};
    NewApplication {
        id: Uuid::new_v4(),
        platform_id: "ely-demo".into(),
        protocol: baohan_domain::Protocol::Ely,
        external_no: external_no.into(),
        status: baohan_domain::application::Status::Approved,
        note: None,
        applicant_name: "福建闽榕示范建设工程有限公司".into(),
        applicant_credit_code: "91350104MA34T6NE1E".into(),
        project_code: Some("P1".into()),
        project_name: Some("示范项目".into()),
        guarantee_amount_fen: 20_000_000,
        premium_fen: Some(40_000),
        pay_token_digest: Some(format!("digest-{external_no}")),
        details: baohan_domain::details::Details::from_json(&json!({
            "section": "S1", "bidName": "一标段", "purchaseName": "某采购人",
            "bidAmountFen": 20_000_000, "guaranteeMonths": 12,
            "decision": {"outcome": "approve"}
        }))
        .unwrap(),
        personal: vec![Personal {
            field: "legalIdNo".into(),
            kind: "id_number",
            value: "350104197203050570".into(),
        }],
        notifications: Vec::new(),
    }
}

#[tokio::test]
async fn an_application_and_its_callbacks_are_written_once_per_command() {
    use baohan_store::applications::{NewCallback, Written};
    let (store, _database) = harness::store().await;
    let message = Uuid::new_v4();
    let callbacks = [NewCallback {
        interface: "ELY102".into(),
        payload: json!({"applicationId": "A-1", "applicationStatus": "01"}),
    }];
    let app = application("A-1");
    let w = store
        .write_application("underwriting", message, &app, &callbacks)
        .await
        .unwrap();
    assert_eq!(w, Written::New);
    // Redelivered: nothing more.
    let w = store
        .write_application("underwriting", message, &app, &callbacks)
        .await
        .unwrap();
    assert_eq!(w, Written::AlreadyApplied);
    // Another command for the same application number: a duplicate.
    let w = store
        .write_application(
            "underwriting",
            Uuid::new_v4(),
            &application("A-1"),
            &callbacks,
        )
        .await
        .unwrap();
    assert_eq!(w, Written::Exists);
    let owed = store.callbacks_for("ely-demo", "A-1").await.unwrap();
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].0, "ELY102");
    assert_eq!(owed[0].1["applicationStatus"], json!("01"));
    // The ID number is in personal_data only, not in the application row.
    let client = store.client().await.unwrap();
    let details: serde_json::Value = client
        .query_one(
            "select to_jsonb(a) from applications a where external_no = 'A-1'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!details.to_string().contains("350104197203050570"));
    let kinds: Vec<String> = client
        .query(
            "select kind from personal_data where owner_id = $1",
            &[&app.id],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(kinds, ["id_number"]);
}

#[tokio::test]
async fn callbacks_of_one_application_are_numbered_in_order() {
    use baohan_store::applications::NewCallback;
    let (store, _database) = harness::store().await;
    let callbacks = [
        NewCallback {
            interface: "ELY102".into(),
            payload: json!({"applicationStatus": "01"}),
        },
        NewCallback {
            interface: "ELY102".into(),
            payload: json!({"applicationStatus": "05"}),
        },
    ];
    store
        .write_application(
            "underwriting",
            Uuid::new_v4(),
            &application("A-2"),
            &callbacks,
        )
        .await
        .unwrap();
    let owed = store.callbacks_for("ely-demo", "A-2").await.unwrap();
    let statuses: Vec<_> = owed
        .iter()
        .map(|(_, p)| p["applicationStatus"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["01", "05"]);
}
