//! The dead-letter queues, for operators: how deep each is, what is parked
//! in one, and moving it back to its work queue (`baohanctl dlq`).
//!
//! A message lands in `{q}.dead` when its handler rejected it or it passed
//! the delivery limit. Once the cause is fixed (a platform's settings, a
//! bug, an operator's resend), a redrive publishes each parked message
//! again, with its message id, to its work queue through the redeliver
//! exchange, and only then acknowledges it: a crash mid-way leaves a
//! message in both places at worst, which consumers deduplicate.
//!
//! Listing shows metadata only (never bodies, which may hold personal
//! data): it takes messages without acknowledging them and closes the
//! channel, which puts them back.

use crate::consume::RETRIES_HEADER;
use crate::{BusError, Topology, WorkQueue, connect};
use lapin::Confirmation;
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions, ConfirmSelectOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use std::time::{Duration, UNIX_EPOCH};

/// One parked message, as an operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parked {
    pub message_id: String,
    /// The AMQP `type`: `inbound.v1`, `callback.v1`, ...
    pub kind: String,
    /// The routing key it was first published with.
    pub routing_key: String,
    pub platform_id: Option<String>,
    /// For a callback: its id in the store.
    pub callback_id: Option<String>,
    /// Why it died (`rejected`, `delivery_limit`, `expired`) and when.
    pub reason: Option<String>,
    pub died_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a redrive did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Redriven {
    /// Messages taken from the dead-letter queue.
    pub taken: u64,
    /// Of those, confirmed in the work queue and removed from the dead one.
    pub redriven: u64,
}

/// The number of messages in each dead-letter queue.
pub async fn depths(uri: &str, topology: &Topology) -> Result<Vec<(String, u32)>, BusError> {
    let conn = connect::open(uri, "baohan-dlq").await?;
    let ch = conn.create_channel().await?;
    let mut out = Vec::new();
    for q in WorkQueue::ALL {
        let name = topology.dead_queue(q);
        out.push((name.clone(), depth(&ch, &name).await?));
    }
    let _ = conn.close(200, "counted".into()).await;
    Ok(out)
}

/// Up to `limit` messages parked in `queue`'s dead-letter queue, oldest
/// first, left in place.
pub async fn peek(
    uri: &str,
    topology: &Topology,
    queue: WorkQueue,
    limit: usize,
) -> Result<Vec<Parked>, BusError> {
    let conn = connect::open(uri, "baohan-dlq").await?;
    let ch = conn.create_channel().await?;
    let name = topology.dead_queue(queue);
    let total = depth(&ch, &name).await? as usize;
    let mut out = Vec::new();
    while out.len() < total.min(limit) {
        let Some(got) = ch
            .basic_get(ShortString::from(name.clone()), BasicGetOptions::default())
            .await?
        else {
            break;
        };
        out.push(parked(&got.delivery));
    }
    // Unacknowledged: closing the channel returns them all.
    let _ = ch.close(200, "peeked".into()).await;
    let _ = conn.close(200, "peeked".into()).await;
    Ok(out)
}

/// Moves the messages parked in `queue`'s dead-letter queue back to
/// `queue`: as many as it held when the redrive started (what dies again
/// meanwhile waits for the next redrive), calling `progress` after each.
pub async fn redrive(
    uri: &str,
    topology: &Topology,
    queue: WorkQueue,
    mut progress: impl FnMut(Redriven),
) -> Result<Redriven, BusError> {
    let conn = connect::open(uri, "baohan-dlq").await?;
    let ch = conn.create_channel().await?;
    ch.confirm_select(ConfirmSelectOptions::default()).await?;
    let dead = topology.dead_queue(queue);
    let target = topology.queue(queue);
    let total = depth(&ch, &dead).await?;
    let mut done = Redriven::default();
    while done.taken < u64::from(total) {
        let Some(got) = ch
            .basic_get(ShortString::from(dead.clone()), BasicGetOptions::default())
            .await?
        else {
            break;
        };
        done.taken += 1;
        let d = got.delivery;
        // A fresh start: the delay-queue passes and the quorum queue's
        // delivery count of its earlier life do not carry over.
        let mut headers = d.properties.headers().clone().unwrap_or_default();
        let kept: FieldTable = headers
            .inner()
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), RETRIES_HEADER | "x-delivery-count"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
            .into();
        headers = kept;
        let confirm = ch
            .basic_publish(
                ShortString::from(topology.redeliver_exchange()),
                ShortString::from(target.clone()),
                BasicPublishOptions {
                    mandatory: true,
                    ..Default::default()
                },
                &d.data,
                d.properties.clone().with_headers(headers),
            )
            .await?;
        match confirm.await? {
            Confirmation::Ack(None) => {
                ch.basic_ack(d.delivery_tag, BasicAckOptions::default())
                    .await?;
                done.redriven += 1;
                progress(done);
            }
            other => {
                ch.basic_nack(
                    d.delivery_tag,
                    BasicNackOptions {
                        requeue: true,
                        ..Default::default()
                    },
                )
                .await?;
                let _ = conn.close(200, "redrive failed".into()).await;
                return Err(match other {
                    Confirmation::Ack(Some(_)) => BusError::Unroutable(target),
                    _ => BusError::Nacked,
                });
            }
        }
    }
    let _ = conn.close(200, "redriven".into()).await;
    Ok(done)
}

async fn depth(ch: &lapin::Channel, queue: &str) -> Result<u32, BusError> {
    let q = ch
        .queue_declare(
            ShortString::from(queue.to_owned()),
            QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?;
    Ok(q.message_count())
}

fn parked(d: &lapin::message::Delivery) -> Parked {
    let text = |v: &AMQPValue| match v {
        AMQPValue::LongString(s) => std::str::from_utf8(s.as_bytes()).ok().map(str::to_owned),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    };
    let headers = d.properties.headers().clone().unwrap_or_default();
    // x-death: newest death first; each has the queue, reason, time and
    // the routing keys the message had.
    let death = match headers.inner().get("x-death") {
        Some(AMQPValue::FieldArray(a)) => a.as_slice().first().and_then(|v| match v {
            AMQPValue::FieldTable(t) => Some(t.clone()),
            _ => None,
        }),
        _ => None,
    };
    let field = |name: &str| death.as_ref().and_then(|t| t.inner().get(name).cloned());
    let routing_key = match field("routing-keys") {
        Some(AMQPValue::FieldArray(a)) => a.as_slice().first().and_then(text),
        _ => None,
    }
    .unwrap_or_else(|| d.routing_key.as_str().to_owned());
    let died_at = match field("time") {
        Some(AMQPValue::Timestamp(t)) => {
            Some(chrono::DateTime::from(UNIX_EPOCH + Duration::from_secs(t)))
        }
        _ => None,
    };
    let body: serde_json::Value = serde_json::from_slice(&d.data).unwrap_or_default();
    let body_text = |k: &str| body["body"][k].as_str().map(str::to_owned);
    Parked {
        message_id: d
            .properties
            .message_id()
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        kind: d
            .properties
            .kind()
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        routing_key,
        platform_id: body_text("platform_id"),
        callback_id: body_text("callback_id"),
        reason: field("reason").as_ref().and_then(text),
        died_at,
    }
}
