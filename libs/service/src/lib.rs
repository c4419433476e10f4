//! What every service is at start and stop: the `main` they share (read
//! the settings, start logging, build, run until SIGTERM or ctrl-c), the
//! [`Service`] a build returns, and [`StartError`], why one could not
//! start. A service's own `main` is its command-line description and one
//! call.

use baohan_config::Settings;
use std::fmt::Display;
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

/// Why a service could not start: exit code 1, logged once.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("metric {0}")]
    Metric(String),
    /// A setting that is well-formed but unusable, found at start (a font
    /// that does not load, a certificate that does not match its key).
    #[error("{key}: {reason}")]
    Setting { key: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] baohan_store::StoreError),
    #[error(transparent)]
    Bus(#[from] baohan_bus::BusError),
}

/// A built service, ready to run.
pub trait Service {
    /// Runs until `shutdown` is cancelled, then finishes the work in flight.
    fn run_until_stopped(self, shutdown: CancellationToken) -> impl Future<Output = ()> + Send;
}

/// Exit codes: 2 for a bad configuration (with the file, key and reason on
/// stderr), 1 when the service cannot start, 0 after a clean stop.
pub async fn main<S, E, F, Fut>(name: &'static str, config: Option<PathBuf>, build: F) -> ExitCode
where
    S: Service,
    E: Display,
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = Result<S, E>>,
{
    let path = baohan_config::path_from(config);
    let settings = match Settings::load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{name}: bad configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let _otlp = baohan_telemetry::init(name, &settings.telemetry);
    for d in &settings.deprecations {
        tracing::warn!(config = %path.display(), "configuration: {d}");
    }
    let service = match build(settings).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "{name} could not start");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = CancellationToken::new();
    tokio::spawn(baohan_telemetry::shutdown_on_signal(shutdown.clone()));
    service.run_until_stopped(shutdown).await;
    ExitCode::SUCCESS
}
