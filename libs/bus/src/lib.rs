//! baohan's broker: RabbitMQ through lapin.
//!
//! # Layout
//! - [`topology`]: every exchange, queue and binding, declared from one place.
//! - [`message`]: the tagged, versioned messages and their AMQP envelope.
//! - [`connect`]: connections, with the password joined in.
//! - [`publish`]: a publisher that waits for the broker's confirm.
//! - [`consume`]: the harness every worker runs: prefetch, batched acks,
//!   retries through the delay queues, graceful shutdown, reconnection.
//! - [`dlq`]: the dead-letter queues: depths, a look inside, redrive.
//! - [`replay`]: the journal, republished into one queue after an incident.
//! - [`ack`]: the window that makes batched (`multiple`) acks safe.

pub mod ack;
pub mod connect;
pub mod consume;
pub mod dlq;
pub mod message;
pub mod publish;
pub mod replay;
pub mod topology;

pub use consume::{Handler, Incoming, Outcome};
pub use message::{ApplicationChanged, Call, CallbackDue, Event, Inbound, Protocol, Wire};
pub use publish::Publisher;
pub use topology::{Exchange, Topology, WorkQueue};

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("broker: {0}")]
    Amqp(#[from] lapin::Error),
    #[error("broker refused the message (nack)")]
    Nacked,
    #[error("no queue is bound for routing key {0}")]
    Unroutable(String),
    #[error("broker did not confirm within {0:?}")]
    Timeout(std::time::Duration),
    /// Not connected: the message was certainly not sent.
    #[error("broker unavailable; reconnecting")]
    Unavailable,
    #[error("broker url: {0}")]
    Url(String),
    #[error("message body: {0}")]
    Body(#[from] serde_json::Error),
}
