//! `[database]`: PostgreSQL.

use crate::de::*;
use baohan_masking::Secret;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// `postgres://user@host:port/db`, without the password.
    pub url: String,
    #[serde(default = "empty_secret", deserialize_with = "secret")]
    pub password: Secret,
    #[serde(default = "Database::default_pool")]
    pub pool_size: usize,
}

impl Database {
    fn default_pool() -> usize {
        16
    }
}
