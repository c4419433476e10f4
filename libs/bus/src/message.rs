//! The messages on the bus: tagged and versioned, so a consumer can tell a
//! message it does not know from one it mis-parses, and old messages in the
//! journal still parse after a change.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Which spec a platform speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Fujian,
    Ely,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Fujian => "fujian",
            Protocol::Ely => "ely",
        }
    }
}

/// What the ingress asks of the workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "body")]
pub enum Command {
    /// A platform's call, verified, decrypted and validated.
    #[serde(rename = "inbound.v1")]
    Inbound(InboundCall),
}

impl Command {
    /// The AMQP `type` property: the tag, so tools can filter without
    /// parsing bodies.
    pub fn kind(&self) -> &'static str {
        match self {
            Command::Inbound(_) => "inbound.v1",
        }
    }

    /// `{protocol}.{interface}`, lowercase: what the bindings match.
    pub fn routing_key(&self) -> String {
        match self {
            Command::Inbound(call) => {
                format!(
                    "{}.{}",
                    call.protocol.name(),
                    call.interface.to_ascii_lowercase()
                )
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundCall {
    pub platform_id: String,
    pub protocol: Protocol,
    /// As the spec names it: `baohanapply`, `ELY101`.
    pub interface: String,
    /// When the ingress accepted it, RFC 3339 in Asia/Shanghai.
    pub received_at: String,
    /// The platform's business key (applyno, applicationId), or the
    /// content digest where the interface has none.
    pub dedupe_key: String,
    /// The decrypted wire fields, exactly as validated at the edge.
    pub fields: Map<String, Value>,
    /// For applications: the token in the `Payurl` we answered with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_token: Option<String>,
}

/// What happened: published by the workers and the portal from the store's
/// outbox, after the change they announce has committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "body")]
pub enum Event {
    /// An application moved to another status.
    #[serde(rename = "application.v1")]
    Application(ApplicationChanged),
    /// A callback row is ready for the notifier.
    #[serde(rename = "callback.v1")]
    Callback(CallbackDue),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationChanged {
    pub application_id: Uuid,
    pub platform_id: String,
    pub protocol: Protocol,
    /// Fujian applyno, ELY applicationId.
    pub external_no: String,
    /// `None` when the application was created by this change.
    pub from: Option<String>,
    pub to: String,
    /// platform, underwriting, bidder, ops:<name>
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackDue {
    pub callback_id: Uuid,
    pub platform_id: String,
    pub interface: String,
    /// The application's external number; callbacks of one subject are
    /// delivered in order.
    pub subject: String,
}

impl Event {
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Application(_) => "application.v1",
            Event::Callback(_) => "callback.v1",
        }
    }

    /// `application.{status}` (issuance binds `application.paid`) and
    /// `callback.{interface}` (the notifier binds `callback.#`).
    pub fn routing_key(&self) -> String {
        match self {
            Event::Application(a) => format!("application.{}", a.to),
            Event::Callback(c) => format!("callback.{}", c.interface.to_ascii_lowercase()),
        }
    }
}

/// A message ready to publish: its id (the AMQP `message_id`, which
/// consumers deduplicate on), routing key and JSON body.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: Uuid,
    pub kind: &'static str,
    pub routing_key: String,
    pub body: Vec<u8>,
}

impl Outgoing {
    pub fn command(id: Uuid, command: &Command) -> Result<Outgoing, serde_json::Error> {
        Ok(Outgoing {
            id,
            kind: command.kind(),
            routing_key: command.routing_key(),
            body: serde_json::to_vec(command)?,
        })
    }

    pub fn event(id: Uuid, event: &Event) -> Result<Outgoing, serde_json::Error> {
        Ok(Outgoing {
            id,
            kind: event.kind(),
            routing_key: event.routing_key(),
            body: serde_json::to_vec(event)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn commands_carry_their_tag_and_route_by_protocol_and_interface() {
        let c = Command::Inbound(InboundCall {
            platform_id: "ely-demo".into(),
            protocol: Protocol::Ely,
            interface: "ELY101".into(),
            received_at: "2026-04-15T10:30:00+08:00".into(),
            dedupe_key: "A1".into(),
            fields: Map::new(),
            pay_token: None,
        });
        assert_eq!(c.routing_key(), "ely.ely101");
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["type"], json!("inbound.v1"));
        assert_eq!(v["body"]["protocol"], json!("ely"));
        assert_eq!(serde_json::from_value::<Command>(v).unwrap(), c);
    }
}
