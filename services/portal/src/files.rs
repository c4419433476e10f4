//! `GET /files/{token}`: the files behind getbaohaninfo's signed URLs
//! (the letter, its XML, the application form, the bidder's uploads).
//!
//! The token names the file and carries its expiry under an HMAC-SM3 tag
//! (`baohan_protocol::links`). An expired, altered or unknown token, and a
//! file that is not there, all get the same 404, so the route tells a
//! prober nothing.

use crate::State;
use baohan_protocol::links::Link;
use std::sync::Arc;
use warp::http::{StatusCode, header};
use warp::{Filter, Rejection, Reply};

/// The kinds a URL may name: those getbaohaninfo hands out.
const SERVED: &[&str] = &[
    "letter",
    "guarantee_xml",
    "application_form",
    "qualification",
    "businesslicense",
    "voucher",
];

pub fn routes(
    state: Arc<State>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let with_state = warp::any().map(move || state.clone());
    warp::path!("files" / String)
        .and(warp::get())
        .and(with_state)
        .then(|token: String, state: Arc<State>| async move { serve(&state, &token).await })
}

fn not_found() -> warp::reply::Response {
    warp::reply::with_status("not found", StatusCode::NOT_FOUND).into_response()
}

async fn serve(state: &State, token: &str) -> warp::reply::Response {
    let now = chrono::Utc::now().timestamp();
    let link = match Link::open(token, state.download_key.expose().as_bytes(), now) {
        Ok(link) if SERVED.contains(&link.kind.as_str()) => link,
        Ok(_) => return not_found(),
        Err(e) => {
            tracing::info!(why = %e, "download refused");
            return not_found();
        }
    };
    match state
        .store
        .document_content(&link.platform_id, &link.external_no, &link.kind)
        .await
    {
        Ok(Some((file_name, media_type, content))) => {
            let mut r = warp::reply::Response::new(content.into());
            let headers = r.headers_mut();
            if let Ok(v) = header::HeaderValue::from_str(&media_type) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            // RFC 5987: the Chinese file name, percent-encoded.
            let encoded: String = file_name
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            if let Ok(v) =
                header::HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}"))
            {
                headers.insert(header::CONTENT_DISPOSITION, v);
            }
            headers.insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("private, no-store"),
            );
            r
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "download: store");
            warp::reply::with_status("try again later", StatusCode::SERVICE_UNAVAILABLE)
                .into_response()
        }
    }
}
