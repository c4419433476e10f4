//! `[issuance]`: numbers, the font and the signing certificate.

use crate::de::*;
use baohan_masking::Secret;
use serde::Deserialize;
use std::net::SocketAddr;

/// Issuance: its listener, and what the guarantee letter is drawn with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuance {
    #[serde(default = "Issuance::default_listen")]
    pub listen: SocketAddr,
    /// A TrueType/OpenType font with the CJK glyphs, or a collection
    /// (`.ttc`) with `font_index`.
    #[serde(default = "Issuance::default_font")]
    pub font_path: String,
    #[serde(default)]
    pub font_index: u32,
    /// Guarantee numbers are `{prefix}{yyyymmdd}{serial, 6 digits}`; the
    /// prefix by kind: bid (Fujian) and performance (ELY).
    #[serde(default = "Issuance::default_bid_prefix")]
    pub bid_prefix: String,
    #[serde(default = "Issuance::default_performance_prefix")]
    pub performance_prefix: String,
    /// The institution's signing certificate (PEM): issuance signs letters
    /// with it, the ingress (ELY104) accepts only letters it signed.
    #[serde(default)]
    pub signing_cert: Option<String>,
    /// Its SM2 private key (PEM, hex or Base64); `signing_key_file` in
    /// production (a Kubernetes Secret).
    #[serde(default, deserialize_with = "optional_secret")]
    pub signing_key: Option<Secret>,
}

impl Default for Issuance {
    fn default() -> Self {
        Issuance {
            listen: Issuance::default_listen(),
            font_path: Issuance::default_font(),
            font_index: 0,
            bid_prefix: Issuance::default_bid_prefix(),
            performance_prefix: Issuance::default_performance_prefix(),
            signing_cert: None,
            signing_key: None,
        }
    }
}

impl Issuance {
    fn default_listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8085))
    }
    fn default_font() -> String {
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc".into()
    }
    fn default_bid_prefix() -> String {
        "TBBH".into()
    }
    fn default_performance_prefix() -> String {
        "LYBH".into()
    }
}
