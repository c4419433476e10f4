//! The messages on the bus: tagged and versioned, so a consumer can tell a
//! message it does not know from one it mis-parses, and old messages in the
//! journal still parse after a change.

pub use baohan_domain::Protocol;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// What the ingress asks of the workers: a platform's call, verified and
/// read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "body")]
pub enum Inbound {
    /// The first format: the interface's name and its wire fields, which
    /// each worker parsed again. Still read, from the journal and from
    /// queues filled before the upgrade: `baohan_worker::inbound` converts
    /// it to [`Call`] through the platform's protocol.
    #[serde(rename = "inbound.v1")]
    V1(CallV1),
    #[serde(rename = "inbound.v2")]
    V2(Call),
}

impl Inbound {
    /// The AMQP `type` property: the tag, so tools can filter without
    /// parsing bodies.
    pub fn kind(&self) -> &'static str {
        match self {
            Inbound::V1(_) => "inbound.v1",
            Inbound::V2(_) => "inbound.v2",
        }
    }

    /// What the bindings match: `command.{kind}` (`command.apply`), so any
    /// platform's command reaches the worker for it; v1's was
    /// `{protocol}.{interface}`.
    pub fn routing_key(&self) -> String {
        match self {
            Inbound::V1(call) => format!(
                "{}.{}",
                call.protocol.name(),
                call.interface.to_ascii_lowercase()
            ),
            Inbound::V2(call) => format!("command.{}", call.command.kind()),
        }
    }
}

/// A platform's call, as every worker reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub platform_id: String,
    pub protocol: Protocol,
    /// When the ingress accepted it, RFC 3339 in Asia/Shanghai.
    pub received_at: String,
    /// The platform's business key (applyno, applicationId), or the
    /// content digest where the interface has none.
    pub dedupe_key: String,
    /// What the platform asks, in the domain's terms.
    pub command: baohan_domain::command::Command,
    /// For applications: the token in the payment link we answered with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_token: Option<String>,
    /// The call as validated at the edge, for the journal and the audit.
    /// Nothing acts on it.
    pub wire: Wire,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wire {
    /// As the spec names it: `baohanapply`, `ELY101`.
    pub interface: String,
    /// The decrypted wire fields.
    pub fields: Map<String, Value>,
}

/// `inbound.v1`'s body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallV1 {
    pub platform_id: String,
    pub protocol: Protocol,
    pub interface: String,
    pub received_at: String,
    pub dedupe_key: String,
    pub fields: Map<String, Value>,
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
    pub fn command(id: Uuid, command: &Inbound) -> Result<Outgoing, serde_json::Error> {
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
    fn commands_carry_their_tag_and_route_by_kind() {
        use baohan_domain::command::{Command, Ending, Refusal};
        let c = Inbound::V2(Call {
            platform_id: "ely-demo".into(),
            protocol: Protocol::Ely,
            received_at: "2026-04-15T10:30:00+08:00".into(),
            dedupe_key: "A1".into(),
            command: Command::Surrender(Ending {
                application: "A1".into(),
                guarantee_no: None,
                reason: None,
                refusal: Refusal::ByCallback,
            }),
            pay_token: None,
            wire: Wire {
                interface: "ELY109".into(),
                fields: Map::new(),
            },
        });
        assert_eq!(c.routing_key(), "command.surrender");
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["type"], json!("inbound.v2"));
        assert_eq!(v["body"]["protocol"], json!("ely"));
        assert_eq!(v["body"]["command"]["kind"], json!("surrender"));
        assert_eq!(serde_json::from_value::<Inbound>(v).unwrap(), c);
    }

    #[test]
    fn a_v1_message_still_reads_and_routes_as_it_did() {
        let v1 = json!({"type": "inbound.v1", "body": {
            "platform_id": "fujian-demo", "protocol": "fujian", "interface": "giveupnotice",
            "received_at": "2026-04-15T10:30:00+08:00", "dedupe_key": "F1",
            "fields": {"applyno": "F1"}}});
        let m: Inbound = serde_json::from_value(v1).unwrap();
        assert_eq!(m.kind(), "inbound.v1");
        assert_eq!(m.routing_key(), "fujian.giveupnotice");
    }
}
