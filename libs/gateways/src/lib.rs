//! The outside systems baohan talks to but cannot run here, each behind a
//! trait, each with a local implementation that behaves like the real one
//! where it matters (idempotency, refusals) and records what it received.
//!
//! # Layout
//! - [`payment`]: a bank's payment gateway; [`payment::Sandbox`] locally.
//! - [`payout`]: transfers out (claims, refunds); [`payout::Sandbox`]
//!   locally, with a JSON-lines ledger.
//! - [`sms`]: an SMS gateway; a log sink and a file sink locally.

pub mod payment;
pub mod payout;
pub mod sms;

/// Why an outside system did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// It said no, for good (a declined account).
    #[error("declined: {0}")]
    Declined(String),
    /// It could not be reached or failed; the same call may work later.
    #[error("unavailable: {0}")]
    Unavailable(String),
}
