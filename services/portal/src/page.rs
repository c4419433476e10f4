//! The bidder's page behind the Payurl: plain HTML forms that work without
//! script, on a phone. Each form posts to its own path and, on success,
//! redirects back to the page (so a reload does not resubmit); on a
//! mistake the page comes back with the message next to the field and what
//! was typed still in it.
//!
//! - `GET  /pay/{token}`
//! - `POST /pay/{token}/profile`    (application/x-www-form-urlencoded)
//! - `POST /pay/{token}/documents`  (multipart/form-data)
//! - `POST /pay/{token}/payment`    (provider=sandbox|transfer)

use crate::State;
use crate::actions::{self, Problem};
use crate::api::{rejection_reason, status_text, yuan};
use crate::http::{self, count};
use baohan_domain::application::Status;
use baohan_store::portal::{Lookup, PortalView, Upload};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

const FORM_LIMIT: u64 = 64 << 10;

pub fn routes(
    state: Arc<State>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let with_state = warp::any().map(move || state.clone());
    let show = warp::path!("pay" / String)
        .and(warp::get())
        .and(with_state.clone())
        .then(|token: String, state: Arc<State>| async move {
            page(&state, &token, &Typed::default(), None, StatusCode::OK).await
        });
    let profile = warp::path!("pay" / String / "profile")
        .and(warp::post())
        .and(warp::body::content_length_limit(FORM_LIMIT))
        .and(warp::body::form::<HashMap<String, String>>())
        .and(with_state.clone())
        .then(
            |token: String, form: HashMap<String, String>, state: Arc<State>| async move {
                let result =
                    actions::save_profile(&state, &token, |k| form.get(k).map(String::as_str))
                        .await;
                match count("page_profile", result) {
                    Ok(()) => see_other(&token, "documents"),
                    Err(p) => {
                        let typed = Typed { profile: form };
                        page(
                            &state,
                            &token,
                            &typed,
                            Some(p),
                            StatusCode::UNPROCESSABLE_ENTITY,
                        )
                        .await
                    }
                }
            },
        );
    let documents = warp::path!("pay" / String / "documents")
        .and(warp::post())
        .and(with_state.clone())
        // The filter's own cap on the whole form; each file is checked
        // against `portal.max_upload_bytes` as it is read.
        .and(warp::multipart::form().max_length(Some(64 << 20)))
        .then(
            |token: String, state: Arc<State>, form: warp::multipart::FormData| async move {
                let result = save_uploads(&state, &token, form).await;
                match count("page_upload", result) {
                    Ok(()) => see_other(&token, "payment"),
                    Err(p) => {
                        let status = p.status();
                        page(&state, &token, &Typed::default(), Some(p), status).await
                    }
                }
            },
        );
    let payment = warp::path!("pay" / String / "payment")
        .and(warp::post())
        .and(warp::body::content_length_limit(FORM_LIMIT))
        .and(warp::body::form::<HashMap<String, String>>())
        .and(with_state)
        .then(
            |token: String, form: HashMap<String, String>, state: Arc<State>| async move {
                let provider = form.get("provider").map(String::as_str).unwrap_or("");
                let result = actions::pay(&state, &token, provider).await;
                match count("page_pay", result) {
                    Ok(_) => see_other(&token, "payment"),
                    Err(p) => {
                        let status = p.status();
                        page(&state, &token, &Typed::default(), Some(p), status).await
                    }
                }
            },
        );
    show.or(profile)
        .unify()
        .or(documents)
        .unify()
        .or(payment)
        .unify()
}

async fn save_uploads(
    state: &State,
    token: &str,
    mut form: warp::multipart::FormData,
) -> Result<(), Problem> {
    let mut saved = 0;
    while let Some(part) = form.next().await {
        let part = part.map_err(|_| Problem::field("body", "上传中断，请重试"))?;
        let name = part.name().to_owned();
        if Upload::parse(&name).is_none() {
            continue;
        }
        let content_type = part.content_type().map(str::to_owned);
        let empty_input = part.filename().is_none_or(str::is_empty);
        let bytes = http::read_limited(part.stream(), state.max_upload, &name).await?;
        if empty_input && bytes.is_empty() {
            continue; // a file input left empty
        }
        actions::upload(state, token, &name, content_type.as_deref(), &bytes).await?;
        saved += 1;
    }
    if saved == 0 {
        return Err(Problem::field("qualification", "请选择要上传的文件"));
    }
    Ok(())
}

