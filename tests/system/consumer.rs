//! The consumer harness every worker runs, against the real broker: acks,
//! retries through the delay queues, dead-lettering, and a graceful stop
//! that finishes the work in flight.

use crate::harness::{self, TestApp};
use baohan_bus::consume::{self, ConsumerConfig};
use baohan_bus::message::Outgoing;
use baohan_bus::{Exchange, Handler, Incoming, Outcome, Publisher, WorkQueue};
use baohan_telemetry::trace::TraceParent;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Decides by the message body: `retry-once`, `reject`, `slow`, or done.
#[derive(Default)]
pub(crate) struct Script {
    pub(crate) seen: Mutex<HashMap<Uuid, Vec<u32>>>,
}

impl Handler for Script {
    async fn handle(&self, m: Incoming) -> Outcome {
        self.seen
            .lock()
            .unwrap()
            .entry(m.id)
            .or_default()
            .push(m.retries);
        match (m.body.as_slice(), m.retries) {
            (b"retry-once", 0) => Outcome::Retry("first time fails".into()),
            (b"reject", _) => Outcome::Reject("never valid".into()),
            (b"slow", _) => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                Outcome::Done
            }
            _ => Outcome::Done,
        }
    }
}

pub(crate) async fn publish(app: &TestApp, body: &str) -> Uuid {
    let publisher = Publisher::new(app.amqp.clone(), "test-publisher", app.topology.clone());
    let id = Uuid::new_v4();
    let message = Outgoing {
        id,
        kind: "test.v1",
        routing_key: "fujian.claimsnotice".into(),
        body: body.as_bytes().to_vec(),
    };
    publisher
        .publish(Exchange::Commands, &message, &TraceParent::root())
        .await
        .unwrap();
    publisher.close().await;
    id
}

pub(crate) fn config(app: &TestApp) -> ConsumerConfig {
    ConsumerConfig {
        uri: app.amqp.clone(),
        name: "test-claims".into(),
        queue: WorkQueue::Claims,
        prefetch: 8,
        topology: app.topology.clone(),
    }
}

#[tokio::test]
async fn messages_are_acked_retried_after_a_delay_or_dead_lettered() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn_with(|s| s.broker.retry_delays_secs = vec![1]).await;
    let mut done = Vec::new();
    for _ in 0..10 {
        done.push(publish(&app, "ok").await);
    }
    let retried = publish(&app, "retry-once").await;
    let rejected = publish(&app, "reject").await;

    let script = Arc::new(Script::default());
    let shutdown = CancellationToken::new();
    let consumer = tokio::spawn(consume::run(config(&app), script.clone(), shutdown.clone()));
    for _ in 0..100 {
        if script.seen.lock().unwrap().get(&retried).map(Vec::len) == Some(2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
    consumer.await.unwrap();

    let seen = script.seen.lock().unwrap().clone();
    for id in &done {
        assert_eq!(seen[id], vec![0], "handled once");
    }
    assert_eq!(
        seen[&retried],
        vec![0, 1],
        "came back through the delay queue"
    );
    assert_eq!(seen[&rejected], vec![0], "rejected once, not redelivered");
    assert!(app.take(WorkQueue::Claims).await.is_empty(), "all settled");
    let dead = take_dead(&app).await;
    assert_eq!(dead, vec![rejected.to_string()]);
    app.stop().await;
}

#[tokio::test]
async fn a_stop_finishes_and_acks_the_messages_in_flight() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let slow = publish(&app, "slow").await;
    let script = Arc::new(Script::default());
    let shutdown = CancellationToken::new();
    let consumer = tokio::spawn(consume::run(config(&app), script.clone(), shutdown.clone()));
    while !script.seen.lock().unwrap().contains_key(&slow) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Asked to stop while the handler is still sleeping.
    shutdown.cancel();
    consumer.await.unwrap();
    assert!(
        app.take(WorkQueue::Claims).await.is_empty(),
        "the slow message was finished and acknowledged, not left for redelivery"
    );
    app.stop().await;
}

async fn take_dead(app: &TestApp) -> Vec<String> {
    use lapin::options::{BasicAckOptions, BasicGetOptions};
    let conn = baohan_bus::connect::open(&app.amqp, "test").await.unwrap();
    let ch = conn.create_channel().await.unwrap();
    let mut ids = Vec::new();
    while let Some(m) = ch
        .basic_get(
            app.topology.dead_queue(WorkQueue::Claims).into(),
            BasicGetOptions::default(),
        )
        .await
        .unwrap()
    {
        m.delivery.ack(BasicAckOptions::default()).await.unwrap();
        if let Some(id) = m.delivery.properties.message_id() {
            ids.push(id.to_string());
        }
    }
    ids
}
