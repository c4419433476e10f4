//! The consumer harness every worker runs.
//!
//! A worker writes one [`Handler`]: a plain async function from a message
//! to an [`Outcome`], which tests call directly. This loop does the rest:
//! prefetch, concurrent handling, batched acks (see [`crate::ack`]),
//! retries through the delay queues, dead-lettering, a graceful stop on
//! cancellation that finishes the messages in flight, and reconnection with
//! backoff when the broker goes away.
//!
//! Delivery is at least once: a message in flight when the connection drops
//! comes again. Handlers make that harmless by recording the message id in
//! the same transaction as the effect (`baohan_store::processed`).

use crate::ack::AckWindow;
use crate::{BusError, Topology, WorkQueue, connect};
use backon::{BackoffBuilder, ExponentialBuilder};
use baohan_telemetry::otlp;
use baohan_telemetry::trace::{self, TraceParent};
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions,
    BasicPublishOptions, BasicQosOptions, BasicRejectOptions, ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How many times a message has been sent through the delay queues.
pub const RETRIES_HEADER: &str = "x-baohan-retries";

/// A delivery, as a handler sees it.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The AMQP `message_id`: the idempotency key.
    pub id: Uuid,
    pub routing_key: String,
    pub body: Vec<u8>,
    /// Passes through the delay queues so far.
    pub retries: u32,
    /// The publisher's span: this delivery's span is its child, and what
    /// the handler publishes continues the trace.
    pub trace: TraceParent,
    properties: BasicProperties,
}

impl Incoming {
    /// A delivery made here rather than received: for a handler driven
    /// directly (tests, tools), as if first delivered.
    pub fn new(id: Uuid, routing_key: &str, body: Vec<u8>) -> Incoming {
        Incoming {
            id,
            routing_key: routing_key.to_owned(),
            body,
            retries: 0,
            trace: TraceParent::root(),
            properties: BasicProperties::default(),
        }
    }
}

/// What the handler decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Applied (or applied before): acknowledge.
    Done,
    /// Failed for a reason that may pass (database down, platform busy):
    /// try again after the next delay level, dead-letter after the last.
    Retry(String),
    /// Can never succeed: dead-letter now, for an operator to look at.
    Reject(String),
    /// Try again after about this long (the first delay level at least as
    /// long, or the longest). The handler owns the schedule and its end:
    /// this never dead-letters by itself.
    RetryAfter(Duration, String),
}

pub trait Handler: Send + Sync + 'static {
    fn handle(&self, message: Incoming) -> impl Future<Output = Outcome> + Send;
}

#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    pub uri: String,
    /// The connection name shown in the management UI.
    pub name: String,
    pub queue: WorkQueue,
    pub prefetch: u16,
    pub topology: Topology,
}

/// Consumes until `shutdown` is cancelled, reconnecting as needed. Returns
/// after the messages in flight are finished and acknowledged.
pub async fn run<H: Handler>(config: ConsumerConfig, handler: Arc<H>, shutdown: CancellationToken) {
    let backoff = || {
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(30))
            .with_jitter()
            .without_max_times()
            .build()
    };
    let mut delays = backoff();
    while !shutdown.is_cancelled() {
        let started = Instant::now();
        match session(&config, &handler, &shutdown).await {
            Ok(()) => return,
            Err(e) => {
                // A session that ran a while was healthy: start the backoff
                // over rather than waiting the long delays of an old outage.
                if started.elapsed() > Duration::from_secs(60) {
                    delays = backoff();
                }
                let wait = delays.next().unwrap_or(Duration::from_secs(30));
                tracing::warn!(queue = config.queue.name(), error = %e, ?wait, "consumer lost the broker; reconnecting");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.cancelled() => return,
                }
            }
        }
    }
}

struct Finished {
    tag: u64,
    outcome: Outcome,
    message: Incoming,
}