fn see_other(token: &str, anchor: &str) -> warp::reply::Response {
    let mut r = warp::reply::with_status(
        warp::reply::with_header(warp::reply(), "location", format!("/pay/{token}#{anchor}")),
        StatusCode::SEE_OTHER,
    )
    .into_response();
    http::no_store(&mut r);
    r
}

/// What the bidder typed, shown again after a mistake.
#[derive(Default)]
struct Typed {
    profile: HashMap<String, String>,
}

async fn page(
    state: &State,
    token: &str,
    typed: &Typed,
    problem: Option<Problem>,
    status: StatusCode,
) -> warp::reply::Response {
    let body = match actions::lookup(state, token).await {
        Ok(Lookup::Found(view)) => application_page(token, &view, typed, problem.as_ref()),
        Ok(Lookup::Pending { external_no, .. }) => shell(
            "申请审核中",
            &format!(
                "<section class=card><h2>申请已受理</h2><p>申请编号 {}。系统正在审核，请稍后刷新本页。</p></section>",
                esc(&external_no)
            ),
        ),
        Ok(Lookup::Unknown) | Err(Problem::NotFound(_)) => {
            return html(
                StatusCode::NOT_FOUND,
                shell(
                    "链接无效",
                    "<section class=card><h2>链接无效</h2><p>请核对交易平台提供的缴费链接。</p></section>",
                ),
            );
        }
        Err(p) => {
            return html(
                p.status(),
                shell(
                    "系统繁忙",
                    &format!(
                        "<section class=card><p class=err>{}</p></section>",
                        esc(&p.summary())
                    ),
                ),
            );
        }
    };
    html(status, body)
}

fn html(status: StatusCode, body: String) -> warp::reply::Response {
    let mut r = warp::reply::with_status(warp::reply::html(body), status).into_response();
    http::no_store(&mut r);
    r
}

/// The labels of the profile form, in getbaohaninfo's order.
const LABELS: [(&str, &str, &str); 9] = [
    ("biddercontact", "联系人", "text"),
    ("biddercontacttel", "联系人电话", "tel"),
    ("bidderaddress", "单位地址", "text"),
    ("bidderemail", "电子邮箱", "email"),
    ("bidderpersonname", "法定代表人", "text"),
    ("bidderpersoncard", "法定代表人身份证号码", "text"),
    ("bidderpersontel", "法定代表人电话", "tel"),
    ("payername", "付款账户名称（须为投标人基本户）", "text"),
    ("payeraccount", "付款账号", "text"),
];

