//! The JSON API the page's data comes from (and that integrators and the
//! tests drive). The paths and keys are a contract:
//! - `GET  /api/applications/{token}`: summary, status and premium;
//! - `PUT  /api/applications/{token}/profile`: getbaohaninfo's field names;
//! - `PUT  /api/applications/{token}/documents/{qualification|businesslicense|voucher}`:
//!   the raw file, with its content type;
//! - `POST /api/applications/{token}/payments`: `{"provider":"sandbox"|"transfer"}`.
//!
//! Errors are 4xx with `{"error": {"code", "message", "field"}, "errors": [...]}`.

use crate::State;
use crate::actions::{self, Paid, Problem};
use crate::http::{self, count};
use baohan_domain::application::Status;
use baohan_store::payments::PaymentRow;
use baohan_store::portal::{Lookup, PortalView};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use warp::http::StatusCode;
use warp::{Filter, Rejection};

/// JSON bodies (profile, payment) are small.
const JSON_LIMIT: u64 = 64 << 10;

pub fn routes(
    state: Arc<State>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let with_state = warp::any().map(move || state.clone());
    let get = warp::path!("api" / "applications" / String)
        .and(warp::get())
        .and(with_state.clone())
        .then(|token: String, state: Arc<State>| async move {
            reply(count("view", view(&state, &token).await), StatusCode::OK)
        });
    let profile = warp::path!("api" / "applications" / String / "profile")
        .and(warp::put())
        .and(warp::body::stream())
        .and(with_state.clone())
        .then(|token: String, body, state: Arc<State>| async move {
            let result = async {
                let bytes = http::read_limited(body, JSON_LIMIT, "body").await?;
                let fields = object(&bytes)?;
                actions::save_profile(&state, &token, |k| fields.get(k).and_then(Value::as_str))
                    .await?;
                view(&state, &token).await
            }
            .await;
            reply(count("profile", result), StatusCode::OK)
        });
    let document = warp::path!("api" / "applications" / String / "documents" / String)
        .and(warp::put())
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::stream())
        .and(with_state.clone())
        .then(
            |token: String, kind: String, content_type: Option<String>, body, state: Arc<State>| async move {
                let result = async {
                    // One byte over the limit is enough to know.
                    let bytes = http::read_limited(body, state.max_upload, &kind).await?;
                    let doc =
                        actions::upload(&state, &token, &kind, content_type.as_deref(), &bytes)
                            .await?;
                    Ok(json!({
                        "kind": doc.kind, "file_name": doc.file_name, "media_type": doc.media_type,
                        "size": doc.size, "sm3": doc.sm3, "uploaded_at": doc.uploaded_at.to_rfc3339(),
                    }))
                }
                .await;
                reply(count("upload", result), StatusCode::OK)
            },
        );
    let payments = warp::path!("api" / "applications" / String / "payments")
        .and(warp::post())
        .and(warp::body::stream())
        .and(with_state)
        .then(|token: String, body, state: Arc<State>| async move {
            let result = async {
                let bytes = http::read_limited(body, JSON_LIMIT, "body").await?;
                let fields = object(&bytes)?;
                let provider = fields
                    .get("provider")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Problem::field("provider", "必填: sandbox 或 transfer"))?;
                match actions::pay(&state, &token, provider).await? {
                    Paid::Now(p) => Ok((StatusCode::CREATED, payment_json(&p))),
                    Paid::AwaitingConfirmation(p) => Ok((StatusCode::ACCEPTED, payment_json(&p))),
                }
            }
            .await;
            match count("pay", result) {
                Ok((status, body)) => http::json(status, &body),
                Err(p) => http::problem(&p),
            }
        });
    get.or(profile)
        .unify()
        .or(document)
        .unify()
        .or(payments)
        .unify()
}

fn reply(result: Result<Value, Problem>, status: StatusCode) -> warp::reply::Response {
    match result {
        Ok(body) => http::json(status, &body),
        Err(p) => http::problem(&p),
    }
}

