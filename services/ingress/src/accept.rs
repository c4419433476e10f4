//! Accepting a verified call: record it in the inbound journal, publish its
//! command, wait for the broker's confirm, and only then answer.
//!
//! Recording first is what makes platform retries safe. An identical retry
//! finds its row and gets the recorded reply; if the first attempt never
//! saw a confirm, the retry republishes the *same* command id, which the
//! workers deduplicate. A crash between the two steps therefore loses
//! nothing the platform was told we accepted.

use crate::State;
use crate::refusal::Refusal;
use baohan_bus::message::Outgoing;
use baohan_bus::{BusError, Exchange, Inbound, Protocol, Wire};
use baohan_domain::command::Command;
use baohan_gm::sm3;
use baohan_protocol::wire::{Map, Value};
use baohan_store::inbound::{NewInbound, Recorded};
use baohan_telemetry::trace::TraceParent;
use std::sync::Arc;
use tracing::Instrument;
use uuid::Uuid;

/// Fields that identify and authenticate a request rather than say what it
/// asks. A platform's retry changes them, so they are not its content
/// (they still travel in the command).
const ENVELOPE_FIELDS: &[&str] = &["appkey", "timestamp", "sign"];

/// A verified call, ready to be accepted.
pub struct Call<'a> {
    pub platform_id: &'a str,
    pub protocol: Protocol,
    /// As the spec names it: `baohanapply`, `ELY101`.
    pub interface: &'static str,
    /// The wire field that identifies the request, and its value; `None`
    /// where the spec has no such key and the content is the identity.
    pub key: Option<(&'static str, String)>,
    /// The decrypted wire fields, as validated: the journal's and the
    /// audit's.
    pub fields: Map,
    /// What the call asks, in the domain's terms: what the workers read.
    pub command: Command,
    pub msgcode: Option<&'a str>,
    /// For applications: the Payurl token the reply carries.
    pub pay_token: Option<String>,
    pub trace: TraceParent,
}

/// What the platform is answered.
#[derive(Debug, PartialEq)]
pub enum Accepted {
    /// First time: the reply we built.
    New(Map),
    /// An identical retry: the reply recorded the first time.
    Repeat(Map),
}

impl Accepted {
    pub fn is_repeat(&self) -> bool {
        matches!(self, Accepted::Repeat(_))
    }

    pub fn into_reply(self) -> Map {
        match self {
            Accepted::New(m) | Accepted::Repeat(m) => m,
        }
    }
}

/// A recorded reply; we only ever record objects.
fn recorded(reply: Value) -> Result<Map, Refusal> {
    match reply {
        Value::Object(m) => Ok(m),
        other => {
            tracing::error!(reply = %other, "recorded reply is not an object");
            Err(Refusal::Internal)
        }
    }
}

/// SM3 over the fields in key order: the same content gives the same
/// digest however the platform ordered its JSON.
pub fn content_digest(fields: &Map) -> String {
    let sorted: std::collections::BTreeMap<&str, &Value> =
        fields.iter().map(|(k, v)| (k.as_str(), v)).collect();
    // Serialising a map of JSON values cannot fail.
    let text = serde_json::to_string(&sorted).unwrap_or_default();
    sm3::hex_digest(text.as_bytes())
}

/// The call's identity: `(key field, dedupe key, content digest)`.
fn identity(call: &Call<'_>) -> (&'static str, String, String) {
    // The command keeps every field, so that the workers parse it with the
    // same typed request; the identity leaves out what a retry changes.
    let mut content = call.fields.clone();
    content.retain(|k, _| !ENVELOPE_FIELDS.contains(&k.as_str()));
    let digest = content_digest(&content);
    match &call.key {
        Some((field, value)) => (*field, value.clone(), digest),
        None => ("content", digest.clone(), digest),
    }
}

