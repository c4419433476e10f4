//! HTTP plumbing: bodies read up to a limit, JSON replies, the probes and
//! the answer for routes that do not exist.

use crate::State;
use crate::actions::Problem;
use baohan_telemetry::metrics::{IntCounter, IntCounterVec, Opts, Registry};
use bytes::Buf;
use futures_util::Stream;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::{Arc, LazyLock};
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

/// Actions by name and outcome (`ok` or the problem's code).
pub struct Metrics {
    pub registry: Registry,
    pub actions: IntCounterVec,
    /// Ops calls refused for a missing or wrong token.
    pub auth_failures: IntCounter,
}

/// Built once from constant names, which are valid: a failure is a typo
/// here, found by any test.
#[allow(clippy::expect_used)]
pub static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let registry = Registry::new();
    let actions = IntCounterVec::new(
        Opts::new(
            "baohan_portal_actions_total",
            "Portal and ops actions, by action and outcome",
        ),
        &["action", "outcome"],
    )
    .expect("valid metric");
    registry
        .register(Box::new(actions.clone()))
        .expect("registered once");
    let auth_failures = IntCounter::new(
        "baohan_ops_auth_failures_total",
        "Ops API calls refused for a missing or wrong token",
    )
    .expect("valid metric");
    registry
        .register(Box::new(auth_failures.clone()))
        .expect("registered once");
    Metrics {
        registry,
        actions,
        auth_failures,
    }
});

/// Counts an action's outcome and passes it on.
pub fn count<T>(action: &str, result: Result<T, Problem>) -> Result<T, Problem> {
    let outcome = match &result {
        Ok(_) => "ok".to_owned(),
        Err(p) => p.body()["error"]["code"]
            .as_str()
            .unwrap_or("error")
            .to_owned(),
    };
    METRICS.actions.with_label_values(&[action, &outcome]).inc();
    result
}

pub fn json(status: StatusCode, body: &Value) -> warp::reply::Response {
    let mut r = warp::reply::with_status(warp::reply::json(body), status).into_response();
    no_store(&mut r);
    r
}

pub fn problem(p: &Problem) -> warp::reply::Response {
    json(p.status(), &p.body())
}

/// Pages and answers carry personal data: never cached, never sent on as
/// a referrer (the URL holds the token).
pub fn no_store(r: &mut warp::reply::Response) {
    let h = r.headers_mut();
    h.insert(
        "cache-control",
        warp::http::HeaderValue::from_static("no-store"),
    );
    h.insert(
        "referrer-policy",
        warp::http::HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "x-content-type-options",
        warp::http::HeaderValue::from_static("nosniff"),
    );
}

/// Reads a body, stopping as soon as it passes `limit`; a problem that
/// names `field` otherwise.
pub async fn read_limited<S, B>(body: S, limit: u64, field: &str) -> Result<Vec<u8>, Problem>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    baohan_http::read_limited(body, cap)
        .await
        .map_err(|e| match e {
            baohan_http::ReadError::TooLarge { .. } => Problem::TooLarge {
                field: field.to_owned(),
                limit,
            },
            baohan_http::ReadError::TimedOut => Problem::field(field, "请求体上传超时"),
            baohan_http::ReadError::Incomplete => Problem::field(field, "请求体不完整"),
        })
}

/// `/healthz`, `/readyz` (broker and database), `/metrics`.
pub fn probes(
    state: Arc<State>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let check = state.store.readiness(state.publisher.clone());
    baohan_telemetry::probes::routes(check, METRICS.registry.clone())
}

pub async fn unmatched(rejection: Rejection) -> Result<warp::reply::Response, Infallible> {
    let (status, code, message) = if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "method not allowed",
        )
    } else if rejection.find::<warp::reject::MissingHeader>().is_some()
        || rejection.find::<warp::reject::InvalidHeader>().is_some()
    {
        (
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required",
        )
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the body is too large",
        )
    } else if rejection
        .find::<warp::reject::UnsupportedMediaType>()
        .is_some()
    {
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "unsupported content type",
        )
    } else if let Some(e) = rejection.find::<warp::filters::body::BodyDeserializeError>() {
        return Ok(json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({"error": {"code": "invalid_body", "field": "body", "message": e.to_string()}, "errors": []}),
        ));
    } else {
        (StatusCode::NOT_FOUND, "not_found", "no such endpoint")
    };
    Ok(json(
        status,
        &serde_json::json!({"error": {"code": code, "message": message}, "errors": []}),
    ))
}
