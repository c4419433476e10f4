//! Logs, trace context and metrics, the same way in every service.
//!
//! # Layout
//! - [`init`]: the `tracing` subscriber (text or JSON lines).
//! - [`trace`]: W3C `traceparent`, carried from the HTTP request through
//!   the AMQP headers, so one trace id follows a request through the queues.
//! - [`metrics`]: the Prometheus registry and the text every `/metrics`
//!   serves.

pub mod metrics;
pub mod trace;

use baohan_config::{LogFormat, Telemetry};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Call once, first thing in `main`.
/// A filter that does not parse falls back to `info` and says so, rather
/// than leaving the service without logs.
pub fn init(service: &'static str, settings: &Telemetry) {
    let (filter, bad) = match EnvFilter::try_new(&settings.log) {
        Ok(f) => (f, None),
        Err(e) => (EnvFilter::new("info"), Some(e.to_string())),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_ansi(false);
    let installed = match settings.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
    if installed.is_ok() {
        tracing::info!(service, "logging started");
    }
    if let Some(e) = bad {
        tracing::warn!(filter = %settings.log, error = %e, "telemetry.log does not parse; using info");
    }
    if !settings.otlp_endpoint.is_empty() {
        tracing::warn!(
            endpoint = %settings.otlp_endpoint,
            "OTLP export is not built into this release; trace ids are in the logs"
        );
    }
}

/// Cancels `token` on SIGTERM (what Kubernetes sends) or ctrl-c. Every
/// service's `main` spawns it and passes the token down.
pub async fn shutdown_on_signal(token: tokio_util::sync::CancellationToken) {
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "no SIGTERM handler; ctrl-c only");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutdown requested; finishing work in flight");
    token.cancel();
}
