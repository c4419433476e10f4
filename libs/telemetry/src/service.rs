//! The `main` every service shares: read the settings, start logging,
//! build, run until SIGTERM or ctrl-c. A service's own `main` is its
//! command-line description and one call.

use baohan_config::Settings;
use std::fmt::Display;
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

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
    let _otlp = crate::init(name, &settings.telemetry);
    let service = match build(settings).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "{name} could not start");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = CancellationToken::new();
    tokio::spawn(crate::shutdown_on_signal(shutdown.clone()));
    service.run_until_stopped(shutdown).await;
    ExitCode::SUCCESS
}