fn application_page(
    token: &str,
    v: &PortalView,
    typed: &Typed,
    problem: Option<&Problem>,
) -> String {
    let a = &v.app;
    let mut out = String::new();
    let _ = write!(
        out,
        "<section class=card><h2>{project}</h2><dl>\
         <dt>申请编号</dt><dd>{no}</dd>\
         <dt>投标人</dt><dd>{bidder}</dd>\
         <dt>标段</dt><dd>{section}</dd>\
         <dt>担保金额</dt><dd>¥{amount}</dd>\
         <dt>保费</dt><dd class=premium>{premium}</dd>\
         <dt>状态</dt><dd><span class=\"badge {status}\">{status_text}</span></dd></dl></section>",
        project = esc(a.project_name.as_deref().unwrap_or("电子保函")),
        no = esc(&a.external_no),
        bidder = esc(&a.applicant_name),
        section = esc(&a.details.section),
        amount = yuan(a.guarantee_amount_fen),
        premium = a
            .premium_fen
            .map(|p| format!("¥{}", yuan(p)))
            .unwrap_or_else(|| "—".into()),
        status = a.status.as_str(),
        status_text = status_text(a.status),
    );
    if let Some(p) = problem {
        let _ = write!(
            out,
            "<p class=\"err summary\" role=alert>{}</p>",
            esc(&p.summary())
        );
    }
    match a.status {
        Status::Rejected => {
            let _ = write!(
                out,
                "<section class=card><h2>审核未通过</h2><p>{}</p></section>",
                esc(&rejection_reason(v).unwrap_or_default())
            );
            return shell("审核未通过", &out);
        }
        Status::Paid | Status::Issued => {
            let paid = v
                .payment
                .as_ref()
                .map(|p| {
                    format!(
                        "已支付 ¥{}（{}）",
                        yuan(p.amount_fen),
                        p.gateway_ref.as_deref().unwrap_or("银行转账")
                    )
                })
                .unwrap_or_default();
            let _ = write!(
                out,
                "<section class=card id=payment><h2>缴费完成</h2><p>{}</p><p>保函出具后，交易平台将收到通知。</p></section>",
                esc(&paid)
            );
            return shell("缴费完成", &out);
        }
        s if !matches!(s, Status::Received | Status::Referred | Status::Approved) => {
            return shell(status_text(s), &out);
        }
        _ => {}
    }
    if a.status == Status::Referred {
        out.push_str("<p class=note>申请正在人工审核，您可以先填写资料；审核通过后即可缴费。</p>");
    }
    // 1. Profile.
    let stored: HashMap<&str, &str> = v
        .profile
        .iter()
        .map(|(f, _, value)| (f.as_str(), value.as_str()))
        .collect();
    let _ = write!(
        out,
        "<section class=card id=profile><h2>1. 填写投保资料</h2>\
         <form method=post action=\"/pay/{token}/profile\" novalidate>"
    );
    for (field, label, kind) in LABELS {
        let value = typed
            .profile
            .get(field)
            .map(String::as_str)
            .or_else(|| stored.get(field).copied())
            .unwrap_or("");
        let err = problem.and_then(|p| p.message_for(field));
        let _ = write!(
            out,
            "<label for={field}>{label}</label><input id={field} name={field} type={kind} value=\"{value}\"{invalid}>{msg}",
            value = esc(value),
            invalid = if err.is_some() {
                " aria-invalid=true class=bad"
            } else {
                ""
            },
            msg = err
                .map(|m| format!("<span class=err id={field}-error>{}</span>", esc(&m)))
                .unwrap_or_default(),
        );
    }
    out.push_str("<button type=submit>保存资料</button></form></section>");
    // 2. Uploads.
    let _ = write!(
        out,
        "<section class=card id=documents><h2>2. 上传材料</h2>\
         <form method=post action=\"/pay/{token}/documents\" enctype=\"multipart/form-data\">"
    );
    for (kind, label) in [
        (Upload::Qualification, "资质文件"),
        (Upload::BusinessLicense, "营业执照"),
        (Upload::Voucher, "转账凭证（银行转账时上传）"),
    ] {
        let name = kind.as_str();
        let have = v.documents.iter().find(|d| d.kind == name);
        let err = problem.and_then(|p| p.message_for(name));
        let _ = write!(
            out,
            "<label for={name}>{label}{done}</label><input id={name} name={name} type=file accept=\"application/pdf,image/jpeg,image/png\"{invalid}>{msg}",
            done = have
                .map(|d| format!(
                    " <small class=ok>已上传 {}（{} KB）</small>",
                    esc(&d.file_name),
                    (d.size + 1023) / 1024
                ))
                .unwrap_or_default(),
            invalid = if err.is_some() {
                " aria-invalid=true class=bad"
            } else {
                ""
            },
            msg = err
                .map(|m| format!("<span class=err id={name}-error>{}</span>", esc(&m)))
                .unwrap_or_default(),
        );
    }
    out.push_str(
        "<p class=hint>PDF、JPEG 或 PNG。</p><button type=submit>上传</button></form></section>",
    );
    // 3. Payment.
    out.push_str("<section class=card id=payment><h2>3. 缴纳保费</h2>");
    match (&v.payment, a.status) {
        (Some(p), _) if p.status == "pending" => {
            let _ = write!(
                out,
                "<p class=note>转账凭证已提交（¥{}），等待我方核对到账后确认。</p>",
                yuan(p.amount_fen)
            );
        }
        (_, Status::Approved) => {
            let missing = v.missing();
            if !missing.is_empty() {
                let _ = write!(
                    out,
                    "<p class=note>缴费前请先完成: {}</p>",
                    esc(&missing
                        .iter()
                        .map(|m| label_of(m))
                        .collect::<Vec<_>>()
                        .join("、"))
                );
            }
            let _ = write!(
                out,
                "<form method=post action=\"/pay/{token}/payment\">\
                 <button name=provider value=sandbox type=submit>在线支付 ¥{premium}</button>\
                 <button name=provider value=transfer type=submit class=secondary>已银行转账，提交凭证</button></form>",
                premium = a.premium_fen.map(yuan).unwrap_or_default(),
            );
        }
        _ => out.push_str("<p class=note>审核通过后即可缴费。</p>"),
    }
    out.push_str("</section>");
    shell("电子保函缴费", &out)
}

