//! What baohan's system tests and the ingress benchmark share: an HTTP
//! client, headless Chromium over the DevTools protocol, and a platform's side of both protocols (signing and encrypting
//! exactly as the platform would, with the protocol crates).
//!
//! The system tests themselves are in `system/`.

pub mod browser;
pub mod client;
pub mod platform;
