//! What baohan's system tests and the benchmarks share: an HTTP client,
//! headless Chromium over the DevTools protocol, a platform's side of both
//! protocols (signing and encrypting exactly as the platform would, with
//! the protocol crates), the platforms' callback endpoints as a stub that
//! checks what it receives, and notifier replicas as processes.
//!
//! The system tests themselves are in `system/`.

pub mod browser;
pub mod client;
// Test support: a panic with its reason is how a setup failure reports.
#[allow(clippy::expect_used)]
pub mod fleet;
pub mod platform;
pub mod stub;
