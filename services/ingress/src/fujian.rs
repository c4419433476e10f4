//! `POST /fujian/{interface}`: the five interfaces a Fujian platform calls.

use crate::accept::{self, Call};
use crate::checks::Check;
use crate::pool::Size;
use crate::refusal::Refusal;
use crate::{Seen, State};
use baohan_bus::Protocol;
use baohan_config::PlatformKind;
use baohan_protocol::Provider;
use baohan_protocol::fujian::messages::{BaohanApplyReply, Reply, ResultCode, getbaohaninfo};
use baohan_protocol::fujian::{self, FujianRequest, Interface};
use baohan_protocol::wire::{Map, Value, WireMessage};
use baohan_telemetry::trace::TraceParent;
use std::net::IpAddr;
use std::sync::Arc;

/// The order is the point: the body; the platform, by appkey; its allowed
/// source addresses; then the sign, the clock, the fields the interface
/// defines, decryption and typing, on the crypto pool; only then the
/// store.
pub async fn handle(
    state: &Arc<State>,
    name: &str,
    body: Vec<u8>,
    client: Option<IpAddr>,
    trace: TraceParent,
    seen: &mut Seen,
) -> Result<Map, Refusal> {
    let interface = Interface::parse(name)
        .filter(|i| i.provider() == Provider::Fi)
        .ok_or_else(|| Refusal::NotServed(format!("fujian/{name}")))?;
    seen.interface = Some(interface.name());
    let map = fujian::read_body(&body).map_err(Refusal::Fujian)?;
    drop(body);
    let appkey = match map.get("appkey") {
        Some(Value::String(k)) => k.as_str(),
        _ => "",
    };
    let platform = state
        .platforms
        .fujian(appkey)
        .ok_or(Refusal::UnknownPlatform { field: "appkey" })?
        .clone();
    seen.platform = Some(platform.id.to_string());
    crate::admit(&platform, client)?;
    let now = baohan_protocol::time::now();
    let opening = platform.clone();
    let (request, extras) = state
        .pool
        .run(Size::Ordinary, move || {
            let PlatformKind::Fujian { profile, .. } = &opening.kind else {
                return Err(fujian::Rejection::UnknownAppkey);
            };
            // Fields the platform may add travel with the command, as
            // signed; nothing acts on them.
            let extras: Map = map
                .iter()
                .filter(|(k, _)| profile.extra_fields.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            fujian::receive_map(interface, map, profile, now).map(|r| (r, extras))
        })
        .await?
        .map_err(Refusal::Fujian)?;
    let platform_id = platform.id.as_str();
    let (key, pay_token, reply, check) = match &request {
        FujianRequest::Getbaohaninfo(q) => {
            return crate::queries::answer(state, &platform, getbaohaninfo::to_query(q)).await;
        }
        FujianRequest::Baohanapply(a) => {
            let token = accept::new_pay_token();
            let reply = BaohanApplyReply {
                code: ResultCode::Success,
                message: Some("成功".into()),
                payurl: Some(state.payurl(&token)),
            };
            (
                Some(("applyno", a.applyno.clone())),
                Some(token),
                reply.to_map(),
                None,
            )
        }
        FujianRequest::Giveupnotice(g) => (
            Some(("applyno", g.applyno.clone())),
            None,
            Reply::success().to_map(),
            Some(Check::Withdraw {
                applyno: &g.applyno,
            }),
        ),
        // A second quit or claim for the same guarantee is a new request
        // (after a refusal, say): the content is the identity.
        FujianRequest::Quitapply(q) => (
            None,
            None,
            Reply::success().to_map(),
            Some(Check::Surrender {
                applyno: &q.applyno,
                baohanno: &q.baohanno,
            }),
        ),
        FujianRequest::Claimsnotice(c) => (
            None,
            None,
            Reply::success().to_map(),
            Some(Check::Claim {
                guarantee_no: &c.baohanno,
                applyno: Some(&c.applyno),
            }),
        ),
        FujianRequest::Baohannotice(_)
        | FujianRequest::Quitnotice(_)
        | FujianRequest::Claimsresultnotice(_) => {
            return Err(Refusal::NotServed(interface.name().into()));
        }
    };
    let command =
        fujian::to_command(&request).ok_or_else(|| Refusal::NotServed(interface.name().into()))?;
    let mut fields = request.to_map();
    for (k, v) in extras {
        fields.entry(k).or_insert(v);
    }
    let call = Call {
        platform_id,
        protocol: Protocol::Fujian,
        interface: interface.name(),
        key,
        fields,
        command,
        msgcode: None,
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
