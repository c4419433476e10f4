//! Underwriting: consumes baohanapply, ELY101 and giveupnotice from the
//! `underwriting` queue, decides by the rules and the tariff, and records
//! the application with the callbacks it owes, once per command.
//!
//! # Layout
//! - [`decide`]: from a typed request to the decision, the row and the
//!   callbacks (pure; unit-tested).
//! - [`handler`]: one command, handled; the consume loop is the bus's.
//! - this file: the service: the consumer, and `/healthz`, `/readyz`,
//!   `/metrics` on `workers.listen`.

pub mod decide;
pub mod handler;

use baohan_bus::consume::{self, ConsumerConfig};
use baohan_bus::{Publisher, Topology, WorkQueue, connect};
use baohan_config::Settings;
use baohan_store::Store;
use handler::Underwriter;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] baohan_store::StoreError),
    #[error(transparent)]
    Bus(#[from] baohan_bus::BusError),
}

/// How often unpublished outbox events are swept up.
const RELAY_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Application {
    listener: TcpListener,
    registry: baohan_telemetry::metrics::Registry,
    consumer: ConsumerConfig,
    underwriter: Arc<Underwriter>,
    /// For `/readyz`: connected to the broker, or able to connect.
    probe: Publisher,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Application, StartError> {
        let uri = connect::uri(&settings.broker)?;
        let topology = Topology::new(&settings.broker);
        let events = Publisher::new(uri.clone(), "baohan-underwriting-events", topology.clone());
        let store = Store::connect(&settings.database)?.publishing_to(events.clone());
        baohan_store::migrate::migrate(&store).await?;
        let addr = settings.workers.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Listen { addr, source })?;
        let (registry, outcomes) = metrics();
        Ok(Application {
            listener,
            registry,
            consumer: ConsumerConfig {
                uri: uri.clone(),
                name: "baohan-underwriting".into(),
                queue: WorkQueue::Underwriting,
                prefetch: settings.broker.prefetch,
                topology: topology.clone(),
            },
            underwriter: Arc::new(Underwriter {
                store,
                underwriting: settings.underwriting,
                institution: settings.institution.name,
                portal_base_url: settings.ingress.portal_base_url,
                outcomes,
            }),
            probe: events,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }
}

/// Runs until `shutdown`, then finishes the work in flight.
impl baohan_telemetry::service::Service for Application {
    async fn run_until_stopped(self, shutdown: CancellationToken) {
        let store = self.underwriter.store.clone();
        let store_for_relay = store.clone();
        let probe = self.probe.clone();
        let check = store.readiness(probe);
        let server = warp::serve(baohan_telemetry::probes::routes(
            check,
            self.registry.clone(),
        ))
        .incoming(self.listener)
        .graceful(shutdown.clone().cancelled_owned())
        .run();
        tracing::info!("underwriting consuming");
        tokio::join!(
            server,
            consume::run(self.consumer, self.underwriter, shutdown.clone()),
            baohan_store::outbox::run_relay(store_for_relay, shutdown, RELAY_EVERY),
        );
        self.probe.close().await;
        tracing::info!("underwriting stopped");
    }
}

/// The commands handled, by outcome. Built once at start-up from constant
/// names, which are valid: a failure is a typo here, found by any test.
#[allow(clippy::expect_used)]
fn metrics() -> (
    baohan_telemetry::metrics::Registry,
    baohan_telemetry::metrics::IntCounterVec,
) {
    use baohan_telemetry::metrics::{IntCounterVec, Opts, Registry};
    let registry = Registry::new();
    let outcomes = IntCounterVec::new(
        Opts::new(
            "baohan_underwriting_commands_total",
            "Commands handled, by outcome (done, retry, reject)",
        ),
        &["outcome"],
    )
    .expect("valid metric");
    registry
        .register(Box::new(outcomes.clone()))
        .expect("registered once");
    (registry, outcomes)
}
