//! The notifier: consumes `{p}.notifier` (the `callback.*` events the
//! outbox publishes), has each callback sealed by its platform's adapter,
//! POSTs it, and keeps trying on the configured schedule through the delay
//! queues, one application's callbacks at a time, in order.
//!
//! # Layout
//! - [`wire`]: what is kept of an answer (sealing and judging are the
//!   platform's adapter's, `baohan_protocol::adapter`).
//! - [`schedule`]: when to try again, and when to give up.
//! - [`limits`]: each platform's breaker, concurrency and rate.
//! - [`handler`]: one wake-up: the application's callbacks from its head.
//! - this file: the worker (`baohan-worker`: the consumer, the outbox
//!   relay, `/healthz`, `/readyz`, `/metrics` on `notifier.listen`), with
//!   the backlog gauges beside it.

pub mod handler;
pub mod limits;
pub mod schedule;
pub mod wire;

use baohan_bus::WorkQueue;
use baohan_config::Settings;
use baohan_protocol::adapter::Adapters;
use baohan_store::Store;
use baohan_worker::{Base, Spec, Worker};
use handler::Notifier;
use schedule::Schedule;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub use baohan_service::StartError;

/// The notifier on `baohan-worker`, with its backlog gauges beside it.
pub type Application = Worker<Notifier>;

pub async fn build(settings: Settings) -> Result<Application, StartError> {
    let adapters = settings.adapters();
    build_with(settings, adapters).await
}

/// With the adapters given: the settings' platforms and any adapter built
/// outside this workspace (`Adapters::with`).
pub async fn build_with(settings: Settings, adapters: Adapters) -> Result<Application, StartError> {
    baohan_telemetry::install_tls_provider();
    let n = &settings.notifier;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(n.connect_timeout_ms))
        .timeout(Duration::from_millis(n.timeout_ms))
        .user_agent("baohan-notifier")
        // A signed callback carries bank accounts and phones: it goes
        // to the configured URL or nowhere. A 3xx is a failed attempt.
        .redirect(reqwest::redirect::Policy::none())
        .https_only(!insecure_http_allowed(&settings.platforms))
        .build()
        .map_err(|e| StartError::Setting {
            key: "notifier",
            reason: format!("http client: {e}"),
        })?;
    let schedule = Schedule {
        waits: n
            .schedule_secs
            .iter()
            .map(|s| Duration::from_secs(*s))
            .collect(),
        deadline: Duration::from_secs(n.deadline_hours * 3600),
        retry_after_max: Duration::from_secs(n.retry_after_max_secs),
    };
    let limits = limits::Limits::new(limits::Settings {
        failures_to_open: n.breaker_failures,
        probe_every: Duration::from_secs(n.breaker_probe_secs),
        max_in_flight: n.max_in_flight_per_platform,
        max_per_second: n.max_per_second_per_platform,
    });
    // The store publishes through the worker's events publisher: a
    // platform that comes back has its backlog woken through it, and the
    // outbox relay sends what it could not.
    let base = Base::start(
        &settings,
        Spec {
            name: "notifier",
            queue: WorkQueue::Notifier,
            listen: n.listen,
            metric: "baohan_notifier_wakeups_total",
            help: "Callback wake-ups handled, by outcome (done, retry, reject)",
        },
    )
    .await?;
    let (deliveries, latency, breakers, backlog) = metrics(base.registry());
    let store = base.store();
    let notifier = Notifier {
        store: store.clone(),
        adapters,
        http,
        schedule,
        deliveries,
        latency,
        limits,
        breakers,
    };
    Ok(base
        .serve(notifier)
        .alongside(move |shutdown| watch_backlog(store, backlog, shutdown)))
}

/// Whether any platform may be called over plain http (`insecure_http`,
/// which the settings refuse in production); otherwise the client itself
/// refuses anything but https.
fn insecure_http_allowed(platforms: &baohan_config::Platforms) -> bool {
    platforms.all().iter().any(|p| p.insecure_http)
}

/// How often the backlog gauges are refreshed.
const BACKLOG_EVERY: Duration = Duration::from_secs(5);

/// Keeps `baohan_notifier_backlog{state}` current: ready, scheduled, dead,
/// and the oldest pending callback's age in seconds. Every replica reports
/// the same table; take one replica's value, not the sum.
async fn watch_backlog(
    store: Store,
    gauges: baohan_telemetry::metrics::IntGaugeVec,
    shutdown: CancellationToken,
) {
    loop {
        match store.backlog().await {
            Ok(b) => {
                gauges.with_label_values(&["ready"]).set(b.ready);
                gauges.with_label_values(&["scheduled"]).set(b.scheduled);
                gauges.with_label_values(&["dead"]).set(b.dead);
                gauges
                    .with_label_values(&["oldest_pending_seconds"])
                    .set(b.oldest_pending_secs);
            }
            Err(e) => tracing::warn!(error = %e, "backlog gauges"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(BACKLOG_EVERY) => {}
        }
    }
}

/// Built once at start-up from constant names, which are valid: a failure
/// is a typo here, found by any test.
#[allow(clippy::expect_used)]
fn metrics(
    registry: &baohan_telemetry::metrics::Registry,
) -> (
    baohan_telemetry::metrics::IntCounterVec,
    baohan_telemetry::metrics::HistogramVec,
    baohan_telemetry::metrics::IntGaugeVec,
    baohan_telemetry::metrics::IntGaugeVec,
) {
    use baohan_telemetry::metrics::{
        HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, LATENCY_BUCKETS, Opts,
    };
    let deliveries = IntCounterVec::new(
        Opts::new(
            "baohan_notifier_attempts_total",
            "Callback attempts, by platform, interface and outcome",
        ),
        &["platform", "interface", "outcome"],
    )
    .expect("valid metric");
    let latency = HistogramVec::new(
        HistogramOpts::new(
            "baohan_notifier_attempt_seconds",
            "Callback attempt latency",
        )
        .buckets(LATENCY_BUCKETS.to_vec()),
        &["platform"],
    )
    .expect("valid metric");
    let breakers = IntGaugeVec::new(
        Opts::new(
            "baohan_notifier_breaker_state",
            "Each platform's breaker in this replica: 0 closed, 1 open, 2 probing",
        ),
        &["platform"],
    )
    .expect("valid metric");
    let backlog = IntGaugeVec::new(
        Opts::new(
            "baohan_notifier_backlog",
            "Callbacks not delivered: ready, scheduled, dead; and oldest_pending_seconds",
        ),
        &["state"],
    )
    .expect("valid metric");
    registry
        .register(Box::new(deliveries.clone()))
        .expect("registered once");
    registry
        .register(Box::new(breakers.clone()))
        .expect("registered once");
    registry
        .register(Box::new(backlog.clone()))
        .expect("registered once");
    registry
        .register(Box::new(latency.clone()))
        .expect("registered once");
    (deliveries, latency, breakers, backlog)
}
