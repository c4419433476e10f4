//! The two platform protocols, as types and codecs. Knows nothing of HTTP,
//! RabbitMQ or SQL.
//!
//! # Layout
//! - [`wire`]: field-level parsing and the `wire_message!`/`wire_enum!`
//!   macros that declare every message of both specs in one shape.
//! - [`money`]: [`Fen`], integer fen parsed from yuan text.
//! - [`adapter`]: the port each platform's adapter fills (render a notice,
//!   seal a callback, judge the answer), and the registry by platform.
//! - [`notices`]: how the two built-in adapters render the domain's notices.
//! - [`time`]: the specs' timestamp shapes, in Asia/Shanghai.
//! - [`error`]: field errors that always name their field.
//! - [`fujian`]: the Fujian bid-guarantee interface (SM3 sign, SM4 fields).
//! - [`ely`]: the ELY performance-guarantee interface (SM2 data, SM3 sign,
//!   digital envelope).

pub mod adapter;
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

/// A command of the bus's first format (`inbound.v1`: the interface's name
/// and its validated wire fields) as the domain's command: how a journal
/// replay of an old message, or one queued across the upgrade, is read.
pub fn command_of_v1(
    protocol: &baohan_domain::Protocol,
    interface: &str,
    fields: &wire::Map,
) -> Result<baohan_domain::command::Command, String> {
    use baohan_domain::Protocol as P;
    let none = || format!("{protocol} {interface} asks nothing of the workers");
    match protocol {
        P::Fujian => {
            let i = fujian::Interface::parse(interface)
                .ok_or_else(|| format!("{interface} is not a Fujian interface"))?;
            let request = i.parse_request(fields).map_err(|e| e.to_string())?;
            fujian::to_command(&request).ok_or_else(none)
        }
        P::Ely => {
            let t = ely::Transcode::parse(interface)
                .ok_or_else(|| format!("{interface} is not an ELY transcode"))?;
            let request = t.parse_request(fields).map_err(|e| e.to_string())?;
            ely::to_command(&request).ok_or_else(none)
        }
        P::Other(_) => Err(format!("{protocol} never published inbound.v1")),
    }
}
