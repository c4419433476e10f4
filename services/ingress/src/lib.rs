//! The ingress: where the platforms' calls enter baohan.
//!
//! Each call is verified (sign or envelope), checked against the clock,
//! decrypted and validated by `baohan-protocol`, recorded in the inbound
//! journal, and published as a command with a broker confirm. Only then is
//! it answered. Queries (getbaohaninfo, ELY103, ELY104) are answered from
//! the store.
//!
//! # Layout
//! - [`routes`]: the HTTP surface: limits, content type, timeouts, health.
//! - [`fujian`], [`ely`]: one pipeline per protocol: verify, read, map the
//!   request to the domain's command (`to_command`).
//! - [`checks`]: what the state machines refuse at once, before accepting.
//! - [`accept`]: record, publish `inbound.v2`, confirm; what makes retries
//!   idempotent.
//! - [`queries`]: the synchronous queries.
//! - [`refusal`]: every refusal and its spec code, in one table.
//! - [`pool`]: where SM2, SM4, Base64 of files and PDF checks run: off the
//!   async threads, bounded, "busy" when full.
//! - [`metrics`]: requests by platform, interface and outcome; latency.

pub mod accept;
pub mod checks;
pub mod ely;
pub mod fujian;
pub mod metrics;
pub mod pool;
pub mod queries;
pub mod refusal;
pub mod routes;

use baohan_bus::{Publisher, Topology, connect};
use baohan_config::{Platforms, Settings};
use baohan_store::Store;
use baohan_store::journal::InboundJournal;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Why the ingress could not start.
pub use baohan_service::StartError;

/// Body and time limits, from `[ingress]`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Every route but ELY104.
    pub body: usize,
    /// ELY104, which carries the letter's PDF.
    pub file_body: usize,
    pub timeout: Duration,
}

/// Who may call from where.
pub struct Sources {
    /// Proxies whose `X-Forwarded-For` we believe.
    pub trusted_proxies: Vec<baohan_http::Cidr>,
}

/// What a call was, as far as it got: for metrics and logs.
#[derive(Debug, Default)]
pub struct Seen {
    pub platform: Option<String>,
    pub interface: Option<&'static str>,
    pub repeat: bool,
}

/// What every request handler shares.
pub struct State {
    pub platforms: Platforms,
    pub store: Store,
    /// The inbound journal, written in batches.
    pub journal: InboundJournal,
    pub publisher: Publisher,
    pub limits: Limits,
    pub sources: Sources,
    pub pool: pool::Pool,
    pub metrics: metrics::Metrics,
    portal_base_url: String,
    confirmed: mpsc::UnboundedSender<Uuid>,
    /// The institution's signing certificate: ELY104 accepts only letters
    /// signed with it. `None`: every letter is reported not genuine.
    pub signing_cert: Option<x509_cert::Certificate>,
    /// Signs getbaohaninfo's download URLs; the portal checks them.
    download_key: baohan_masking::Secret,
    download_ttl: Duration,
}

