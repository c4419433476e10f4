//! The two platform protocols, as types and codecs. Knows nothing of HTTP,
//! RabbitMQ or SQL.
//!
//! # Layout
//! - [`wire`]: field-level parsing and the `wire_message!`/`wire_enum!`
//!   macros that declare every message of both specs in one shape.
//! - [`money`]: [`Fen`], integer fen parsed from yuan text.
//! - [`notices`]: the callback each step of an application owes.
//! - [`time`]: the specs' timestamp shapes, in Asia/Shanghai.
//! - [`error`]: field errors that always name their field.
//! - [`fujian`]: the Fujian bid-guarantee interface (SM3 sign, SM4 fields).
//! - [`ely`]: the ELY performance-guarantee interface (SM2 data, SM3 sign,
//!   digital envelope).

pub mod ely;
pub mod error;
pub mod fujian;
pub mod links;
pub mod money;
pub mod notices;
pub mod time;
pub mod wire;

pub use error::{FieldError, Invalid, Problem};
pub use money::Fen;

/// Which side serves an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// The financial institution: the platform calls us.
    Fi,
    /// The trading platform: we call it back.
    Platform,
}
