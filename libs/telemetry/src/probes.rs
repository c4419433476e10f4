//! `GET /healthz`, `/readyz` and `/metrics`, the same in every service, so
//! that Kubernetes probes and Prometheus scrape them all one way.

use futures_util::future::BoxFuture;
use std::sync::Arc;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

/// What `/readyz` asks: each dependency by name, reachable or not.
pub type Check = Arc<dyn Fn() -> BoxFuture<'static, Vec<(&'static str, bool)>> + Send + Sync>;

/// `/healthz` is alive; `/readyz` is 200 only when every check passes
/// (`{"broker": "ok", "database": "unreachable"}`); `/metrics` is the
/// Prometheus text of `registry`.
pub fn routes(
    check: Check,
    registry: crate::metrics::Registry,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let healthz = warp::path!("healthz")
        .and(warp::get())
        .map(|| warp::reply::json(&serde_json::json!({"status": "ok"})).into_response());
    let readyz = warp::path!("readyz").and(warp::get()).then(move || {
        let check = check.clone();
        async move {
            let results = check().await;
            let ok = results.iter().all(|(_, up)| *up);
            let body: serde_json::Map<String, serde_json::Value> = results
                .into_iter()
                .map(|(name, up)| {
                    (
                        name.to_owned(),
                        (if up { "ok" } else { "unreachable" }).into(),
                    )
                })
                .collect();
            let status = if ok {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            warp::reply::with_status(warp::reply::json(&body), status).into_response()
        }
    });
    let metrics = warp::path!("metrics").and(warp::get()).map(move || {
        warp::reply::with_header(
            crate::metrics::render(&registry),
            "content-type",
            "text/plain; version=0.0.4",
        )
        .into_response()
    });
    healthz.or(readyz).unify().or(metrics).unify()
}

/// The probe routes alone, as a worker's own listener serves them:
/// anything else is a JSON 404, never a bare rejection.
pub fn standalone(
    check: Check,
    registry: crate::metrics::Registry,
) -> impl Filter<Extract = (warp::reply::Response,), Error = std::convert::Infallible> + Clone {
    routes(check, registry)
        .recover(|_: Rejection| async {
            Ok::<_, std::convert::Infallible>(
                warp::reply::with_status(
                    warp::reply::json(&serde_json::json!({"message": "no such endpoint"})),
                    StatusCode::NOT_FOUND,
                )
                .into_response(),
            )
        })
        .unify()
}
