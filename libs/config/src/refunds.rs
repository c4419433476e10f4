//! `[refunds]`: what an early end refunds.

use serde::Deserialize;
use std::net::SocketAddr;

/// The refunds worker, and the policy for the premium on a surrender
/// (退保): a share of what was paid, by whether the guarantee had begun
/// to serve (Fujian: the bid opening, `kaibiaotime`; ELY: the start of
/// the validity). A withdrawal before issue refunds everything paid.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refunds {
    #[serde(default = "Refunds::default_listen")]
    pub listen: SocketAddr,
    #[serde(default = "Refunds::all")]
    pub surrender_percent_before_start: u8,
    #[serde(default)]
    pub surrender_percent_after_start: u8,
}

impl Default for Refunds {
    fn default() -> Self {
        Refunds {
            listen: Refunds::default_listen(),
            surrender_percent_before_start: 100,
            surrender_percent_after_start: 0,
        }
    }
}

impl Refunds {
    fn default_listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8087))
    }
    fn all() -> u8 {
        100
    }
}
