//! `[ingress]`: the platforms' side.

use crate::de::*;
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ingress {
    #[serde(default = "Ingress::default_listen")]
    pub listen: SocketAddr,
    /// The bidder portal as bidders reach it; `Payurl` is
    /// `{portal_base_url}/pay/{token}`.
    pub portal_base_url: String,
    /// Body limit for every route but ELY104, which carries a PDF.
    #[serde(default = "Ingress::default_max_body")]
    pub max_body_bytes: u64,
    #[serde(default = "Ingress::default_max_file_body")]
    pub max_file_body_bytes: u64,
    /// A request that takes longer is answered with a system error.
    #[serde(default = "Ingress::default_timeout")]
    pub request_timeout_secs: u64,
    /// Proxies (the Kubernetes ingress controller, a load balancer) whose
    /// `X-Forwarded-For` is believed: behind them the caller is the
    /// right-most entry not theirs. Empty: the socket's peer is the caller.
    #[serde(default, deserialize_with = "cidrs")]
    pub trusted_proxies: Vec<baohan_http::Cidr>,
    /// SM2, SM4 over large payloads, Base64 of files and PDF checks run
    /// on a pool this wide (0: one per core) ...
    #[serde(default)]
    pub crypto_workers: usize,
    /// ... and a call that waits longer than this for a place in it is
    /// answered "busy, send again" (ELY 301).
    #[serde(default = "Ingress::default_crypto_wait")]
    pub crypto_wait_ms: u64,
}

impl Ingress {
    fn default_listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8080))
    }
    fn default_max_body() -> u64 {
        1 << 20
    }
    fn default_max_file_body() -> u64 {
        20 << 20
    }
    fn default_timeout() -> u64 {
        15
    }
    fn default_crypto_wait() -> u64 {
        2_000
    }
}
