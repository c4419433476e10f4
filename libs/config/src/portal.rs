//! `[portal]`: the bidder's page, its uploads and downloads.

use crate::de::*;
use baohan_masking::Secret;
use serde::Deserialize;
use std::net::SocketAddr;

/// The bidder portal (public) and where it sends SMS.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Portal {
    #[serde(default = "Portal::default_listen")]
    pub listen: SocketAddr,
    /// The largest upload (qualification, licence, voucher) taken.
    #[serde(default = "Portal::default_max_upload")]
    pub max_upload_bytes: u64,
    /// Where SMS go: `log`, or `file:/path/to/sms.jsonl`. A real gateway
    /// is a third implementation of `baohan_gateways::sms::SmsGateway`.
    #[serde(default = "Portal::default_sms")]
    pub sms: String,
    /// Signs the download URLs getbaohaninfo hands out (HMAC-SM3); the
    /// ingress signs, the portal checks. At least 16 characters.
    #[serde(default = "empty_secret", deserialize_with = "secret")]
    pub download_key: Secret,
    /// How long a download URL works.
    #[serde(default = "Portal::default_download_ttl")]
    pub download_ttl_secs: u64,
}

impl Default for Portal {
    fn default() -> Self {
        Portal {
            listen: Portal::default_listen(),
            max_upload_bytes: Portal::default_max_upload(),
            sms: Portal::default_sms(),
            download_key: empty_secret(),
            download_ttl_secs: Portal::default_download_ttl(),
        }
    }
}

impl Portal {
    fn default_listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8081))
    }
    fn default_max_upload() -> u64 {
        10 << 20
    }
    fn default_sms() -> String {
        "log".into()
    }
    fn default_download_ttl() -> u64 {
        7 * 24 * 3600
    }
}
