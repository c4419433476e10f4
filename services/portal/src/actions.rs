//! What the bidder and the operator can do, once, for both the HTML page
//! and the JSON APIs: each returns a typed result or a [`Problem`], which
//! maps to an HTTP status and a JSON error in one place.

use crate::State;
use baohan_domain::command::PayLink;
use baohan_domain::details::PersonalField;
use baohan_domain::profile::{FieldProblem, Profile};
use baohan_gateways::GatewayError;
use baohan_gateways::payment::Charge;
use baohan_protocol::notices::{Notice, PaidBy};
use baohan_store::StoreError;
use baohan_store::applications::{AppRow, NewCallback};
use baohan_store::payments::{Channel, PaymentRow};
use baohan_store::portal::{DocumentInfo, Lookup, PortalView, Refused, Upload};
use serde_json::{Value, json};
use uuid::Uuid;
use warp::http::StatusCode;

/// Why a request was not done. Every variant names what to fix.
#[derive(Debug)]
pub enum Problem {
    /// No such application (or token, or payment).
    NotFound(&'static str),
    /// Fields that cannot be used, each with its message.
    Invalid(Vec<FieldProblem>),
    /// The body is too large.
    TooLarge { field: String, limit: u64 },
    /// Something to provide first.
    Missing(Vec<&'static str>),
    /// The application's state does not allow it.
    Conflict { code: &'static str, message: String },
    /// The payment gateway said no.
    Declined(String),
    /// The database or a gateway is unreachable: try again.
    Unavailable(String),
    /// Missing or wrong bearer token (ops).
    Unauthorized,
    /// The operator's roles do not include the one this needs (ops).
    Forbidden(&'static str),
}

impl Problem {
    pub fn field(field: &str, message: impl Into<String>) -> Problem {
        Problem::Invalid(vec![FieldProblem {
            field: leak_field(field),
            message: message.into(),
        }])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Problem::NotFound(_) => StatusCode::NOT_FOUND,
            Problem::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Problem::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Problem::Missing(_) | Problem::Conflict { .. } => StatusCode::CONFLICT,
            Problem::Declined(_) => StatusCode::PAYMENT_REQUIRED,
            Problem::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Problem::Unauthorized => StatusCode::UNAUTHORIZED,
            Problem::Forbidden(_) => StatusCode::FORBIDDEN,
        }
    }

    /// `{"error": {"code", "message", "field"?}, "errors": [...]}`: the
    /// first problem, and (for forms) all of them.
    pub fn body(&self) -> Value {
        let (code, message, fields): (&str, String, Vec<(String, String)>) = match self {
            Problem::NotFound(what) => ("not_found", format!("{what} not found"), vec![]),
            Problem::Invalid(problems) => (
                "invalid_field",
                problems
                    .first()
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .unwrap_or_default(),
                problems
                    .iter()
                    .map(|p| (p.field.to_owned(), p.message.clone()))
                    .collect(),
            ),
            Problem::TooLarge { field, limit } => (
                "too_large",
                format!("{field}: larger than {limit} bytes"),
                vec![(field.clone(), format!("文件不能超过 {} MB", limit >> 20))],
            ),
            Problem::Missing(what) => (
                "missing",
                format!("provide first: {}", what.join(", ")),
                what.iter()
                    .map(|f| (f.to_string(), "必填".into()))
                    .collect(),
            ),
            Problem::Conflict { code, message } => (code, message.clone(), vec![]),
            Problem::Declined(why) => ("payment_declined", why.clone(), vec![]),
            Problem::Unavailable(why) => ("unavailable", format!("try again later: {why}"), vec![]),
            Problem::Unauthorized => (
                "unauthorized",
                "a valid bearer token is required".into(),
                vec![],
            ),
            Problem::Forbidden(role) => {
                ("forbidden", format!("this needs the {role} role"), vec![])
            }
        };
        let mut error = json!({"code": code, "message": message});
        if let Some((field, _)) = fields.first() {
            error["field"] = json!(field);
        }
        let errors: Vec<Value> = fields
            .iter()
            .map(|(f, m)| json!({"field": f, "message": m}))
            .collect();
        json!({"error": error, "errors": errors})
    }

    /// The message shown next to `field` on the page, if any.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            Problem::Invalid(ps) => ps
                .iter()
                .find(|p| p.field == field)
                .map(|p| p.message.clone()),
            Problem::TooLarge { field: f, limit } if f == field => {
                Some(format!("文件不能超过 {} MB", limit >> 20))
            }
            Problem::Missing(what) if what.contains(&field) => Some("必填".into()),
            _ => None,
        }
    }

    /// A sentence for the top of the page.
    pub fn summary(&self) -> String {
        match self {
            Problem::Invalid(_) | Problem::TooLarge { .. } => "请按提示修改标红的内容。".into(),
            Problem::Missing(_) => "请先补全标红的资料。".into(),
            Problem::Declined(why) => format!("支付未成功: {why}"),
            Problem::Unavailable(_) => "系统繁忙，请稍后重试。".into(),
            other => other.body()["error"]["message"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        }
    }
}

/// Field names come from fixed lists (profile, uploads); an unknown one
/// is named as `body`.
fn leak_field(field: &str) -> &'static str {
    baohan_domain::profile::FIELDS
        .into_iter()
        .chain(Upload::ALL.map(Upload::as_str))
        .chain([
            "provider",
            "decision",
            "operator",
            "reason",
            "body",
            "content-type",
        ])
        .find(|f| *f == field)
        .unwrap_or("body")
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        tracing::error!(error = %e, "store");
        Problem::Unavailable("database".into())
    }
}