/// An identical retry of a call accepted before. The business checks made
/// before accepting (may this guarantee be claimed on?) are skipped for
/// it: the state has moved since, because of this very call, and the
/// retry must get the first answer.
pub async fn is_repeat(state: &Arc<State>, call: &Call<'_>) -> Result<bool, Refusal> {
    let (_, key, digest) = identity(call);
    Ok(state
        .store
        .seen_inbound(call.platform_id, call.interface, &key, &digest)
        .await?)
}

pub async fn accept(
    state: &Arc<State>,
    mut call: Call<'_>,
    reply: Map,
) -> Result<Accepted, Refusal> {
    let (key_field, dedupe_key, digest) = identity(&call);
    let id = Uuid::new_v4();
    let reply = Value::Object(reply);
    let outcome = state
        .journal
        .record(&NewInbound {
            id,
            platform_id: call.platform_id,
            interface: call.interface,
            dedupe_key: &dedupe_key,
            content_digest: &digest,
            msgcode: call.msgcode,
            reply: &reply,
            pay_token: call.pay_token.as_deref(),
        })
        .await?;
    let (id, outcome) = match outcome {
        Recorded::New => (id, Accepted::New(recorded(reply)?)),
        Recorded::Repeat {
            published: true,
            reply,
            ..
        } => return Ok(Accepted::Repeat(recorded(reply)?)),
        Recorded::Repeat {
            id,
            reply,
            pay_token,
            published: false,
        } => {
            call.pay_token = pay_token;
            (id, Accepted::Repeat(recorded(reply)?))
        }
        Recorded::KeyConflict => return Err(Refusal::Conflict { field: key_field }),
        Recorded::MsgcodeReused => return Err(Refusal::MsgcodeReused),
    };
    let command = Inbound::V2(baohan_bus::Call {
        platform_id: call.platform_id.to_owned(),
        protocol: call.protocol,
        received_at: baohan_protocol::time::now().to_rfc3339(),
        dedupe_key,
        command: call.command,
        pay_token: call.pay_token,
        wire: Wire {
            interface: call.interface.to_owned(),
            fields: call.fields,
        },
    });
    let message = Outgoing::command(id, &command).map_err(|e| {
        tracing::error!(error = %e, "command does not serialise");
        Refusal::Internal
    })?;
    // Once recorded, the publish runs to its end in a task of its own: a
    // request that times out (or a platform that hangs up) must not leave
    // a command half-sent and its row unmarked.
    let state2 = state.clone();
    let trace = call.trace;
    // Only a first attempt may be forgotten: a republished id may already
    // be on the queue from an earlier attempt whose confirm was lost.
    let first_attempt = matches!(outcome, Accepted::New(_));
    let publishing = tokio::spawn(
        async move {
            let published = state2
                .publisher
                .publish(Exchange::Commands, &message, &trace)
                .await;
            match &published {
                Ok(()) => state2.confirmed(id),
                // Not connected: the message certainly never left, so the
                // row must not bind the key of a call we answered "retry".
                Err(BusError::Unavailable) if first_attempt => {
                    if let Err(e) = state2.store.forget_unpublished(id).await {
                        tracing::warn!(error = ?e, %id, "could not forget an unpublished call");
                    }
                }
                Err(_) => {}
            }
            published
        }
        .in_current_span(),
    );
    match publishing.await {
        Ok(Ok(())) => Ok(outcome),
        Ok(Err(e)) => Err(e.into()),
        Err(e) => {
            tracing::error!(error = %e, "publish task failed");
            Err(Refusal::Internal)
        }
    }
}

/// A fresh Payurl token: 244 random bits as 64 hex characters.
pub fn new_pay_token() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn the_digest_ignores_field_order() {
        let a = map(json!({"applyno": "A1", "reason": "r"}));
        let b = map(json!({"reason": "r", "applyno": "A1"}));
        assert_eq!(content_digest(&a), content_digest(&b));
        let c = map(json!({"applyno": "A1", "reason": "other"}));
        assert_ne!(content_digest(&a), content_digest(&c));
    }

    #[test]
    fn pay_tokens_are_long_and_distinct() {
        let (a, b) = (new_pay_token(), new_pay_token());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
