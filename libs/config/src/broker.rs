//! `[broker]`: RabbitMQ, its names, retries and journal.

use crate::de::*;
use baohan_masking::Secret;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Broker {
    /// `amqp://user@host:port/vhost`, without the password.
    pub url: String,
    #[serde(default = "empty_secret", deserialize_with = "secret")]
    pub password: Secret,
    /// Prefix of every exchange and queue name; tests give each run its own.
    #[serde(default = "Broker::default_prefix")]
    pub prefix: String,
    /// Deliveries of one message before it is dead-lettered.
    #[serde(default = "Broker::default_delivery_limit")]
    pub delivery_limit: u32,
    /// One TTL queue per level; a retry waits the level's delay.
    #[serde(default = "Broker::default_retry_delays")]
    pub retry_delays_secs: Vec<u64>,
    /// How long the `journal` stream keeps messages, as RabbitMQ's
    /// `x-max-age` (`7D`, `24h`, …).
    #[serde(default = "Broker::default_journal_max_age")]
    pub journal_max_age: String,
    #[serde(default = "Broker::default_journal_max_bytes")]
    pub journal_max_bytes: u64,
    /// Unacknowledged deliveries a consumer holds at once.
    #[serde(default = "Broker::default_prefetch")]
    pub prefetch: u16,
}

impl Broker {
    fn default_prefix() -> String {
        "baohan".into()
    }
    fn default_delivery_limit() -> u32 {
        5
    }
    fn default_retry_delays() -> Vec<u64> {
        vec![5, 30, 120, 600, 1800, 3600, 7200]
    }
    fn default_journal_max_age() -> String {
        "30D".into()
    }
    fn default_journal_max_bytes() -> u64 {
        20 << 30
    }
    fn default_prefetch() -> u16 {
        64
    }
}
