//! Logs, trace context and metrics, the same way in every service.
//!
//! # Layout
//! - [`init`]: the `tracing` subscriber (text or JSON lines).
//! - [`trace`]: W3C `traceparent`, carried from the HTTP request through
//!   the AMQP headers, so one trace id follows a request through the queues.
//! - [`otlp`]: the spans, exported over OTLP/HTTP when configured.
//! - [`metrics`]: the Prometheus registry and the text every `/metrics`
//!   serves.
//! - [`probes`]: `/healthz`, `/readyz`, `/metrics`.

pub mod metrics;
pub mod otlp;
pub mod probes;
pub mod trace;

use baohan_config::{LogFormat, Telemetry};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// Every HTTPS client in the process (the notifier's, the OTLP exporter's)
/// uses rustls with ring, as lapin does; reqwest is built without a
/// provider of its own (its default would pull aws-lc), so this installs
/// ring once, before the first client is built. Safe to call again.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Installs the global subscriber: logs, and OTLP export when
/// `otlp_endpoint` is set. Call once, first thing in `main`, and keep the
/// guard until the end. A filter that does not parse falls back to `info`
/// and says so, rather than leaving the service without logs; an exporter
/// that cannot be built is reported and left out.
pub fn init(service: &'static str, settings: &Telemetry) -> otlp::Guard {
    let (directives, bad) = match EnvFilter::try_new(&settings.log) {
        Ok(_) => (settings.log.as_str(), None),
        Err(e) => ("info", Some(e.to_string())),
    };
    // One filter per layer (an EnvFilter cannot be shared): the same
    // directives decide what is logged and what is exported.
    // lapin logs whole AMQP frames at trace level: message bodies, which
    // carry decrypted personal data. Capped here, whatever the setting.
    let filter = || {
        let f = EnvFilter::new(directives);
        match "lapin=debug".parse() {
            Ok(cap) => f.add_directive(cap),
            Err(_) => f,
        }
    };
    let fmt = tracing_subscriber::fmt::layer()
        .with_target(true)
        .with_ansi(false);
    let fmt: Box<dyn Layer<Registry> + Send + Sync> = match settings.log_format {
        LogFormat::Json => Box::new(
            fmt.json()
                .flatten_event(true)
                .with_current_span(true)
                .with_filter(filter()),
        ),
        LogFormat::Text => Box::new(fmt.with_filter(filter())),
    };
    let (otel, guard, otel_error) = if settings.otlp_endpoint.is_empty() {
        (None, otlp::Guard::none(), None)
    } else {
        match otlp::layer(service, &settings.otlp_endpoint) {
            Ok((layer, guard)) => (Some(layer.with_filter(filter())), guard, None),
            Err(e) => (None, otlp::Guard::none(), Some(e)),
        }
    };
    let installed = tracing_subscriber::registry()
        .with(fmt)
        .with(otel)
        .try_init();
    if installed.is_ok() {
        tracing::info!(service, otlp = %settings.otlp_endpoint, "logging started");
    }
    if let Some(e) = bad {
        tracing::warn!(filter = %settings.log, error = %e, "telemetry.log does not parse; using info");
    }
    if let Some(e) = otel_error {
        tracing::error!(endpoint = %settings.otlp_endpoint, error = %e, "OTLP exporter not started");
    }
    guard
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
