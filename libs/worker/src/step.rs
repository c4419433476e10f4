//! What can go wrong handling one message, and whether it is retried or
//! dead-lettered: one table for every worker. The consumer logs each
//! outcome once (`baohan_bus::consume`); handlers do not log it again.

use baohan_bus::{Call, Inbound, Incoming, Outcome, Wire};
use baohan_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// Not a message this worker can read: dead-lettered at once.
    #[error("not a command this worker understands: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something this command needs is not there yet (an application
    /// still in a retry); tried again through the delay queues.
    #[error("{0} is not there yet")]
    NotYet(String),
    /// An outside system (the payout provider) could not be reached.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// What the step makes could not be made (a missing font, data a
    /// letter needs): it waits for a fix, retried through the delay queues,
    /// then dead-lettered for redrive.
    #[error("cannot be made yet: {0}")]
    Unmade(String),
    /// The row changed between the read and the transaction: tried again.
    #[error("{0} changed meanwhile")]
    Stale(String),
}

/// A message for a platform the settings no longer have: dead-lettered, to
/// be redriven once the platform is back in the settings.
impl From<baohan_protocol::adapter::UnknownPlatform> for StepError {
    fn from(e: baohan_protocol::adapter::UnknownPlatform) -> StepError {
        StepError::Unreadable(e.to_string())
    }
}

impl StepError {
    /// Retryable or permanent, in one place.
    pub fn outcome(self) -> Outcome {
        match self {
            StepError::Unreadable(why) => Outcome::Reject(why),
            StepError::Store(e) if e.is_transient() => Outcome::Retry(e.to_string()),
            StepError::Store(e) => Outcome::Reject(e.to_string()),
            e @ (StepError::NotYet(_)
            | StepError::Unavailable(_)
            | StepError::Unmade(_)
            | StepError::Stale(_)) => Outcome::Retry(e.to_string()),
        }
    }
}

/// The platform's call a command message carries, in either format: a
/// v1 body is read through its protocol into the same [`Call`].
pub fn call(message: &Incoming) -> Result<Call, StepError> {
    let inbound: Inbound =
        serde_json::from_slice(&message.body).map_err(|e| StepError::Unreadable(e.to_string()))?;
    match inbound {
        Inbound::V2(call) => Ok(call),
        Inbound::V1(v1) => {
            let command = baohan_protocol::command_of_v1(&v1.protocol, &v1.interface, &v1.fields)
                .map_err(StepError::Unreadable)?;
            Ok(Call {
                platform_id: v1.platform_id,
                protocol: v1.protocol,
                received_at: v1.received_at,
                dedupe_key: v1.dedupe_key,
                command,
                pay_token: v1.pay_token,
                wire: Wire {
                    interface: v1.interface,
                    fields: v1.fields,
                },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baohan_domain::command::{Command, Refusal};
    use serde_json::json;

    fn incoming(body: serde_json::Value) -> Incoming {
        Incoming::new(
            uuid::Uuid::new_v4(),
            "test",
            serde_json::to_vec(&body).unwrap(),
        )
    }

    #[test]
    fn a_v1_command_reads_as_the_domain_command_its_interface_asks() {
        let v1 = json!({"type": "inbound.v1", "body": {
            "platform_id": "ely-demo", "protocol": "ely", "interface": "ELY109",
            "received_at": "2026-04-15T10:30:00+08:00", "dedupe_key": "A1",
            "fields": {"applicationId": "A1", "applicationType": "02", "refundReason": "不需要了"}}});
        let call = super::call(&incoming(v1)).unwrap();
        let Command::Withdraw(ending) = &call.command else {
            panic!("{:?}", call.command)
        };
        assert_eq!(ending.application, "A1");
        assert_eq!(ending.reason.as_deref(), Some("不需要了"));
        assert_eq!(ending.refusal, Refusal::ByCallback);
        assert_eq!(call.wire.interface, "ELY109");

        // A v1 query never reached a worker; one that did is unreadable.
        let query = json!({"type": "inbound.v1", "body": {
            "platform_id": "ely-demo", "protocol": "ely", "interface": "ELY103",
            "received_at": "2026-04-15T10:30:00+08:00", "dedupe_key": "A1",
            "fields": {"applicationId": "A1"}}});
        assert!(matches!(
            super::call(&incoming(query)),
            Err(StepError::Unreadable(_))
        ));
    }
}
