//! Replaying the journal into the work queues, after an incident.
//!
//! The `{p}.journal` stream holds every command and event published. To
//! recover a queue (its messages purged, a consumer's effects rolled back
//! from a backup), an operator replays the journal from a moment: each
//! selected message is published again, with its original message id, to
//! the queues its bindings route it to (or to one chosen queue), and to
//! those alone, through the `{p}.redeliver` exchange. Consumers skip what they applied before, so
//! a replay that covers too much is harmless; one that covers too little
//! is the only mistake possible, so the default is everything.
//!
//! Reading stops at the moment the replay started, so that what it
//! republishes (which the journal does not see again, since it does not go
//! through the commands or events exchange) cannot loop.

use crate::topology::BINDINGS;
use crate::{BusError, Exchange, Topology, WorkQueue, connect};
use futures_util::StreamExt;
use lapin::Confirmation;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where in the journal to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum From {
    /// The oldest message the journal still keeps.
    #[default]
    First,
    /// Messages stored at or after this time (the stream's own clock).
    Time(SystemTime),
}

/// What to replay, and where to.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only into this queue. `None`: into every queue the bindings route
    /// each message to, as when it was first published.
    pub queue: Option<WorkQueue>,
    pub from: From,
    /// Messages stored up to this moment; `None`: up to when the replay
    /// started.
    pub until: Option<SystemTime>,
    /// Routing keys matching this topic pattern: `callback.#`,
    /// `ely.ely101`, `application.*`.
    pub kind: Option<String>,
    /// Messages of this platform (`platform_id` in the body).
    pub platform: Option<String>,
    /// Count, publish nothing.
    pub dry_run: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Journal messages read.
    pub read: u64,
    /// Of those, selected (kind, platform, and routed to a chosen queue).
    pub matched: u64,
    /// Deliveries published again, one per target queue (0 in a dry run).
    pub republished: u64,
    /// Selected messages by target queue.
    pub by_queue: std::collections::BTreeMap<String, u64>,
}

/// With no message for this long, the journal has been read to its end.
const IDLE: Duration = Duration::from_secs(2);

