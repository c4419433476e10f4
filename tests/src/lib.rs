//! What baohan's system tests and the ingress benchmark share: an HTTP
//! client, headless Chromium over the DevTools protocol, and a platform's side of both protocols (signing and encrypting
//! exactly as the platform would, with the protocol crates), and the
//! platforms' callback endpoints as a stub that checks what it receives.
//!
//! The system tests themselves are in `system/`.

pub mod browser;
pub mod client;
pub mod platform;
pub mod stub;
