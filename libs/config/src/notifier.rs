//! `[notifier]`: callback delivery, its schedule and limits.

use serde::Deserialize;
use std::net::SocketAddr;

/// The notifier: how it calls the platforms back, and for how long it
/// keeps trying.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notifier {
    #[serde(default = "Notifier::default_listen")]
    pub listen: SocketAddr,
    /// Connecting to a platform, at most.
    #[serde(default = "Notifier::default_connect_timeout")]
    pub connect_timeout_ms: u64,
    /// One whole attempt (connect, send, answer), at most.
    #[serde(default = "Notifier::default_timeout")]
    pub timeout_ms: u64,
    /// The wait before each retry; the last one repeats until the
    /// deadline. Each wait is served by the first `broker.retry_delays_secs`
    /// level at least as long.
    #[serde(default = "Notifier::default_schedule")]
    pub schedule_secs: Vec<u64>,
    /// A callback still undelivered this long after it was written is dead.
    #[serde(default = "Notifier::default_deadline")]
    pub deadline_hours: u64,
    /// A platform's `Retry-After` is honoured up to this.
    #[serde(default = "Notifier::default_retry_after_max")]
    pub retry_after_max_secs: u64,
    /// Consecutive failures at one platform that open its breaker.
    #[serde(default = "Notifier::default_breaker_failures")]
    pub breaker_failures: u32,
    /// While a breaker is open, one probe this often.
    #[serde(default = "Notifier::default_breaker_probe")]
    pub breaker_probe_secs: u64,
    /// Attempts in flight at one platform, per replica.
    #[serde(default = "Notifier::default_max_in_flight")]
    pub max_in_flight_per_platform: usize,
    /// Attempts started per second at one platform, per replica.
    #[serde(default = "Notifier::default_max_per_second")]
    pub max_per_second_per_platform: u32,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier {
            listen: Notifier::default_listen(),
            connect_timeout_ms: Notifier::default_connect_timeout(),
            timeout_ms: Notifier::default_timeout(),
            schedule_secs: Notifier::default_schedule(),
            deadline_hours: Notifier::default_deadline(),
            retry_after_max_secs: Notifier::default_retry_after_max(),
            breaker_failures: Notifier::default_breaker_failures(),
            breaker_probe_secs: Notifier::default_breaker_probe(),
            max_in_flight_per_platform: Notifier::default_max_in_flight(),
            max_per_second_per_platform: Notifier::default_max_per_second(),
        }
    }
}

impl Notifier {
    fn default_listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8084))
    }
    fn default_connect_timeout() -> u64 {
        3_000
    }
    fn default_timeout() -> u64 {
        10_000
    }
    fn default_schedule() -> Vec<u64> {
        vec![5, 30, 120, 600, 1800, 3600, 7200]
    }
    fn default_deadline() -> u64 {
        72
    }
    fn default_retry_after_max() -> u64 {
        3600
    }
    fn default_breaker_failures() -> u32 {
        5
    }
    fn default_breaker_probe() -> u64 {
        30
    }
    fn default_max_in_flight() -> usize {
        8
    }
    fn default_max_per_second() -> u32 {
        50
    }
}