/// Replays the selected journal messages into their queues, calling
/// `progress` after each message it republished.
pub async fn replay(
    uri: &str,
    topology: &Topology,
    selection: &Selection,
    mut progress: impl FnMut(&Report),
) -> Result<Report, BusError> {
    let until = secs(selection.until.unwrap_or_else(SystemTime::now));
    let conn = connect::open(uri, "baohan-replay").await?;
    let read = conn.create_channel().await?;
    let write = conn.create_channel().await?;
    topology.declare(&write).await?;
    write
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    // Streams need a prefetch, and acknowledgements to move it on.
    read.basic_qos(500, BasicQosOptions::default()).await?;
    let mut args = FieldTable::default();
    args.insert(
        "x-stream-offset".into(),
        match selection.from {
            From::First => AMQPValue::LongString(LongString::from("first")),
            From::Time(t) => AMQPValue::Timestamp(secs(t)),
        },
    );
    let mut deliveries = read
        .basic_consume(
            ShortString::from(topology.journal()),
            ShortString::from("baohan-replay"),
            BasicConsumeOptions::default(),
            args,
        )
        .await?;
    let exchanges = [Exchange::Commands, Exchange::Events].map(|e| (topology.exchange(e), e));
    let mut report = Report::default();
    loop {
        let next = tokio::time::timeout(IDLE, deliveries.next()).await;
        let delivery = match next {
            Err(_) | Ok(None) => break,
            Ok(Some(d)) => d?,
        };
        delivery.ack(BasicAckOptions::default()).await?;
        if delivery.properties.timestamp().unwrap_or(0) > until {
            break;
        }
        report.read += 1;
        let key = delivery.routing_key.as_str();
        let Some(exchange) = exchanges
            .iter()
            .find(|(name, _)| name.as_str() == delivery.exchange.as_str())
            .map(|(_, e)| *e)
        else {
            continue;
        };
        if selection
            .kind
            .as_deref()
            .is_some_and(|k| !topic_matches(k, key))
        {
            continue;
        }
        if let Some(platform) = &selection.platform {
            let body: serde_json::Value =
                serde_json::from_slice(&delivery.data).unwrap_or_default();
            if body["body"]["platform_id"].as_str() != Some(platform.as_str()) {
                continue;
            }
        }
        let targets: Vec<WorkQueue> = WorkQueue::ALL
            .into_iter()
            .filter(|q| selection.queue.is_none_or(|only| only == *q))
            .filter(|q| routes_to(*q, exchange, key))
            .collect();
        if targets.is_empty() {
            continue;
        }
        report.matched += 1;
        for queue in targets {
            *report.by_queue.entry(topology.queue(queue)).or_default() += 1;
            if selection.dry_run {
                continue;
            }
            let confirm = write
                .basic_publish(
                    ShortString::from(topology.redeliver_exchange()),
                    ShortString::from(topology.queue(queue)),
                    BasicPublishOptions {
                        mandatory: true,
                        ..Default::default()
                    },
                    &delivery.data,
                    delivery.properties.clone(),
                )
                .await?;
            match confirm.await? {
                Confirmation::Ack(None) => {
                    report.republished += 1;
                    progress(&report);
                }
                Confirmation::Ack(Some(_)) => {
                    return Err(BusError::Unroutable(topology.queue(queue)));
                }
                _ => return Err(BusError::Nacked),
            }
        }
    }
    let _ = conn.close(200, "replayed".into()).await;
    Ok(report)
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whether a message published to `exchange` with `key` reaches `queue`,
/// by the bindings in [`BINDINGS`] (AMQP topic matching).
pub fn routes_to(queue: WorkQueue, exchange: Exchange, key: &str) -> bool {
    BINDINGS
        .iter()
        .any(|&(q, ex, pattern)| q == queue && ex == exchange && topic_matches(pattern, key))
}

/// AMQP topic matching: words split on `.`, `*` is one word, `#` is zero
/// or more.
fn topic_matches(pattern: &str, key: &str) -> bool {
    fn go(p: &[&str], k: &[&str]) -> bool {
        match (p.first(), k.first()) {
            (None, None) => true,
            (Some(&"#"), _) => go(&p[1..], k) || (!k.is_empty() && go(p, &k[1..])),
            (Some(&"*"), Some(_)) => go(&p[1..], &k[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &k[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let k: Vec<&str> = key.split('.').collect();
    go(&p, &k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_match_as_amqp_does() {
        assert!(topic_matches("fujian.baohanapply", "fujian.baohanapply"));
        assert!(topic_matches("application.*", "application.paid"));
        assert!(!topic_matches("application.*", "application.paid.late"));
        assert!(!topic_matches("application.*", "application"));
        assert!(topic_matches("callback.#", "callback"));
        assert!(topic_matches("callback.#", "callback.ely102"));
        assert!(topic_matches("callback.#", "callback.a.b"));
        assert!(!topic_matches("callback.#", "callbacks.x"));
    }

    #[test]
    fn commands_and_events_route_to_their_queues() {
        assert!(routes_to(
            WorkQueue::Underwriting,
            Exchange::Commands,
            "ely.ely101"
        ));
        assert!(!routes_to(
            WorkQueue::Underwriting,
            Exchange::Events,
            "ely.ely101"
        ));
        assert!(routes_to(
            WorkQueue::Issuance,
            Exchange::Events,
            "application.paid"
        ));
        assert!(routes_to(
            WorkQueue::Notifier,
            Exchange::Events,
            "callback.ely102"
        ));
        assert!(!routes_to(
            WorkQueue::Claims,
            Exchange::Commands,
            "fujian.baohanapply"
        ));
        for (queue, key) in [
            (WorkQueue::Underwriting, "command.apply"),
            (WorkQueue::Claims, "command.claim"),
            (WorkQueue::Refunds, "command.withdraw"),
            (WorkQueue::Refunds, "command.surrender"),
            (WorkQueue::Refunds, "command.invalidate"),
        ] {
            assert!(routes_to(queue, Exchange::Commands, key), "{key}");
            assert!(!routes_to(WorkQueue::Issuance, Exchange::Commands, key));
        }
    }
}
