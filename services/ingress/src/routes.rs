//! The HTTP surface.
//!
//! - `POST /fujian/{interface}` and `POST /ely`: platform calls. They are
//!   always answered `200` with the spec's JSON, failures included: the
//!   platforms' SDKs read `code`, and many treat any other status as a
//!   transport error and retry blindly.
//! - `GET /healthz` (alive), `GET /readyz` (broker and database reachable),
//!   `GET /metrics` (Prometheus text).
//! - Anything else: `404`/`405` with a JSON message, never a bare error.

use crate::refusal::Refusal;
use crate::{Seen, State};
use baohan_protocol::ely::Transcode;
use baohan_protocol::ely::peek::peek_head;
use baohan_protocol::wire::{Value, WireMessage};
use baohan_telemetry::trace::{self, TraceParent};
use bytes::Buf;
use futures_util::Stream;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;
use warp::http::{HeaderMap, StatusCode};
use warp::{Filter, Rejection, Reply};

/// Which pipeline a platform call takes.
enum Route {
    Fujian(String),
    Ely,
}

pub fn all(
    state: Arc<State>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Infallible> + Clone {
    // The same `/healthz`, `/readyz` and `/metrics` as every service.
    let probes = baohan_telemetry::probes::routes(
        state.store.readiness(state.publisher.clone()),
        state.metrics.registry(),
    );
    let with_state = warp::any().map(move || state.clone());
    // Raw headers: a value that is not visible ASCII must still get the
    // spec's JSON answer, not a routing rejection.
    let call_headers = warp::header::headers_cloned().and(baohan_http::peer()).map(
        |h: HeaderMap, peer: Option<SocketAddr>| {
            let text = |name: &str| {
                h.get(name)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            };
            // Every line, in order: a proxy may add a line of its own
            // rather than append to the caller's.
            let forwarded: Vec<String> = h
                .get_all("x-forwarded-for")
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            Headers {
                content_type: text("content-type"),
                traceparent: text(trace::HEADER),
                forwarded_for: (!forwarded.is_empty()).then(|| forwarded.join(",")),
                peer,
            }
        },
    );
    // Path before method, so that an unknown path is a 404 rather than a
    // 405 from the first POST route it was tried against.
    let fujian = warp::path!("fujian" / String)
        .and(warp::post())
        .and(call_headers.clone())
        .and(warp::body::stream())
        .and(with_state.clone())
        .then(|name, headers, body, state| call(state, Route::Fujian(name), headers, body));
    let ely = warp::path!("ely")
        .and(warp::post())
        .and(call_headers)
        .and(warp::body::stream())
        .and(with_state.clone())
        .then(|headers, body, state| call(state, Route::Ely, headers, body));
    fujian
        .or(ely)
        .unify()
        .or(probes)
        .unify()
        .recover(unmatched)
        .unify()
}

/// What a call's handling needs of its headers and connection.
struct Headers {
    content_type: Option<String>,
    traceparent: Option<String>,
    forwarded_for: Option<String>,
    peer: Option<SocketAddr>,
}

async fn call<S, B>(
    state: Arc<State>,
    route: Route,
    headers: Headers,
    body: S,
) -> warp::reply::Response
where
    S: Stream<Item = Result<B, warp::Error>> + Send,
    B: Buf,
{
    let started = Instant::now();
    // The caller's span, or the root of a new trace: our span is its child.
    let trace = headers
        .traceparent
        .as_deref()
        .and_then(TraceParent::parse)
        .unwrap_or_else(TraceParent::root);
    let mut seen = Seen::default();
    // `None`: a caller we cannot place (a forged forwarding header behind
    // a trusted proxy); refused wherever a platform restricts sources.
    let client = headers.peer.and_then(|peer| {
        baohan_http::client_ip(
            peer.ip(),
            headers.forwarded_for.as_deref(),
            &state.sources.trusted_proxies,
        )
    });
    let span = tracing::info_span!("call", trace_id = %trace.trace_id());
    baohan_telemetry::otlp::set_parent(&span, &trace);
    let work = async {
        check_media_type(headers.content_type.as_deref())?;
        match &route {
            Route::Fujian(name) => {
                let bytes = baohan_http::read_limited(body, state.limits.body).await?;
                crate::fujian::handle(&state, name, bytes, client, trace, &mut seen).await
            }
            Route::Ely => {
                // Only ELY104 may be larger than the ordinary limit, and
                // only from where its platform may call: the envelope's
                // head must say both before more is read.
                let (ordinary, file) = (state.limits.body, state.limits.file_body);
                let bytes = baohan_http::read_staged(body, ordinary, |head| {
                    let head = peek_head(head);
                    let admitted = head
                        .appid
                        .and_then(|appid| state.platforms.ely(&appid))
                        .is_some_and(|p| crate::admit(p, client).is_ok());
                    (head.transcode == Some(Transcode::Ely104) && admitted).then_some(file)
                })
                .await?;
                crate::ely::handle(&state, bytes, client, trace, &mut seen).await
            }
        }
    };
    // What we pass on, and answer with: our own span in the trace.
    let ours = span.in_scope(|| baohan_telemetry::otlp::outgoing(&trace));
    let result = tokio::time::timeout(state.limits.timeout, work.instrument(span))
        .await
        .unwrap_or(Err(Refusal::Timeout));

    let platform = seen.platform.as_deref().unwrap_or("unknown");
    let interface = seen.interface.unwrap_or("unknown");
    let outcome = match &result {
        Ok(_) if seen.repeat => "repeat",
        Ok(_) => "accepted",
        Err(r) => r.kind(),
    };
    let elapsed = started.elapsed();
    state
        .metrics
        .observe(platform, interface, outcome, elapsed.as_secs_f64());
    // The refusal's text names fields, never their values.
    match &result {
        Ok(_) => {
            tracing::info!(trace_id = %trace.trace_id(), platform, interface, outcome, elapsed_ms = elapsed.as_millis() as u64, "call")
        }
        Err(r) => {
            tracing::warn!(trace_id = %trace.trace_id(), platform, interface, outcome, reason = %r, elapsed_ms = elapsed.as_millis() as u64, "call refused")
        }
    }
    let reply = match (route, result) {
        (_, Ok(map)) => map,
        (Route::Fujian(_), Err(r)) => r.fujian_reply().to_map(),
        (Route::Ely, Err(r)) => r.ely_response().to_map(),
    };
    let mut response = json(StatusCode::OK, &Value::Object(reply));
    if let Ok(value) = ours.to_string().parse() {
        response.headers_mut().insert(trace::HEADER, value);
    }
    response
}

/// JSON, or no Content-Type at all (some platform SDKs send none).
fn check_media_type(content_type: Option<&str>) -> Result<(), Refusal> {
    let Some(raw) = content_type else {
        return Ok(());
    };
    let essence = raw
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let json = essence == "application/json"
        || essence == "text/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if json {
        Ok(())
    } else {
        Err(Refusal::MediaType(raw.chars().take(64).collect()))
    }
}

async fn unmatched(rejection: Rejection) -> Result<warp::reply::Response, Infallible> {
    let (status, message) = if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
    } else {
        (StatusCode::NOT_FOUND, "no such endpoint")
    };
    Ok(json(status, &serde_json::json!({"message": message})))
}

fn json(status: StatusCode, body: &Value) -> warp::reply::Response {
    warp::reply::with_status(warp::reply::json(body), status).into_response()
}
