//! `[http]`: the bounds every listener applies.

use crate::ConfigError;
use serde::Deserialize;
use std::path::Path;

/// `[http]`: what every listener allows a client (baohan_http::server).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Http {
    #[serde(default = "Http::header_timeout")]
    header_timeout_secs: u64,
    #[serde(default = "Http::body_timeout")]
    body_timeout_secs: u64,
    #[serde(default = "Http::idle_timeout")]
    pub(crate) idle_timeout_secs: u64,
    #[serde(default = "Http::max_header_bytes")]
    max_header_bytes: usize,
    #[serde(default = "Http::max_connections")]
    max_connections: usize,
}

impl Default for Http {
    fn default() -> Self {
        Http {
            header_timeout_secs: Http::header_timeout(),
            body_timeout_secs: Http::body_timeout(),
            idle_timeout_secs: Http::idle_timeout(),
            max_header_bytes: Http::max_header_bytes(),
            max_connections: Http::max_connections(),
        }
    }
}

impl Http {
    fn header_timeout() -> u64 {
        10
    }
    fn body_timeout() -> u64 {
        30
    }
    fn idle_timeout() -> u64 {
        60
    }
    fn max_header_bytes() -> usize {
        16 * 1024
    }
    fn max_connections() -> usize {
        1024
    }

    pub(crate) fn limits(&self, origin: &Path) -> Result<baohan_http::Limits, ConfigError> {
        let secs = |key: &str, n: u64| {
            if (1..=3600).contains(&n) {
                Ok(std::time::Duration::from_secs(n))
            } else {
                Err(ConfigError::new(
                    origin,
                    &format!("http.{key}"),
                    "1 to 3600 seconds",
                ))
            }
        };
        if !(8192..=1 << 20).contains(&self.max_header_bytes) {
            return Err(ConfigError::new(
                origin,
                "http.max_header_bytes",
                "8192 to 1048576",
            ));
        }
        if !(1..=1_000_000).contains(&self.max_connections) {
            return Err(ConfigError::new(
                origin,
                "http.max_connections",
                "1 to 1000000",
            ));
        }
        Ok(baohan_http::Limits {
            header_timeout: secs("header_timeout_secs", self.header_timeout_secs)?,
            body_timeout: secs("body_timeout_secs", self.body_timeout_secs)?,
            idle_timeout: secs("idle_timeout_secs", self.idle_timeout_secs)?,
            max_header_bytes: self.max_header_bytes,
            max_connections: self.max_connections,
        })
    }
}
