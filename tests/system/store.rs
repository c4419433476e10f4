//! The store: migrations and the inbound journal's idempotency.

use crate::harness;
use baohan_store::inbound::{NewInbound, Recorded};
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn migrations_apply_once_even_when_replicas_start_together() {
    let settings = harness::settings().await;
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
        vec![1, 2],
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
    let store = harness::store().await;
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
    let store = harness::store().await;
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
    let store = harness::store().await;
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
    let store = harness::store().await;
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
