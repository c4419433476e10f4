//! Publishing with publisher confirms.
//!
//! `publish` returns only after the broker has confirmed the message: for a
//! quorum queue that means a majority of replicas have it on disk. The
//! ingress answers a platform only after that, so an acknowledged request
//! survives a broker restart.
//!
//! One channel carries every publish: lapin pipelines them and the broker
//! confirms in batches, which is what makes confirms cheap under load. When
//! the connection drops, the next publish reconnects (at most one attempt
//! at a time, and not more often than every `RECONNECT_EVERY`); meanwhile
//! publishes fail fast and the caller answers "system busy".

use crate::message::Outgoing;
use crate::{BusError, Topology, connect};
use baohan_telemetry::trace::TraceParent;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::ShortString;
use lapin::{BasicProperties, Channel, Confirmation, Connection};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);
const RECONNECT_EVERY: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct Publisher {
    inner: Arc<Inner>,
}

struct Inner {
    uri: String,
    name: String,
    topology: Topology,
    link: Mutex<Link>,
}

#[derive(Default)]
struct Link {
    live: Option<(Connection, Channel)>,
    last_attempt: Option<Instant>,
}

impl Publisher {
    /// Does not connect yet: a service starts (and reports not-ready) with
    /// the broker down.
    pub fn new(uri: String, name: &str, topology: Topology) -> Publisher {
        Publisher {
            inner: Arc::new(Inner {
                uri,
                name: name.to_owned(),
                topology,
                link: Mutex::new(Link::default()),
            }),
        }
    }

    pub fn topology(&self) -> &Topology {
        &self.inner.topology
    }

    /// A channel in confirm mode, connecting (and declaring the topology)
    /// if there is none.
    async fn channel(&self) -> Result<Channel, BusError> {
        let mut link = self.inner.link.lock().await;
        if let Some((conn, ch)) = &link.live {
            if conn.status().connected() && ch.status().connected() {
                return Ok(ch.clone());
            }
            link.live = None;
        }
        if link
            .last_attempt
            .is_some_and(|t| t.elapsed() < RECONNECT_EVERY)
        {
            return Err(BusError::Unavailable);
        }
        link.last_attempt = Some(Instant::now());
        let conn = connect::open(&self.inner.uri, &self.inner.name).await?;
        let ch = conn.create_channel().await?;
        self.inner.topology.declare(&ch).await?;
        ch.confirm_select(ConfirmSelectOptions::default()).await?;
        tracing::info!(connection = %self.inner.name, "publisher connected");
        link.live = Some((conn, ch.clone()));
        Ok(ch)
    }

    /// For `/readyz`: connected, or able to connect now.
    pub async fn ready(&self) -> bool {
        self.channel().await.is_ok()
    }

    /// Publishes `message` to `exchange` and waits for the broker's confirm.
    /// A message no queue is bound for is an error, not a silent drop.
    pub async fn publish(
        &self,
        exchange: crate::Exchange,
        message: &Outgoing,
        parent: &TraceParent,
    ) -> Result<(), BusError> {
        // Without a channel nothing was sent: say so with `Unavailable`, which
        // callers may treat as "certainly not published".
        let ch = self.channel().await.map_err(|e| {
            if !matches!(e, BusError::Unavailable) {
                tracing::warn!(error = %e, "broker not reachable");
            }
            BusError::Unavailable
        })?;
        let headers = crate::consume::trace_headers(parent);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let properties = BasicProperties::default()
            .with_message_id(ShortString::from(message.id.to_string()))
            .with_type(ShortString::from(message.kind))
            .with_content_type("application/json".into())
            .with_delivery_mode(2) // persistent
            .with_timestamp(now)
            .with_app_id(ShortString::from(self.inner.name.clone()))
            .with_headers(headers);
        let options = BasicPublishOptions {
            mandatory: true,
            ..Default::default()
        };
        let result = async {
            let confirm = ch
                .basic_publish(
                    ShortString::from(self.inner.topology.exchange(exchange)),
                    ShortString::from(message.routing_key.clone()),
                    options,
                    &message.body,
                    properties,
                )
                .await?;
            match tokio::time::timeout(CONFIRM_TIMEOUT, confirm).await {
                Err(_) => Err(BusError::Timeout(CONFIRM_TIMEOUT)),
                Ok(confirmation) => match confirmation? {
                    Confirmation::Ack(None) => Ok(()),
                    Confirmation::Ack(Some(_)) => {
                        Err(BusError::Unroutable(message.routing_key.clone()))
                    }
                    Confirmation::Nack(_) | Confirmation::NotRequested => Err(BusError::Nacked),
                },
            }
        }
        .await;
        if matches!(result, Err(BusError::Amqp(_)) | Err(BusError::Timeout(_))) {
            // The channel may be dead; the next publish finds out and
            // reconnects.
            let mut link = self.inner.link.lock().await;
            if link
                .live
                .as_ref()
                .is_some_and(|(c, ch)| !c.status().connected() || !ch.status().connected())
            {
                link.live = None;
            }
        }
        result
    }

    /// Closes the connection, waiting for nothing: every publish that
    /// returned `Ok` was already confirmed.
    pub async fn close(&self) {
        if let Some((conn, _)) = self.inner.link.lock().await.live.take() {
            let _ = conn.close(200, "shutdown".into()).await;
        }
    }
}