/// A JSON object whose values are all strings (or absent).
fn object(bytes: &[u8]) -> Result<Map<String, Value>, Problem> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Problem::field("body", format!("不是 JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(Problem::field("body", "须为 JSON 对象"));
    };
    for (k, v) in &map {
        if !(v.is_string() || v.is_null()) {
            return Err(Problem::field(k, "须为字符串"));
        }
    }
    Ok(map)
}

async fn view(state: &State, token: &str) -> Result<Value, Problem> {
    Ok(match actions::lookup(state, token).await? {
        Lookup::Unknown => return Err(Problem::NotFound("application")),
        Lookup::Pending {
            platform_id,
            external_no,
        } => json!({
            "external_id": external_no,
            "platform": platform_id,
            "status": "received",
            "status_text": status_text(Status::Received),
        }),
        Lookup::Found(view) => view_json(&view),
    })
}

pub fn view_json(v: &PortalView) -> Value {
    let a = &v.app;
    let profile: Map<String, Value> = v
        .profile
        .iter()
        .map(|(field, kind, value)| (field.clone(), json!(masked(kind, value))))
        .collect();
    let documents: Map<String, Value> = v
        .documents
        .iter()
        .map(|d| {
            (
                d.kind.clone(),
                json!({"file_name": d.file_name, "media_type": d.media_type, "size": d.size,
                       "sm3": d.sm3, "uploaded_at": d.uploaded_at.to_rfc3339()}),
            )
        })
        .collect();
    json!({
        "external_id": a.external_no,
        "platform": a.platform_id,
        "protocol": a.protocol,
        "status": a.status.as_str(),
        "status_text": status_text(a.status),
        "reason": rejection_reason(v),
        "applicant_name": a.applicant_name,
        "project_code": a.project_code,
        "project_name": a.project_name,
        "section": a.details.section,
        "guarantee_amount_fen": a.guarantee_amount_fen,
        "guarantee_amount": yuan(a.guarantee_amount_fen),
        "premium_fen": a.premium_fen,
        "premium": a.premium_fen.map(yuan),
        "profile": profile,
        "documents": documents,
        "payment": v.payment.as_ref().map(payment_json),
        "missing": v.missing(),
    })
}

fn payment_json(p: &PaymentRow) -> Value {
    json!({
        "id": p.id,
        "channel": p.channel,
        "status": p.status,
        "amount_fen": p.amount_fen,
        "amount": yuan(p.amount_fen),
        "gateway_ref": p.gateway_ref,
        "paid_at": p.paid_at.map(|t| t.to_rfc3339()),
    })
}

/// The rule that rejected it, for the bidder.
pub fn rejection_reason(v: &PortalView) -> Option<String> {
    (v.app.status == Status::Rejected)
        .then(|| v.app.details.decision.reason().map(str::to_owned))
        .flatten()
}

/// Stored values shown back masked: the API's answers pass through
/// proxies and browser tools.
fn masked(kind: &str, value: &str) -> String {
    use baohan_masking as m;
    match kind {
        "person_name" => m::PersonName::new(value).to_string(),
        "phone" => m::Phone::new(value).to_string(),
        "id_number" => m::IdNumber::new(value).to_string(),
        "bank_account" => m::BankAccount::new(value).to_string(),
        "email" => m::Email::new(value).to_string(),
        "address" => m::Address::new(value).to_string(),
        _ => value.to_owned(),
    }
}

pub fn yuan(fen: i64) -> String {
    baohan_protocol::Fen::new(fen)
        .map(|f| f.to_yuan())
        .unwrap_or_else(|| fen.to_string())
}

/// The status as the bidder reads it: the domain's wording, with the next
/// step added where there is one for the bidder.
pub fn status_text(s: Status) -> &'static str {
    match s {
        Status::Approved => "审核通过，待缴费",
        Status::Paid => "已缴费，保函出具中",
        Status::Issued => "保函已出具",
        other => other.zh(),
    }
}