impl From<Refused> for Problem {
    fn from(r: Refused) -> Problem {
        match r {
            Refused::NotFound => Problem::NotFound("application"),
            Refused::State(e) => Problem::Conflict {
                code: "illegal_transition",
                message: e.to_string(),
            },
            Refused::Status(s) => Problem::Conflict {
                code: "illegal_state",
                message: format!("not possible while the application is {s}"),
            },
            Refused::Missing(what) => Problem::Missing(what),
            Refused::PaymentExists => Problem::Conflict {
                code: "payment_exists",
                message: "a payment is already pending or made".into(),
            },
            Refused::NoPremium => Problem::Conflict {
                code: "no_premium",
                message: "the application has no premium to pay".into(),
            },
            Refused::PaymentNotPending(status) => Problem::Conflict {
                code: "payment_not_pending",
                message: format!("the payment is {status}"),
            },
            Refused::NotTransfer => Problem::Conflict {
                code: "not_a_transfer",
                message: "only a bank-transfer payment is confirmed by operators".into(),
            },
            Refused::NotRecorded => Problem::Conflict {
                code: "not_recorded",
                message: "record the transfer first (POST …/confirm); another operator approves it"
                    .into(),
            },
            Refused::SameOperator => Problem::Conflict {
                code: "same_operator",
                message: "you recorded this transfer: another operator must approve it".into(),
            },
            Refused::AlreadyRecorded(maker) => Problem::Conflict {
                code: "already_recorded",
                message: format!("recorded by {maker}; it awaits approval (POST …/approve)"),
            },
        }
    }
}

/// A portal token is 64 lowercase hex characters (ingress `new_pay_token`);
/// anything else is not looked up.
pub fn valid_token(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub async fn lookup(state: &State, token: &str) -> Result<Lookup, Problem> {
    if !valid_token(token) {
        return Err(Problem::NotFound("application"));
    }
    Ok(state.store.portal_lookup(token).await?)
}

/// The decided application behind a token (a pending one cannot be changed yet).
async fn found(state: &State, token: &str) -> Result<PortalView, Problem> {
    match lookup(state, token).await? {
        Lookup::Found(view) => Ok(*view),
        Lookup::Pending { .. } => Err(Problem::Conflict {
            code: "not_decided",
            message: "the application is still being reviewed".into(),
        }),
        Lookup::Unknown => Err(Problem::NotFound("application")),
    }
}

/// Replaces the profile; `get` reads the submitted fields.
pub async fn save_profile<'a>(
    state: &State,
    token: &str,
    get: impl Fn(&str) -> Option<&'a str>,
) -> Result<(), Problem> {
    let view = found(state, token).await?;
    let profile = Profile::parse(get, &view.app.applicant_name).map_err(Problem::Invalid)?;
    state
        .store
        .save_profile(view.app.id, &profile.entries())
        .await??;
    Ok(())
}

