//! The domain: what a platform may ask, what the workers decide, and what
//! they tell back, knowing nothing of the wire formats, RabbitMQ or SQL.
//!
//! # Layout
//! - [`command`]: what a platform can ask of the institution, in business
//!   terms: each protocol adapter maps its interfaces to these.
//! - [`notice`]: what happened that a platform is owed a callback for;
//!   each adapter renders these.
//! - [`protocol`]: which spec a platform speaks, as rows and messages
//!   keep it.
//! - [`ids`]: the unified social credit code and the resident ID number,
//!   parsed with their check characters.
//! - [`money`]: integer fen.
//! - [`premium`]: rates and premiums, in integer fen.
//! - [`profile`]: what the bidder completes on the portal, checked whole.
//! - [`details`]: what an application keeps beyond its columns, typed.
//! - [`application`]: the application's states, the events that move it,
//!   and which transitions are allowed.
//! - [`guarantee`]: the guarantee after issue, claims and refunds.
//! - [`underwriting`]: the rules, from a proposal to approve, reject (naming
//!   the field) or refer.
//! - [`field`]: the values a rule can name when it refuses.

pub mod application;
pub mod command;
pub mod details;
pub mod field;
pub mod guarantee;
pub mod ids;
pub mod money;
pub mod notice;
pub mod premium;
pub mod profile;
pub mod protocol;
pub mod underwriting;

pub use money::Fen;
pub use protocol::Protocol;