async fn session<H: Handler>(
    config: &ConsumerConfig,
    handler: &Arc<H>,
    shutdown: &CancellationToken,
) -> Result<(), BusError> {
    let conn = connect::open(&config.uri, &config.name).await?;
    let ch = conn.create_channel().await?;
    config.topology.declare(&ch).await?;
    ch.basic_qos(config.prefetch.max(1), BasicQosOptions::default())
        .await?;
    // Retries are published on a channel of their own, in confirm mode, so
    // that the original is acked only once its retry is safe.
    let retry_ch = conn.create_channel().await?;
    retry_ch
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let queue = config.topology.queue(config.queue);
    let tag = format!("{}-{}", config.name, Uuid::new_v4().simple());
    let mut consumer = ch
        .basic_consume(
            ShortString::from(queue.clone()),
            ShortString::from(tag.clone()),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    tracing::info!(queue = %queue, "consuming");

    let (done_tx, mut done_rx) = mpsc::channel::<Finished>(usize::from(config.prefetch.max(1)));
    let mut window = AckWindow::default();
    let mut in_flight = 0usize;
    let mut stopping = false;
    loop {
        if stopping && in_flight == 0 {
            flush(&ch, &mut window).await?;
            let _ = ch.close(200, "shutdown".into()).await;
            let _ = conn.close(200, "shutdown".into()).await;
            tracing::info!(queue = %queue, "consumer stopped");
            return Ok(());
        }
        tokio::select! {
            _ = shutdown.cancelled(), if !stopping => {
                // Stop new deliveries; the ones already here are finished.
                stopping = true;
                ch.basic_cancel(ShortString::from(tag.clone()), BasicCancelOptions::default()).await?;
            }
            next = consumer.next(), if !stopping => {
                let delivery = match next {
                    Some(Ok(d)) => d,
                    Some(Err(e)) => return Err(e.into()),
                    None => return Err(BusError::Unavailable),
                };
                let tag = delivery.delivery_tag;
                window.delivered(tag);
                match incoming(delivery) {
                    Ok(message) => {
                        in_flight += 1;
                        spawn_handler(handler.clone(), message, tag, done_tx.clone());
                    }
                    Err(why) => {
                        tracing::error!(queue = %queue, why, "unreadable message; dead-lettering");
                        window.settled(tag);
                        ch.basic_reject(tag, BasicRejectOptions { requeue: false }).await?;
                    }
                }
            }
            Some(first) = done_rx.recv() => {
                // Settle everything that is ready, then ack it in one go.
                let mut batch = vec![first];
                while let Ok(more) = done_rx.try_recv() {
                    batch.push(more);
                }
                for f in batch {
                    in_flight -= 1;
                    settle(config, &ch, &retry_ch, &mut window, f).await?;
                }
                flush(&ch, &mut window).await?;
            }
        }
    }
}

fn spawn_handler<H: Handler>(
    handler: Arc<H>,
    message: Incoming,
    tag: u64,
    done: mpsc::Sender<Finished>,
) {
    let span = tracing::info_span!("handle", message_id = %message.id, trace_id = %message.trace.trace_id());
    otlp::set_parent(&span, &message.trace);
    let work = async move {
        let task = {
            let handler = handler.clone();
            let message = message.clone();
            // The handler's own span work (publishes, queries) belongs to
            // this delivery's span.
            let handling = async move { handler.handle(message).await };
            tokio::spawn(tracing::Instrument::instrument(
                handling,
                tracing::Span::current(),
            ))
        };
        // A panicking handler must still settle its delivery, or the
        // consumer would wait for it forever at shutdown.
        let outcome = task
            .await
            .unwrap_or_else(|_| Outcome::Retry("handler panicked".into()));
        let _ = done
            .send(Finished {
                tag,
                outcome,
                message,
            })
            .await;
    };
    tokio::spawn(tracing::Instrument::instrument(work, span));
}

async fn settle(
    config: &ConsumerConfig,
    ch: &Channel,
    retry_ch: &Channel,
    window: &mut AckWindow,
    f: Finished,
) -> Result<(), BusError> {
    match f.outcome.clone() {
        Outcome::Done => window.done(f.tag),
        Outcome::Reject(why) => {
            tracing::warn!(message_id = %f.message.id, why, "rejected; dead-lettering");
            window.settled(f.tag);
            ch.basic_reject(f.tag, BasicRejectOptions { requeue: false })
                .await?;
        }
        Outcome::Retry(why) => {
            let level = f.message.retries as usize;
            park(
                config,
                ch,
                retry_ch,
                window,
                &f,
                config.topology.delay(level),
                &why,
            )
            .await?;
        }
        Outcome::RetryAfter(after, why) => {
            let level = config.topology.delay_at_least(after);
            park(config, ch, retry_ch, window, &f, level, &why).await?;
        }
    }
    Ok(())
}

/// Parks a message in delay level `level`, or dead-letters it when there
/// is none.
async fn park(
    config: &ConsumerConfig,
    ch: &Channel,
    retry_ch: &Channel,
    window: &mut AckWindow,
    f: &Finished,
    level: Option<String>,
    why: &str,
) -> Result<(), BusError> {
    match level {
        None => {
            tracing::warn!(message_id = %f.message.id, why, "out of retries; dead-lettering");
            window.settled(f.tag);
            ch.basic_reject(f.tag, BasicRejectOptions { requeue: false })
                .await?;
        }
        Some(delay) => match retry(config, retry_ch, &delay, &f.message).await {
            Ok(()) => {
                tracing::info!(message_id = %f.message.id, why, delay, "retrying later");
                window.done(f.tag);
            }
            Err(e) => {
                // Could not park it: hand it back to the queue now.
                tracing::warn!(message_id = %f.message.id, error = %e, "retry publish failed; requeueing");
                window.settled(f.tag);
                ch.basic_nack(
                    f.tag,
                    BasicNackOptions {
                        multiple: false,
                        requeue: true,
                    },
                )
                .await?;
            }
        },
    }
    Ok(())
}

async fn retry(
    config: &ConsumerConfig,
    ch: &Channel,
    delay_exchange: &str,
    message: &Incoming,
) -> Result<(), BusError> {
    let mut headers = message.properties.headers().clone().unwrap_or_default();
    headers.insert(
        RETRIES_HEADER.into(),
        AMQPValue::LongUInt(message.retries.saturating_add(1)),
    );
    let properties = message.properties.clone().with_headers(headers);
    // The routing key is the target queue: the delay queue dead-letters to
    // the redeliver exchange, which routes by it.
    let confirm = ch
        .basic_publish(
            ShortString::from(delay_exchange.to_owned()),
            ShortString::from(config.topology.queue(config.queue)),
            BasicPublishOptions::default(),
            &message.body,
            properties,
        )
        .await?;
    match confirm.await? {
        Confirmation::Ack(_) => Ok(()),
        _ => Err(BusError::Nacked),
    }
}

async fn flush(ch: &Channel, window: &mut AckWindow) -> Result<(), BusError> {
    if let Some(tag) = window.take_ackable() {
        ch.basic_ack(tag, BasicAckOptions { multiple: true })
            .await?;
    }
    Ok(())
}

fn incoming(d: Delivery) -> Result<Incoming, &'static str> {
    let id = d
        .properties
        .message_id()
        .as_ref()
        .and_then(|s| Uuid::parse_str(s.as_str()).ok())
        .ok_or("no message_id, or not a UUID")?;
    let headers = d.properties.headers().clone().unwrap_or_default();
    let header_text = |name: &str| match headers.inner().get(name) {
        Some(AMQPValue::LongString(s)) => std::str::from_utf8(s.as_bytes()).ok().map(str::to_owned),
        Some(AMQPValue::ShortString(s)) => Some(s.as_str().to_owned()),
        _ => None,
    };
    let retries = match headers.inner().get(RETRIES_HEADER) {
        Some(AMQPValue::LongUInt(n)) => *n,
        _ => 0,
    };
    let trace = header_text(trace::HEADER)
        .as_deref()
        .and_then(TraceParent::parse)
        .unwrap_or_else(TraceParent::root);
    Ok(Incoming {
        id,
        routing_key: d.routing_key.as_str().to_owned(),
        body: d.data,
        retries,
        trace,
        properties: d.properties,
    })
}

/// Headers for a message that is published on: the trace continues, from
/// the current span where one is exported.
pub fn trace_headers(parent: &TraceParent) -> FieldTable {
    let mut headers = FieldTable::default();
    headers.insert(
        trace::HEADER.into(),
        AMQPValue::LongString(LongString::from(otlp::outgoing(parent).to_string())),
    );
    headers
}
