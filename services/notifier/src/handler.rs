//! One wake-up, handled: the application's callbacks delivered from its
//! head, in order, until one fails or none is left.
//!
//! A message names a callback, but the notifier works on its application:
//! whoever holds the application delivers its head and goes on to the
//! next. A failure parks the message in the delay queue that matches the
//! schedule, so the retry survives any restart; a callback past its
//! deadline is marked dead and the message dead-lettered.

use crate::limits::{Admit, Limits};
use crate::schedule::Schedule;
use crate::wire;
use baohan_bus::{Event, Handler, Incoming, Outcome};
use baohan_protocol::adapter::{Adapter, Adapters, Prepared, Verdict};
use baohan_protocol::notices::Owed;
use baohan_store::Store;
use baohan_store::delivery::{Attempt, Due, Next, Step};
use baohan_telemetry::metrics::{HistogramVec, IntCounterVec, IntGaugeVec};
use chrono::Utc;
use std::time::Duration;
use tokio::time::Instant;

/// The largest answer read from a platform.
const MAX_ANSWER: usize = 64 << 10;

pub struct Notifier {
    pub store: Store,
    /// Each platform's adapter: seals its callbacks, judges its answers.
    pub adapters: Adapters,
    pub http: reqwest::Client,
    pub schedule: Schedule,
    /// Attempts by platform, interface and outcome.
    pub deliveries: IntCounterVec,
    /// Attempt latency by platform.
    pub latency: HistogramVec,
    /// Breakers, concurrency and rate, per platform.
    pub limits: Limits,
    /// Breaker state by platform: 0 closed, 1 open, 2 probing.
    pub breakers: IntGaugeVec,
}

impl Handler for Notifier {
    async fn handle(&self, message: Incoming) -> Outcome {
        let event: Event = match serde_json::from_slice(&message.body) {
            Ok(e) => e,
            Err(e) => return Outcome::Reject(format!("not an event: {e}")),
        };
        let Event::Callback(due) = event else {
            return Outcome::Reject("not a callback event".into());
        };
        let Ok(adapter) = self.adapters.get(&due.platform_id) else {
            return Outcome::Reject(format!("unknown platform {}", due.platform_id));
        };
        self.drain(&due.platform_id, adapter, &due.subject).await
    }
}

