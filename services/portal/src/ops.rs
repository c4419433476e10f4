//! The ops API, on its own listener (`ops.listen`, 127.0.0.1:8082 by
//! default), never exposed with the portal. Every call needs
//! `Authorization: Bearer {token}` of an operator in `[[ops.operators]]`;
//! the name in the timeline is the one that token belongs to.
//!
//! - `GET  /ops/applications?platform=P&external_id=X` (any role): status,
//!   timeline, payments, callbacks and `portal_url`.
//! - `GET  /ops/referrals` (any role): applications waiting for a person.
//! - `POST /ops/referrals/{id}/decision` (underwriter): `{"decision":
//!   "approve"|"reject", "reason": "…"}`.
//! - `POST /ops/payments/{id}/confirm` (payments): a bank transfer seen on
//!   the statement, recorded; it stays pending ...
//! - `POST /ops/payments/{id}/approve` (payments): ... until another
//!   operator approves it, and then the application is paid.
//!
//! A body's `operator`, if given, must be the token's own name. A failed
//! authentication is logged, counted, and answered after a fixed delay.

use crate::State;
use crate::actions::{self, Problem};
use crate::api::{status_text, view_json, yuan};
use crate::http::{self, count};
use baohan_config::{Operator, Role};
use baohan_store::applications::Find;
use baohan_store::portal::Lookup;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;
use uuid::Uuid;
use warp::http::StatusCode;
use warp::{Filter, Rejection};

const JSON_LIMIT: u64 = 64 << 10;

/// How long a failed authentication waits before its 401: guessing
/// tokens costs the guesser, not us.
pub const AUTH_DELAY: Duration = Duration::from_secs(1);