impl State {
    /// A signed download URL for one of an application's files, valid
    /// for `portal.download_ttl_secs` from now.
    pub fn download_url(&self, platform_id: &str, external_no: &str, kind: &str) -> String {
        let expires = chrono::Utc::now().timestamp()
            + i64::try_from(self.download_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        baohan_protocol::links::Link {
            platform_id: platform_id.to_owned(),
            external_no: external_no.to_owned(),
            kind: kind.to_owned(),
            expires,
        }
        .url(&self.portal_base_url, self.download_key.expose().as_bytes())
    }

    /// `{portal_base_url}/pay/{token}`.
    pub fn payurl(&self, token: &str) -> String {
        format!("{}/pay/{token}", self.portal_base_url)
    }

    /// Notes a confirmed command, marked in the journal in batches off the
    /// request path. A mark that is lost costs only a republish of the same
    /// id on an identical retry, which the workers deduplicate.
    pub fn confirmed(&self, id: Uuid) {
        let _ = self.confirmed.send(id);
    }
}

pub struct Application {
    listener: TcpListener,
    state: Arc<State>,
    confirmed: mpsc::UnboundedReceiver<Uuid>,
    http: baohan_http::Limits,
}

impl Application {
    /// Binds the listener and applies the migrations. The broker is not
    /// needed yet: `/readyz` says when it is reachable.
    pub async fn build(settings: Settings) -> Result<Application, StartError> {
        let store = Store::connect(&settings.database)?;
        baohan_store::migrate::migrate(&store).await?;
        let publisher = Publisher::new(
            connect::uri(&settings.broker)?,
            "baohan-ingress",
            Topology::new(&settings.broker),
        );
        let addr = settings.ingress.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Listen { addr, source })?;
        let signing_cert = settings
            .issuance
            .signing_cert
            .as_deref()
            .map(|pem| baohan_pdfsign::cert::parse(pem.as_bytes()))
            .transpose()
            .map_err(|e| StartError::Setting {
                key: "issuance.signing_cert",
                reason: e.to_string(),
            })?;
        let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let (tx, rx) = mpsc::unbounded_channel();
        let state = State {
            platforms: settings.platforms,
            journal: InboundJournal::start(store.clone()),
            store,
            publisher,
            limits: Limits {
                body: to_usize(settings.ingress.max_body_bytes),
                file_body: to_usize(settings.ingress.max_file_body_bytes),
                timeout: Duration::from_secs(settings.ingress.request_timeout_secs.max(1)),
            },
            sources: Sources {
                trusted_proxies: settings.ingress.trusted_proxies.clone(),
            },
            pool: pool::Pool::new(
                settings.ingress.crypto_workers,
                Duration::from_millis(settings.ingress.crypto_wait_ms.max(1)),
            ),
            metrics: metrics::Metrics::new(),
            portal_base_url: settings
                .ingress
                .portal_base_url
                .trim_end_matches('/')
                .to_owned(),
            confirmed: tx,
            signing_cert,
            download_key: settings.portal.download_key.clone(),
            download_ttl: Duration::from_secs(settings.portal.download_ttl_secs.max(60)),
        };
        Ok(Application {
            listener,
            state: Arc::new(state),
            confirmed: rx,
            http: settings.http,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }
}

/// Runs until `shutdown`, then finishes the work in flight.
impl baohan_service::Service for Application {
    async fn run_until_stopped(self, shutdown: CancellationToken) {
        tracing::info!(addr = %self.local_addr(), "ingress listening");
        let marker = tokio::spawn(mark_confirmed(self.state.store.clone(), self.confirmed));
        let publisher = self.state.publisher.clone();
        baohan_http::serve(self.listener, routes::all(self.state), self.http, shutdown).await;
        // The server dropped its state, and with it the last sender: the
        // marker flushes what is left and ends.
        let _ = marker.await;
        publisher.close().await;
        tracing::info!("ingress stopped");
    }
}

/// Whether a call from `client` may be `platform`'s: checked once the
/// platform is known and before any of its crypto. A caller whose address
/// cannot be told is refused where the platform restricts sources.
pub fn admit(
    platform: &baohan_config::Platform,
    client: Option<std::net::IpAddr>,
) -> Result<(), refusal::Refusal> {
    if platform.allowed_sources.is_empty() {
        return Ok(());
    }
    match client {
        Some(ip) if platform.allows_source(ip) => Ok(()),
        Some(ip) => Err(refusal::Refusal::SourceNotAllowed(ip.to_string())),
        None => Err(refusal::Refusal::SourceNotAllowed("(unknown)".into())),
    }
}

/// Marks confirmed commands in the journal, many per statement.
async fn mark_confirmed(store: Store, mut rx: mpsc::UnboundedReceiver<Uuid>) {
    const BATCH: usize = 512;
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        if let Err(e) = store.mark_published(&batch).await {
            tracing::warn!(error = %e, count = batch.len(), "could not mark commands published");
        }
        batch.clear();
    }
}
