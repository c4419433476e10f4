//! The notifier: consumes `{p}.notifier` (the `callback.*` events the
//! outbox publishes), has each callback sealed by its platform's adapter,
//! POSTs
//! it, and keeps trying on the configured schedule through the delay
//! queues, one application's callbacks at a time, in order.
//!
//! # Layout
//! - [`wire`]: what is kept of an answer (sealing and judging are the
//!   platform's adapter's, `baohan_protocol::adapter`).
//! - [`schedule`]: when to try again, and when to give up.
//! - [`limits`]: each platform's breaker, concurrency and rate.
//! - [`handler`]: one wake-up: the application's callbacks from its head.
//! - this file: the service, and `/healthz`, `/readyz`, `/metrics` on
//!   `notifier.listen`.

pub mod handler;
pub mod limits;
pub mod schedule;
pub mod wire;

use baohan_bus::consume::{self, ConsumerConfig};
use baohan_bus::{Publisher, Topology, WorkQueue, connect};
use baohan_config::Settings;
use baohan_store::Store;
use handler::Notifier;
use schedule::Schedule;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("http client: {0}")]
    Http(String),
    #[error(transparent)]
    Store(#[from] baohan_store::StoreError),
    #[error(transparent)]
    Bus(#[from] baohan_bus::BusError),
}

pub struct Application {
    listener: TcpListener,
    http_limits: baohan_http::Limits,
    registry: baohan_telemetry::metrics::Registry,
    backlog: baohan_telemetry::metrics::IntGaugeVec,
    consumer: ConsumerConfig,
    notifier: Arc<Notifier>,
    probe: Publisher,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Application, StartError> {
        let adapters = settings.adapters();
        Application::build_with(settings, adapters).await
    }

    /// With the adapters given: the settings' platforms and any adapter
    /// built outside this workspace (`Adapters::with`).
    pub async fn build_with(
        settings: Settings,
        adapters: baohan_protocol::adapter::Adapters,
    ) -> Result<Application, StartError> {
        baohan_telemetry::install_tls_provider();
        let store = Store::connect(&settings.database)?;
        baohan_store::migrate::migrate(&store).await?;
        let uri = connect::uri(&settings.broker)?;
        let topology = Topology::new(&settings.broker);
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
            .map_err(|e| StartError::Http(e.to_string()))?;
        let schedule = Schedule {
            waits: n
                .schedule_secs
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
            deadline: Duration::from_secs(n.deadline_hours * 3600),
            retry_after_max: Duration::from_secs(n.retry_after_max_secs),
        };
        let addr = n.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Listen { addr, source })?;
        let (registry, deliveries, latency, breakers, backlog) = metrics();
        // Readiness probes the broker with it, and a platform that comes
        // back has its backlog woken through it (the outbox's relay in the
        // workers sends what it could not).
        let publisher = Publisher::new(uri.clone(), "baohan-notifier", topology.clone());
        let limits = limits::Limits::new(limits::Settings {
            failures_to_open: n.breaker_failures,
            probe_every: Duration::from_secs(n.breaker_probe_secs),
            max_in_flight: n.max_in_flight_per_platform,
            max_per_second: n.max_per_second_per_platform,
        });
        Ok(Application {
            listener,
            http_limits: settings.http,
            registry,
            backlog,
            consumer: ConsumerConfig {
                uri: uri.clone(),
                name: "baohan-notifier".into(),
                queue: WorkQueue::Notifier,
                prefetch: settings.broker.prefetch,
                topology: topology.clone(),
            },
            notifier: Arc::new(Notifier {
                store: store.publishing_to(publisher.clone()),
                adapters,
                http,
                schedule,
                deliveries,
                latency,
                limits,
                breakers,
            }),
            probe: publisher,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }
}

impl baohan_telemetry::service::Service for Application {
    async fn run_until_stopped(self, shutdown: CancellationToken) {
        let store = self.notifier.store.clone();
        let probe = self.probe.clone();
        let check = store.readiness(probe);
        let server = baohan_http::serve(
            self.listener,
            baohan_telemetry::probes::standalone(check, self.registry.clone()),
            self.http_limits,
            shutdown.clone(),
        );
        tracing::info!("notifier consuming");
        let gauges = watch_backlog(self.notifier.store.clone(), self.backlog, shutdown.clone());
        tokio::join!(
            server,
            consume::run(self.consumer, self.notifier, shutdown),
            gauges
        );
        self.probe.close().await;
        tracing::info!("notifier stopped");
    }
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
fn metrics() -> (
    baohan_telemetry::metrics::Registry,
    baohan_telemetry::metrics::IntCounterVec,
    baohan_telemetry::metrics::HistogramVec,
    baohan_telemetry::metrics::IntGaugeVec,
    baohan_telemetry::metrics::IntGaugeVec,
) {
    use baohan_telemetry::metrics::{
        HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, LATENCY_BUCKETS, Opts, Registry,
    };
    let registry = Registry::new();
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
    registry
        .register(Box::new(deliveries.clone()))
        .expect("registered once");
    let backlog = IntGaugeVec::new(
        Opts::new(
            "baohan_notifier_backlog",
            "Callbacks not delivered: ready, scheduled, dead; and oldest_pending_seconds",
        ),
        &["state"],
    )
    .expect("valid metric");
    registry
        .register(Box::new(breakers.clone()))
        .expect("registered once");
    registry
        .register(Box::new(backlog.clone()))
        .expect("registered once");
    registry
        .register(Box::new(latency.clone()))
        .expect("registered once");
    (registry, deliveries, latency, breakers, backlog)
}
