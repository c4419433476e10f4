//! OTLP trace export: `tracing` spans become OpenTelemetry spans, sent to
//! a collector over OTLP/HTTP (protobuf) in batches. Off unless
//! `telemetry.otlp_endpoint` is set.
//!
//! The trace ids are the W3C ones of [`crate::trace`]: a span is parented
//! on the `traceparent` that came in (HTTP header or AMQP header), and what
//! a service passes on names the exported span, so one trace in the
//! collector follows a call from the platform through every queue.

use crate::trace::TraceParent;
use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, TracerProvider,
};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::time::Duration;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Flushes and stops the exporter when dropped: keep it alive in `main`.
#[must_use = "dropping the guard stops the export"]
pub struct Guard {
    provider: Option<SdkTracerProvider>,
}

impl Guard {
    pub fn none() -> Guard {
        Guard { provider: None }
    }

    /// Exports what is buffered and stops; also what dropping does.
    pub fn shutdown(&mut self) {
        if let Some(p) = self.provider.take()
            && let Err(e) = p.shutdown()
        {
            tracing::warn!(error = %e, "OTLP exporter did not shut down cleanly");
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The layer that exports spans to `{endpoint}/v1/traces`, and its guard.
pub fn layer<S>(
    service: &'static str,
    endpoint: &str,
) -> Result<
    (
        tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>,
        Guard,
    ),
    String,
>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    crate::install_tls_provider();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .with_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service).build())
        .build();
    let tracer = provider.tracer(service);
    Ok((
        tracing_opentelemetry::layer().with_tracer(tracer),
        Guard {
            provider: Some(provider),
        },
    ))
}

/// Makes `span` a child of `parent` (what came in over HTTP or AMQP).
/// Without the OTLP layer this does nothing.
pub fn set_parent(span: &tracing::Span, parent: &TraceParent) {
    let flags = if parent.sampled() {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    let remote = SpanContext::new(
        TraceId::from_bytes(parent.trace_id_bytes()),
        SpanId::from_bytes(parent.span_id_bytes()),
        flags,
        true,
        TraceState::default(),
    );
    let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote));
}

/// What to pass on from inside the current span: the exported span itself
/// when OTLP is on, so that the next hop is its child; otherwise a new span
/// id in `parent`'s trace.
pub fn outgoing(parent: &TraceParent) -> TraceParent {
    let cx = tracing::Span::current().context();
    let span = cx.span();
    let sc = span.span_context();
    if sc.is_valid() {
        TraceParent::from_parts(
            sc.trace_id().to_bytes(),
            sc.span_id().to_bytes(),
            sc.is_sampled(),
        )
    } else {
        parent.child()
    }
}