/// The media types taken, and the first bytes each must start with: the
/// declared type is not trusted on its own.
const MEDIA: [(&str, &[u8], &str); 3] = [
    ("application/pdf", b"%PDF-", "pdf"),
    ("image/jpeg", b"\xFF\xD8\xFF", "jpg"),
    ("image/png", b"\x89PNG\r\n\x1a\n", "png"),
];

pub async fn upload(
    state: &State,
    token: &str,
    kind: &str,
    content_type: Option<&str>,
    content: &[u8],
) -> Result<DocumentInfo, Problem> {
    let Some(kind) = Upload::parse(kind) else {
        return Err(Problem::NotFound("document kind"));
    };
    let field = kind.as_str();
    if content.is_empty() {
        return Err(Problem::field(field, "文件为空"));
    }
    if content.len() as u64 > state.max_upload {
        return Err(Problem::TooLarge {
            field: field.into(),
            limit: state.max_upload,
        });
    }
    let declared = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let Some((media, magic, ext)) = MEDIA.iter().find(|(m, _, _)| *m == declared) else {
        return Err(Problem::field(field, "只接受 PDF、JPEG 或 PNG 文件"));
    };
    if !content.starts_with(magic) {
        return Err(Problem::field(field, "文件内容与类型不符"));
    }
    let view = found(state, token).await?;
    let name = format!("{field}.{ext}");
    Ok(state
        .store
        .save_document(view.app.id, kind, &name, media, content)
        .await??)
}

/// What a payment request led to.
pub enum Paid {
    /// Paid at once (sandbox gateway).
    Now(PaymentRow),
    /// A transfer waiting for ops to confirm it against the bank statement.
    AwaitingConfirmation(PaymentRow),
}

pub async fn pay(state: &State, token: &str, provider: &str) -> Result<Paid, Problem> {
    let channel = match provider {
        "sandbox" => Channel::Sandbox,
        "transfer" => Channel::Transfer,
        _ => return Err(Problem::field("provider", "must be sandbox or transfer")),
    };
    let view = found(state, token).await?;
    let payment = state.store.start_payment(view.app.id, channel).await??;
    if channel == Channel::Transfer {
        tracing::info!(payment = %payment.id, "transfer voucher submitted; waiting for ops");
        return Ok(Paid::AwaitingConfirmation(payment));
    }
    let account = |field: &str| {
        view.profile
            .iter()
            .find(|(f, _, _)| f == field)
            .map(|(_, _, v)| v.clone())
            .unwrap_or_default()
    };
    let charge = Charge {
        reference: payment.id,
        amount_fen: payment.amount_fen,
        payer_name: account("payername"),
        payer_account: baohan_masking::BankAccount::new(account("payeraccount")),
    };
    let receipt = match state.gateway.charge(&charge).await {
        Ok(r) => r,
        Err(e) => {
            // Declined or unreachable: nothing was taken, the slot is freed.
            state.store.fail_payment(payment.id).await?;
            return Err(match e {
                GatewayError::Declined(why) => Problem::Declined(why),
                GatewayError::Unavailable(why) => Problem::Unavailable(why),
            });
        }
    };
    let completed = state
        .store
        .complete_payment(
            payment.id,
            Some(&receipt.gateway_ref),
            receipt.paid_at,
            "bidder",
            |app, p| owed_for_payment(state, app, p),
        )
        .await;
    match completed {
        Ok(Ok((_, paid))) => Ok(Paid::Now(paid)),
        // Charged, but not recorded as paid (withdrawn meanwhile, or the
        // database went away): the payment stays pending with the
        // gateway's reference. Operators confirm only bank transfers, so
        // nothing settles it yet: reconciling gateway payments with the
        // gateway's own record is issue 15's.
        Ok(Err(refused)) => {
            tracing::error!(payment = %payment.id, gateway_ref = %receipt.gateway_ref, ?refused, "charged but not completed: needs ops");
            Err(refused.into())
        }
        Err(e) => {
            tracing::error!(payment = %payment.id, gateway_ref = %receipt.gateway_ref, error = %e, "charged but not completed: needs ops");
            Err(e.into())
        }
    }
}

