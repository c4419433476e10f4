//! What every queue worker (underwriting, issuance, claims, refunds, the
//! notifier) is
//! besides its handler: a store that publishes its outbox events after
//! commit, the consumer of its queue, the outbox relay, and `/healthz`,
//! `/readyz`, `/metrics` with a counter of the messages handled by
//! outcome. A worker's own crate is its handler and its rules.
//!
//! ```text
//! let base = Base::start(&settings, Spec { name: "issuance", queue: WorkQueue::Issuance, .. }).await?;
//! let worker = base.serve(Issuer { store: base.store(), .. });
//! ```

pub mod step;

pub use step::StepError;

use baohan_bus::consume::{self, ConsumerConfig};
use baohan_bus::{Handler, Incoming, Outcome, Publisher, Topology, WorkQueue, connect};
use baohan_config::Settings;
use baohan_store::Store;
use baohan_telemetry::metrics::{IntCounterVec, Opts, Registry};
use futures_util::future::BoxFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use baohan_service::StartError;

/// How often unpublished outbox events are swept up.
const RELAY_EVERY: Duration = Duration::from_secs(5);

/// Which worker: its name (logs, connection), queue, listener and metric.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: &'static str,
    pub queue: WorkQueue,
    pub listen: SocketAddr,
    /// `baohan_underwriting_commands_total`, labelled `outcome`.
    pub metric: &'static str,
    pub help: &'static str,
}

/// A worker before its handler: connected, migrated, listening.
pub struct Base {
    spec: Spec,
    store: Store,
    events: Publisher,
    consumer: ConsumerConfig,
    listener: TcpListener,
    http: baohan_http::Limits,
    registry: Registry,
    outcomes: IntCounterVec,
}

impl Base {
    pub async fn start(settings: &Settings, spec: Spec) -> Result<Base, StartError> {
        let uri = connect::uri(&settings.broker)?;
        let topology = Topology::new(&settings.broker);
        let events = Publisher::new(
            uri.clone(),
            &format!("baohan-{}-events", spec.name),
            topology.clone(),
        );
        let store = Store::connect(&settings.database)?.publishing_to(events.clone());
        baohan_store::migrate::migrate(&store).await?;
        let addr = spec.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Listen { addr, source })?;
        let registry = Registry::new();
        let outcomes = IntCounterVec::new(Opts::new(spec.metric, spec.help), &["outcome"])
            .map_err(|e| StartError::Metric(e.to_string()))?;
        registry
            .register(Box::new(outcomes.clone()))
            .map_err(|e| StartError::Metric(e.to_string()))?;
        Ok(Base {
            consumer: ConsumerConfig {
                uri,
                name: format!("baohan-{}", spec.name),
                queue: spec.queue,
                prefetch: settings.broker.prefetch,
                topology,
            },
            spec,
            store,
            events,
            listener,
            http: settings.http,
            registry,
            outcomes,
        })
    }

    /// The store, publishing what its transactions stage.
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// For a worker's own metrics.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn serve<H: Handler>(self, handler: H) -> Worker<H> {
        let counted = Arc::new(Counted {
            inner: handler,
            outcomes: self.outcomes.clone(),
        });
        Worker {
            base: self,
            handler: counted,
            alongside: Vec::new(),
        }
    }
}

/// A task a worker runs beside its consumer until it stops (the notifier's
/// backlog gauges).
type Alongside = Box<dyn FnOnce(CancellationToken) -> BoxFuture<'static, ()> + Send>;

/// A worker, ready to run.
pub struct Worker<H> {
    base: Base,
    handler: Arc<Counted<H>>,
    alongside: Vec<Alongside>,
}

impl<H: Handler> Worker<H> {
    /// Runs `task` beside the consumer, the relay and the probes; it is
    /// given the shutdown token and awaited before the worker stops.
    pub fn alongside<F>(
        mut self,
        task: impl FnOnce(CancellationToken) -> F + Send + 'static,
    ) -> Self
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.alongside
            .push(Box::new(move |shutdown| Box::pin(task(shutdown))));
        self
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.base
            .listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn handler(&self) -> &H {
        &self.handler.inner
    }
}

impl<H: Handler> baohan_service::Service for Worker<H> {
    async fn run_until_stopped(self, shutdown: CancellationToken) {
        let Worker {
            base,
            handler,
            alongside,
        } = self;
        let extra = futures_util::future::join_all(
            alongside.into_iter().map(|task| task(shutdown.clone())),
        );
        let check = base.store.readiness(base.events.clone());
        let server = baohan_http::serve(
            base.listener,
            baohan_telemetry::probes::standalone(check, base.registry),
            base.http,
            shutdown.clone(),
        );
        tracing::info!(worker = base.spec.name, "consuming");
        tokio::join!(
            server,
            consume::run(base.consumer, handler, shutdown.clone()),
            baohan_store::outbox::run_relay(base.store, shutdown, RELAY_EVERY),
            extra,
        );
        base.events.close().await;
        tracing::info!(worker = base.spec.name, "stopped");
    }
}

/// A handler whose outcomes are counted.
struct Counted<H> {
    inner: H,
    outcomes: IntCounterVec,
}

impl<H: Handler> Handler for Counted<H> {
    async fn handle(&self, message: Incoming) -> Outcome {
        let outcome = self.inner.handle(message).await;
        let label = match &outcome {
            Outcome::Done => "done",
            Outcome::Retry(_) | Outcome::RetryAfter(..) => "retry",
            Outcome::Reject(_) => "reject",
        };
        self.outcomes.with_label_values(&[label]).inc();
        outcome
    }
}
