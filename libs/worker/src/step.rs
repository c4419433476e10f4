//! What can go wrong handling one message, and whether it is retried or
//! dead-lettered: one table for the command workers (claims, refunds).

use baohan_bus::{Command, InboundCall, Incoming, Outcome};
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
}

impl StepError {
    /// Retryable or permanent, in one place.
    pub fn outcome(self) -> Outcome {
        match self {
            StepError::Unreadable(why) => Outcome::Reject(why),
            StepError::Store(e) if e.is_transient() => Outcome::Retry(e.to_string()),
            StepError::Store(e) => Outcome::Reject(e.to_string()),
            e @ (StepError::NotYet(_) | StepError::Unavailable(_)) => Outcome::Retry(e.to_string()),
        }
    }
}

/// The platform's call a command message carries.
pub fn inbound(message: &Incoming) -> Result<InboundCall, StepError> {
    let command: Command =
        serde_json::from_slice(&message.body).map_err(|e| StepError::Unreadable(e.to_string()))?;
    let Command::Inbound(call) = command;
    Ok(call)
}