/// Both channels are bank transfers from the basic account (ELY102 `05`,
/// 网银转账 `01`; Fujian has no callback for a payment).
fn owed_for_payment(
    state: &State,
    app: &AppRow,
    p: &PaymentRow,
) -> Result<Vec<NewCallback>, StoreError> {
    let at = p
        .paid_at
        .unwrap_or_else(chrono::Utc::now)
        .with_timezone(&baohan_protocol::time::shanghai());
    let notice = Notice::Paid {
        at,
        amount: baohan_protocol::Fen::new(p.amount_fen).unwrap_or(baohan_protocol::Fen::ZERO),
        by: PaidBy::BankTransfer,
    };
    let adapter = state.adapters.get(&app.platform_id)?;
    Ok(adapter.render(&app.external_no, &notice, baohan_protocol::time::now()))
}

/// Ops, the maker: a transfer seen on the bank statement, recorded. The
/// payment stays pending until another operator approves it.
pub async fn record_transfer(
    state: &State,
    payment_id: Uuid,
    operator: &str,
) -> Result<PaymentRow, Problem> {
    state
        .store
        .record_transfer(payment_id, operator)
        .await?
        .map_err(|r| match r {
            Refused::NotFound => Problem::NotFound("payment"),
            other => other.into(),
        })
}

/// Ops, the checker: a recorded transfer approved by another operator;
/// the application is paid.
pub async fn approve_transfer(
    state: &State,
    payment_id: Uuid,
    operator: &str,
) -> Result<(AppRow, PaymentRow), Problem> {
    let actor = format!("ops:{operator}");
    state
        .store
        .complete_payment(payment_id, None, chrono::Utc::now(), &actor, |app, p| {
            owed_for_payment(state, app, p)
        })
        .await
        .map_err(Problem::from)?
        .map_err(|r| match r {
            Refused::NotFound => Problem::NotFound("payment"),
            other => other.into(),
        })
}

/// Ops: a referral decided.
pub async fn decide(
    state: &State,
    application_id: Uuid,
    approve: bool,
    operator: &str,
    reason: &str,
) -> Result<AppRow, Problem> {
    let token = match state
        .store
        .application(baohan_store::applications::Find::Id(application_id))
        .await?
    {
        Some(app) if app.details.pay_link == PayLink::Sms && approve => {
            state
                .store
                .pay_token_of(&app.platform_id, &app.external_no)
                .await?
        }
        _ => None,
    };
    let now = baohan_protocol::time::now();
    let decided = state
        .store
        .decide_referral(application_id, approve, operator, reason, |app| {
            let notice = if approve {
                Notice::Approved
            } else {
                Notice::Rejected {
                    reason: reason.to_owned(),
                }
            };
            let owed = state
                .adapters
                .get(&app.platform_id)?
                .render(&app.external_no, &notice, now);
            let sms = token
                .as_deref()
                .map(|t| underwriting_sms(state, &app.external_no, app.premium_fen, t));
            Ok((owed, sms))
        })
        .await??;
    Ok(decided)
}

fn underwriting_sms(
    state: &State,
    external_no: &str,
    premium_fen: Option<i64>,
    token: &str,
) -> baohan_store::applications::NewNotification {
    baohan_store::applications::NewNotification {
        recipient_field: PersonalField::ContactPhone.stored_name(),
        body: baohan_gateways::sms::payment_link_text(
            &state.institution,
            &state.portal_base_url,
            external_no,
            premium_fen,
            token,
        ),
    }
}
