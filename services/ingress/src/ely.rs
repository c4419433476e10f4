//! `POST /ely`: the six transcodes an ELY platform calls, told apart by
//! `transcode` inside the envelope.

use crate::accept::{self, Call};
use crate::checks::Check;
use crate::pool::Size;
use crate::refusal::Refusal;
use crate::{Seen, State};
use baohan_bus::Protocol;
use baohan_config::PlatformKind;
use baohan_domain::command::Command;
use baohan_protocol::Provider;
use baohan_protocol::ely::messages::{ely103, ely104};
use baohan_protocol::ely::{self, ElyRequest, ResponseCode, Transcode, codec};
use baohan_protocol::wire::{Map, WireMessage};
use baohan_telemetry::trace::TraceParent;
use std::net::IpAddr;
use std::sync::Arc;

/// The order is the point: the envelope's fields; the transcode and its
/// size; the platform, by appid; its allowed source addresses; then the
/// sign (or, for the transcodes allowed one, the envelope), the clock,
/// decryption and the fields, on the crypto pool; only then the store.
pub async fn handle(
    state: &Arc<State>,
    body: Vec<u8>,
    client: Option<IpAddr>,
    trace: TraceParent,
    seen: &mut Seen,
) -> Result<Map, Refusal> {
    // Only ELY104 carries a file; routes let a body past the ordinary
    // limit only when its head names ELY104.
    let size = if body.len() > state.limits.body {
        Size::Large
    } else {
        Size::Ordinary
    };
    let wire = match size {
        Size::Ordinary => codec::read_request(&body),
        Size::Large => {
            state
                .pool
                .run(size, move || codec::read_request(&body))
                .await?
        }
    }
    .map_err(Refusal::Ely)?;
    let transcode = Transcode::parse(&wire.transcode)
        .filter(|t| t.provider() == Provider::Fi)
        .ok_or_else(|| Refusal::NotServed(format!("transcode {}", wire.transcode)))?;
    seen.interface = Some(transcode.code());
    // A second `transcode` key could have shown the head another one.
    if transcode != Transcode::Ely104 && size == Size::Large {
        return Err(Refusal::TooLarge {
            limit: state.limits.body,
        });
    }
    let platform = state
        .platforms
        .ely(&wire.appid)
        .ok_or(Refusal::UnknownPlatform { field: "appid" })?
        .clone();
    seen.platform = Some(platform.id.to_string());
    crate::admit(&platform, client)?;
    let now = baohan_protocol::time::now();
    let opening = platform.clone();
    let opened = state
        .pool
        .run(size, move || match &opening.kind {
            PlatformKind::Ely { profile, .. } => codec::open_wire(wire, profile, now),
            PlatformKind::Fujian { .. } => Err(ely::Rejection::unauthenticated(
                "appid: not an ELY platform",
            )),
        })
        .await?
        .map_err(Refusal::Ely)?;
    let platform_id = platform.id.as_str();
    let (key, check) = match &opened.request {
        ElyRequest::Ely103(q) => {
            return crate::queries::answer(state, &platform, ely103::to_query(q)).await;
        }
        ElyRequest::Ely104(q) => {
            return crate::queries::answer(state, &platform, ely104::to_query(q)).await;
        }
        ElyRequest::Ely101(a) => (Some(("applicationId", a.application_id.clone())), None),
        ElyRequest::Ely107(i) => (
            Some(("guaranteeId", i.guarantee_id.clone())),
            Some(Check::Invalidate {
                guarantee_no: &i.guarantee_id,
            }),
        ),
        // A claim or a cancellation may come again after a refusal: the
        // content is the identity.
        ElyRequest::Ely105(c) => (
            None,
            Some(Check::Claim {
                guarantee_no: &c.guarantee_id,
                applyno: None,
            }),
        ),
        ElyRequest::Ely109(r) => (
            None,
            Some(Check::Exists {
                application_id: &r.application_id,
            }),
        ),
        ElyRequest::Ely102(_) | ElyRequest::Ely106(_) | ElyRequest::Ely108(_) => {
            return Err(Refusal::NotServed(transcode.code().into()));
        }
    };
    let command = ely::to_command(&opened.request)
        .ok_or_else(|| Refusal::NotServed(transcode.code().into()))?;
    // ELY101 has no Payurl on the wire, but the bidder still pays through
    // the portal: the token travels in the command.
    let pay_token = matches!(command, Command::Apply(_)).then(accept::new_pay_token);
    let reply = ok_response();
    let call = Call {
        platform_id,
        protocol: Protocol::Ely,
        interface: transcode.code(),
        key,
        fields: opened.request.to_map(),
        command,
        msgcode: Some(&opened.msgcode),
        pay_token,
        trace,
    };
    if let Some(check) = check
        && !accept::is_repeat(state, &call).await?
    {
        crate::checks::check(state, platform_id, check).await?;
    }
    let accepted = accept::accept(state, call, reply).await?;
    seen.repeat = accepted.is_repeat();
    Ok(accepted.into_reply())
}

/// `{"code":"000","message":"成功"}`: the answer to an accepted call.
pub fn ok_response() -> Map {
    ely::WireResponse {
        code: ResponseCode::Success,
        message: Some(ResponseCode::Success.text().into()),
        data: None,
        sign: None,
    }
    .to_map()
}