pub fn routes(
    state: Arc<State>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let with_state = warp::any().map(move || state.clone());
    let auth = warp::header::optional::<String>("authorization");
    let application = warp::path!("ops" / "applications")
        .and(warp::get())
        .and(auth)
        .and(warp::query::<HashMap<String, String>>())
        .and(with_state.clone())
        .then(
            |auth: Option<String>, q: HashMap<String, String>, state: Arc<State>| async move {
                let result = async {
                    authorize(&state, auth.as_deref(), None).await?;
                    let get = |k: &str| {
                        q.get(k).filter(|v| !v.is_empty()).ok_or_else(|| {
                            Problem::Invalid(vec![baohan_domain::profile::FieldProblem {
                                field: if k == "platform" {
                                    "platform"
                                } else {
                                    "external_id"
                                },
                                message: "required".into(),
                            }])
                        })
                    };
                    let (platform, external_id) = (get("platform")?, get("external_id")?);
                    application(&state, platform, external_id).await
                }
                .await;
                reply(count("ops_application", result))
            },
        );
    let referrals = warp::path!("ops" / "referrals")
        .and(warp::get())
        .and(auth)
        .and(with_state.clone())
        .then(|auth: Option<String>, state: Arc<State>| async move {
            let result = async {
                authorize(&state, auth.as_deref(), None).await?;
                let list = state.store.referrals(500).await?;
                let items: Vec<Value> = list
                    .iter()
                    .map(|(a, reason)| {
                        json!({
                            "id": a.id, "platform": a.platform_id, "external_id": a.external_no,
                            "applicant_name": a.applicant_name, "project_name": a.project_name,
                            "guarantee_amount_fen": a.guarantee_amount_fen,
                            "guarantee_amount": yuan(a.guarantee_amount_fen),
                            "premium_fen": a.premium_fen, "reason": reason,
                            "received_at": a.created_at.to_rfc3339(),
                        })
                    })
                    .collect();
                Ok(json!({"referrals": items}))
            }
            .await;
            reply(count("ops_referrals", result))
        });
    let decision = warp::path!("ops" / "referrals" / String / "decision")
        .and(warp::post())
        .and(auth)
        .and(warp::body::stream())
        .and(with_state.clone())
        .then(|id: String, auth: Option<String>, body, state: Arc<State>| async move {
            let result = async {
                let operator = authorize(&state, auth.as_deref(), Some(Role::Underwriter)).await?;
                let id = Uuid::parse_str(&id).map_err(|_| Problem::NotFound("application"))?;
                let body = object(http::read_limited(body, JSON_LIMIT, "body").await?)?;
                same_operator(&body, operator)?;
                let approve = match text(&body, "decision")? {
                    "approve" => true,
                    "reject" => false,
                    _ => return Err(Problem::field("decision", "must be approve or reject")),
                };
                let reason = text(&body, "reason")?;
                let app = actions::decide(&state, id, approve, &operator.name, reason).await?;
                Ok(json!({"id": app.id, "external_id": app.external_no, "status": app.status.as_str()}))
            }
            .await;
            reply(count("ops_decision", result))
        });
    // The maker's and the checker's halves of a transfer confirmation:
    // the same credentials, body and checks, then one step each.
    let transfer = warp::path!("ops" / "payments" / String / String)
        .and(warp::post())
        .and(auth)
        .and(warp::body::stream())
        .and(with_state)
        .then(|id: String, step: String, auth: Option<String>, body, state: Arc<State>| async move {
            let action = match step.as_str() {
                "confirm" => "ops_confirm",
                "approve" => "ops_approve",
                _ => return http::problem(&Problem::NotFound("endpoint")),
            };
            let result = async {
                let operator = authorize(&state, auth.as_deref(), Some(Role::Payments)).await?;
                let id = Uuid::parse_str(&id).map_err(|_| Problem::NotFound("payment"))?;
                let body = optional_object(http::read_limited(body, JSON_LIMIT, "body").await?)?;
                same_operator(&body, operator)?;
                let payment_json = |p: &baohan_store::payments::PaymentRow| {
                    json!({"id": p.id, "status": p.status,
                           "recorded_by": p.recorded_by, "confirmed_by": p.confirmed_by})
                };
                if action == "ops_confirm" {
                    let payment = actions::record_transfer(&state, id, &operator.name).await?;
                    return Ok(json!({
                        "payment": payment_json(&payment),
                        "next": "approval by another operator: POST /ops/payments/{id}/approve",
                    }));
                }
                let (app, payment) = actions::approve_transfer(&state, id, &operator.name).await?;
                Ok(json!({
                    "payment": payment_json(&payment),
                    "application": {"id": app.id, "external_id": app.external_no, "status": app.status.as_str()},
                }))
            }
            .await;
            reply(count(action, result))
        });
    application
        .or(referrals)
        .unify()
        .or(decision)
        .unify()
        .or(transfer)
        .unify()
}

fn reply(result: Result<Value, Problem>) -> warp::reply::Response {
    match result {
        Ok(body) => http::json(StatusCode::OK, &body),
        Err(p) => http::problem(&p),
    }
}

/// The operator whose token this is, if they hold `role` (any role will
/// do for reading). Every operator's digest is compared, in constant
/// time, whichever matches: the answer's timing says nothing of who.
async fn authorize<'s>(
    state: &'s State,
    header: Option<&str>,
    role: Option<Role>,
) -> Result<&'s Operator, Problem> {
    let given = header.and_then(|h| h.strip_prefix("Bearer ")).unwrap_or("");
    let digest = baohan_config::ops::token_digest(given);
    let mut found = None;
    for operator in &state.operators {
        if bool::from(operator.token_sm3.ct_eq(&digest)) && !given.is_empty() {
            found = Some(operator);
        }
    }
    let Some(operator) = found else {
        http::METRICS.auth_failures.inc();
        tracing::warn!(presented = !given.is_empty(), "ops: authentication failed");
        tokio::time::sleep(state.ops_auth_delay).await;
        return Err(Problem::Unauthorized);
    };
    match role {
        Some(role) if !operator.has(role) => {
            tracing::warn!(operator = %operator.name, role = role.as_str(), "ops: role missing");
            Err(Problem::Forbidden(role.as_str()))
        }
        _ => Ok(operator),
    }
}