fn label_of(field: &str) -> &str {
    LABELS
        .iter()
        .find(|(f, _, _)| *f == field)
        .map(|(_, l, _)| *l)
        .unwrap_or(match field {
            "qualification" => "资质文件",
            "businesslicense" => "营业执照",
            "voucher" => "转账凭证",
            other => other,
        })
}

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=zh-CN><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width,initial-scale=1\">\
         <meta name=referrer content=no-referrer><title>{title}</title><style>{CSS}</style></head>\
         <body><header><h1>电子保函服务</h1></header><main>{body}</main>\
         <footer>如有疑问，请联系出函机构客服。</footer></body></html>",
        title = esc(title),
    )
}

const CSS: &str = "\
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,'PingFang SC','Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif;background:#f3f5f8;color:#1d2733}\
header{background:#b3261e;color:#fff;padding:12px 16px}header h1{font-size:18px;margin:0}\
main{max-width:640px;margin:0 auto;padding:12px}footer{text-align:center;color:#6b7785;font-size:13px;padding:16px}\
.card{background:#fff;border-radius:10px;padding:14px 16px;margin:0 0 12px;box-shadow:0 1px 2px rgba(0,0,0,.06)}\
h2{font-size:17px;margin:0 0 10px}dl{display:grid;grid-template-columns:6em 1fr;gap:4px 8px;margin:0}dt{color:#6b7785}dd{margin:0;word-break:break-all}\
.premium{font-weight:700;color:#b3261e}.badge{display:inline-block;padding:0 8px;border-radius:10px;background:#e8eef7;font-size:14px}\
.badge.approved{background:#e3f4e8;color:#1b6b34}.badge.rejected{background:#fde7e6;color:#9b1c16}.badge.paid{background:#e3f4e8;color:#1b6b34}\
label{display:block;margin:10px 0 4px;font-size:14px;color:#3c4856}\
input{width:100%;padding:10px;border:1px solid #c5ced8;border-radius:6px;font-size:16px;background:#fff}\
input.bad{border-color:#b3261e;background:#fff7f6}.err{display:block;color:#b3261e;font-size:13px;margin-top:2px}\
.summary{background:#fde7e6;padding:8px 12px;border-radius:6px}.note{background:#fff8e1;padding:8px 12px;border-radius:6px}\
.ok{color:#1b6b34}.hint{color:#6b7785;font-size:13px}\
button{display:block;width:100%;margin-top:14px;padding:12px;border:0;border-radius:6px;background:#b3261e;color:#fff;font-size:16px}\
button.secondary{background:#fff;color:#b3261e;border:1px solid #b3261e}";

/// HTML-escapes text for element content and quoted attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
