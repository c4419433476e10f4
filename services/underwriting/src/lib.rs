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
use warp::Filter;

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
        let store = Store::connect(&settings.database)?;
        baohan_store::migrate::migrate(&store).await?;
        let uri = connect::uri(&settings.broker)?;
        let topology = Topology::new(&settings.broker);
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
                outcomes,
            }),
            probe: Publisher::new(uri, "baohan-underwriting-probe", topology),
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
        let probe = self.probe.clone();
        let healthz = warp::path!("healthz")
            .and(warp::get())
            .map(|| warp::reply::json(&serde_json::json!({"status": "ok"})));
        let readyz = warp::path!("readyz").and(warp::get()).then(move || {
            let (store, probe) = (store.clone(), probe.clone());
            async move {
                let (broker, database) = tokio::join!(probe.ready(), store.ping());
                let ok = broker && database.is_ok();
                let word = |ok: bool| if ok { "ok" } else { "unreachable" };
                warp::reply::with_status(
                    warp::reply::json(&serde_json::json!({
                        "broker": word(broker), "database": word(database.is_ok())
                    })),
                    if ok {
                        warp::http::StatusCode::OK
                    } else {
                        warp::http::StatusCode::SERVICE_UNAVAILABLE
                    },
                )
            }
        });
        let registry = self.registry.clone();
        let metrics = warp::path!("metrics")
            .and(warp::get())
            .map(move || baohan_telemetry::metrics::render(&registry));
        let server = warp::serve(healthz.or(readyz).or(metrics))
            .incoming(self.listener)
            .graceful(shutdown.clone().cancelled_owned())
            .run();
        tracing::info!("underwriting consuming");
        tokio::join!(
            server,
            consume::run(self.consumer, self.underwriter, shutdown)
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
