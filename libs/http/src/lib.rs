//! How every baohan listener serves HTTP.
//!
//! # Layout
//! - [`server`]: [`serve`] with header, body and idle deadlines and a cap
//!   on open connections; the socket's [`Peer`] on every request.
//! - [`body`]: the body deadline, and reads that stop at a limit.
//! - [`client`]: CIDR ranges, and the caller's address behind trusted
//!   proxies.

pub mod body;
pub mod client;
pub mod server;

pub use body::{ReadError, read_limited, read_staged};
pub use client::{Cidr, client_ip};
pub use server::{Limits, Peer, peer, serve};