impl Notifier {
    /// Delivers the application's callbacks from its head.
    pub async fn drain(&self, id: &str, adapter: &dyn Adapter, subject: &str) -> Outcome {
        loop {
            // The breaker is asked once the slot is ours: attempts queued
            // for a slot when it opened must not go.
            let permit = self.limits.slot(id).await;
            let admit = self.limits.admit(id, Instant::now());
            if let Admit::Wait(wait) = admit {
                return Outcome::RetryAfter(wait, format!("breaker open for {id}"));
            }
            let step = self
                .store
                .deliver_head(id, subject, |due| self.attempt(id, adapter, due))
                .await;
            drop(permit);
            match &step {
                Ok(Step::Attempted {
                    next: next @ (Next::Delivered | Next::RetryAt(_)),
                    ..
                }) => {
                    let (state, recovered) =
                        self.limits
                            .record(id, *next == Next::Delivered, Instant::now());
                    self.breakers.with_label_values(&[id]).set(state.gauge());
                    if recovered {
                        self.platform_is_back(id).await;
                    }
                }
                _ if admit == Admit::Probe => self.limits.abandon_probe(id, Instant::now()),
                _ => {}
            }
            let until =
                |at: chrono::DateTime<Utc>| (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            return match step {
                Err(e) if e.is_transient() => Outcome::Retry(e.to_string()),
                Err(e) => Outcome::Reject(e.to_string()),
                // Whoever holds it goes on to the rest; a dead head waits
                // for an operator's resend, which wakes it again.
                Ok(Step::Busy | Step::Empty | Step::Held(_)) => Outcome::Done,
                Ok(Step::NotDue(at)) => Outcome::RetryAfter(until(at), "not due yet".into()),
                Ok(Step::Attempted {
                    next: Next::Delivered,
                    ..
                }) => continue,
                Ok(Step::Attempted {
                    id,
                    next: Next::RetryAt(at),
                }) => Outcome::RetryAfter(until(at), format!("callback {id} failed")),
                Ok(Step::Attempted {
                    id,
                    next: Next::Dead,
                }) => Outcome::Reject(format!("callback {id} is dead")),
            };
        }
    }

    /// A probe got through after an outage: every callback the platform
    /// is owed becomes due now and each application is woken, instead of
    /// waiting out the schedule's long waits. The drain that follows goes
    /// through the same limits as everything else.
    async fn platform_is_back(&self, platform: &str) {
        match self.store.all_due_now(platform).await {
            Ok(woken) => {
                tracing::info!(
                    platform,
                    applications = woken,
                    "platform is back: its backlog is due now"
                );
            }
            // The schedule still delivers them, later.
            Err(e) => tracing::warn!(platform, error = %e, "platform is back, backlog not woken"),
        }
    }

    async fn attempt(&self, platform: &str, adapter: &dyn Adapter, due: Due) -> Attempt {
        let started_at = Utc::now();
        let clock = Instant::now();
        let owed = Owed {
            interface: due.interface.clone(),
            payload: due.payload.clone(),
        };
        let request = match adapter.seal(&owed, started_at) {
            Ok(r) => r,
            // A payload that cannot be sealed never will be: dead at once,
            // for an operator.
            Err(e) => {
                tracing::error!(callback = %due.id, platform, error = %e, "callback cannot be sent");
                return Attempt {
                    started_at,
                    duration_ms: 0,
                    http_status: None,
                    outcome: "error",
                    detail: Some(e.to_string()),
                    next: Next::Dead,
                };
            }
        };
        let (outcome, http_status, detail, retry_after) =
            self.send(platform, adapter, request).await;
        let elapsed = clock.elapsed();
        self.latency
            .with_label_values(&[platform])
            .observe(elapsed.as_secs_f64());
        self.deliveries
            .with_label_values(&[platform, &due.interface, outcome])
            .inc();
        let next = if outcome == "delivered" {
            Next::Delivered
        } else {
            self.schedule
                .after_failure(due.tries + 1, due.since, Utc::now(), retry_after, jitter())
        };
        if next != Next::Delivered {
            tracing::warn!(callback = %due.id, platform, interface = %due.interface, outcome, ?next, "callback attempt failed");
        }
        Attempt {
            started_at,
            duration_ms: i32::try_from(elapsed.as_millis()).unwrap_or(i32::MAX),
            http_status,
            outcome,
            detail,
            next,
        }
    }

    /// POSTs and classifies: `(outcome, http status, detail, Retry-After)`.
    async fn send(
        &self,
        platform: &str,
        adapter: &dyn Adapter,
        request: Prepared,
    ) -> (&'static str, Option<i32>, Option<String>, Option<Duration>) {
        let sent = self
            .http
            .post(&request.url)
            .header("content-type", "application/json")
            .body(request.body)
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => {
                let class = if e.is_timeout() {
                    "timeout"
                } else if e.is_connect() {
                    "connect"
                } else {
                    "error"
                };
                return (class, None, Some(transport(&e)), None);
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if body.len() + chunk.len() <= MAX_ANSWER => {
                    body.extend_from_slice(&chunk)
                }
                Ok(Some(_)) => {
                    return (
                        "unreadable",
                        Some(i32::from(status.as_u16())),
                        Some("answer too large".into()),
                        retry_after,
                    );
                }
                Ok(None) => break,
                Err(e) => {
                    let class = if e.is_timeout() { "timeout" } else { "error" };
                    return (
                        class,
                        Some(i32::from(status.as_u16())),
                        Some(transport(&e)),
                        retry_after,
                    );
                }
            }
        }
        let http_status = Some(i32::from(status.as_u16()));
        if status.is_redirection() {
            // Not followed: where it points is logged, nothing is sent there.
            let location = response
                .headers()
                .get("location")
                .map(|v| wire::excerpt(v.as_bytes()))
                .unwrap_or_default();
            tracing::warn!(platform, status = status.as_u16(), %location, "callback answered with a redirect; not followed");
            return (
                "redirect",
                http_status,
                Some(format!("redirect to {location}, not followed")),
                retry_after,
            );
        }
        if !status.is_success() {
            return (
                "http_status",
                http_status,
                Some(wire::excerpt(&body)),
                retry_after,
            );
        }
        match adapter.judge(&body) {
            Verdict::Delivered => ("delivered", http_status, None, None),
            Verdict::Refused(why) => (
                "refused",
                http_status,
                Some(wire::excerpt(why.as_bytes())),
                retry_after,
            ),
            Verdict::Unreadable(why) => (
                "unreadable",
                http_status,
                Some(format!("{why}: {}", wire::excerpt(&body))),
                retry_after,
            ),
        }
    }
}

/// A transport error, without the URL's query (none is sent) or a body.
fn transport(e: &reqwest::Error) -> String {
    wire::excerpt(e.to_string().as_bytes())
}

/// A fraction in [0, 1) from the system's randomness.
fn jitter() -> f64 {
    (uuid::Uuid::new_v4().as_u128() % 1000) as f64 / 1000.0
}
