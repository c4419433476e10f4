//! OTLP export against a stub collector: spans arrive, in the trace that
//! came in, and what a service passes on names the exported span.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baohan_telemetry::otlp;
use baohan_telemetry::trace::TraceParent;
use bytes::Bytes;
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::SubscriberExt;
use warp::Filter;

/// A collector that keeps every body posted to `/v1/traces`.
async fn stub_collector() -> (String, Arc<Mutex<Vec<(String, Bytes)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    let route = warp::post()
        .and(warp::path!("v1" / "traces"))
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::bytes())
        .map(move |ct: Option<String>, body: Bytes| {
            keep.lock().unwrap().push((ct.unwrap_or_default(), body));
            warp::reply()
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(warp::serve(route).incoming(listener).run());
    (format!("http://{addr}"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_the_collector_in_the_incoming_trace() {
    let (endpoint, seen) = stub_collector().await;
    let incoming =
        TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    let (passed_on, mut guard) = tokio::task::spawn_blocking(move || {
        let (layer, guard) = otlp::layer("baohan-test", &endpoint).unwrap();
        let subscriber = tracing_subscriber::registry().with(layer);
        let passed_on = tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("call");
            otlp::set_parent(&span, &incoming);
            span.in_scope(|| otlp::outgoing(&incoming))
        });
        (passed_on, guard)
    })
    .await
    .unwrap();
    assert_eq!(passed_on.trace_id(), incoming.trace_id());
    assert_ne!(passed_on.span_id(), incoming.span_id());
    tokio::task::spawn_blocking(move || guard.shutdown())
        .await
        .unwrap();

    let bodies = seen.lock().unwrap().clone();
    assert!(!bodies.is_empty(), "the collector received the batch");
    let (content_type, body) = &bodies[0];
    assert_eq!(content_type, "application/x-protobuf");
    let contains = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    assert!(
        contains(b"baohan-test"),
        "the service name is in the resource"
    );
    assert!(
        contains(&incoming.trace_id_bytes()),
        "the span is in the incoming trace"
    );
    assert!(
        contains(&passed_on.span_id_bytes()),
        "and is the one passed on"
    );
    assert!(
        contains(&incoming.span_id_bytes()),
        "with the caller's span as parent"
    );
}

#[test]
fn without_the_exporter_a_new_span_id_is_passed_on_in_the_same_trace() {
    let incoming = TraceParent::root();
    let out = otlp::outgoing(&incoming);
    assert_eq!(out.trace_id(), incoming.trace_id());
    assert_ne!(out.span_id(), incoming.span_id());
}
