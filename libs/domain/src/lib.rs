//! The domain: what the workers decide on, knowing nothing of the wire
//! formats, RabbitMQ or SQL.
//!
//! # Layout
//! - [`ids`]: the unified social credit code and the resident ID number,
//!   parsed with their check characters.
//! - [`premium`]: rates and premiums, in integer fen.
//! - [`profile`]: what the bidder completes on the portal, checked whole.
//! - [`application`]: the application's states, the events that move it,
//!   and which transitions are allowed.
//! - [`guarantee`]: the guarantee after issue, claims and refunds.
//! - [`underwriting`]: the rules, from a proposal to approve, reject (naming
//!   the field) or refer.

pub mod application;
pub mod guarantee;
pub mod ids;
pub mod premium;
pub mod profile;
pub mod underwriting;