/// The timeline names the token's operator; a body that names another is
/// refused rather than quietly overruled.
fn same_operator(body: &Map<String, Value>, operator: &Operator) -> Result<(), Problem> {
    match body.get("operator") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(name)) if name.trim() == operator.name => Ok(()),
        Some(_) => Err(Problem::field(
            "operator",
            format!(
                "the operator is the token's own ({}); leave it out",
                operator.name
            ),
        )),
    }
}

/// An empty body, or a JSON object.
fn optional_object(bytes: Vec<u8>) -> Result<Map<String, Value>, Problem> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    object(bytes)
}

fn object(bytes: Vec<u8>) -> Result<Map<String, Value>, Problem> {
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Problem::field("body", "must be a JSON object")),
    }
}

/// A required, non-empty string of at most 200 characters.
fn text<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, Problem> {
    match body.get(field).and_then(Value::as_str).map(str::trim) {
        Some(v) if !v.is_empty() && v.chars().count() <= 200 => Ok(v),
        Some(v) if !v.is_empty() => Err(Problem::field(field, "at most 200 characters")),
        _ => Err(Problem::field(field, "required")),
    }
}

async fn application(state: &State, platform: &str, external_id: &str) -> Result<Value, Problem> {
    let token = state.store.pay_token_of(platform, external_id).await?;
    let portal_url = token
        .as_deref()
        .map(|t| format!("{}/pay/{t}", state.portal_base_url.trim_end_matches('/')));
    let key = Find::External {
        platform_id: platform,
        external_no: external_id,
    };
    let Some(app) = state.store.application(key).await? else {
        // Accepted, not yet decided: the journal knows it.
        return match token {
            Some(_) => Ok(json!({
                "platform": platform, "external_id": external_id, "status": "received",
                "status_text": status_text(baohan_domain::application::Status::Received),
                "portal_url": portal_url, "timeline": [], "payments": [], "callbacks": [],
            })),
            None => Err(Problem::NotFound("application")),
        };
    };
    let timeline: Vec<Value> = state
        .store
        .timeline(app.id)
        .await?
        .iter()
        .map(|h| {
            json!({"at": h.at.with_timezone(&baohan_protocol::time::shanghai()).to_rfc3339(),
                   "from": h.from, "to": h.to, "event": h.event, "actor": h.actor, "note": h.note})
        })
        .collect();
    let payments: Vec<Value> = state
        .store
        .payments_of(app.id)
        .await?
        .iter()
        .map(|p| {
            json!({"id": p.id, "channel": p.channel, "status": p.status, "amount_fen": p.amount_fen,
                   "gateway_ref": p.gateway_ref, "recorded_by": p.recorded_by, "confirmed_by": p.confirmed_by,
                   "paid_at": p.paid_at.map(|t| t.to_rfc3339()), "created_at": p.created_at.to_rfc3339()})
        })
        .collect();
    let callbacks: Vec<Value> = state
        .store
        .callbacks_for(platform, external_id)
        .await?
        .into_iter()
        .map(|(interface, payload)| json!({"interface": interface, "payload": payload}))
        .collect();
    // The bidder's view, with what is still missing, when the token is known.
    let bidder = match token.as_deref() {
        Some(t) => match state.store.portal_lookup(t).await? {
            Lookup::Found(v) => Some(view_json(&v)),
            _ => None,
        },
        None => None,
    };
    Ok(json!({
        "id": app.id,
        "platform": app.platform_id,
        "protocol": app.protocol,
        "external_id": app.external_no,
        "status": app.status.as_str(),
        "status_text": status_text(app.status),
        "applicant_name": app.applicant_name,
        "guarantee_amount_fen": app.guarantee_amount_fen,
        "premium_fen": app.premium_fen,
        "details": app.details.to_json(),
        "portal_url": portal_url,
        "missing": bidder.as_ref().map(|b| b["missing"].clone()),
        "timeline": timeline,
        "payments": payments,
        "callbacks": callbacks,
    }))
}
