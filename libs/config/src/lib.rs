//! baohan's settings.
//!
//! # Layout
//! - [`source`]: the TOML file, `BAOHAN_…` environment overrides, and
//!   `*_file` keys read from files (Kubernetes Secrets).
//! - [`platform`]: the platform list, parsed into ready protocol profiles,
//!   and each platform's adapter (`Settings::adapters`).
//! - one module per section (`ingress`, `portal`, [`ops`], `notifier`,
//!   `issuance`, [`underwriting`], `refunds`, `payouts`, `institution`,
//!   `database`, `broker`, `telemetry`, `http`), each its keys, defaults
//!   and checks; `de`, how they read secrets, masked values and CIDRs.
//! - this file: the typed [`Settings`] every service starts from, and the
//!   checks that span sections.
//!
//! Everything is checked once, at start: a bad setting stops the service
//! with the file (or variable), the key and the reason.

mod broker;
mod database;
mod de;
mod http;
mod ingress;
mod institution;
mod issuance;
mod notifier;
pub mod ops;
mod payouts;
pub mod platform;
mod portal;
mod refunds;
pub mod source;
mod telemetry;
pub mod underwriting;

pub use broker::Broker;
pub use database::Database;
use http::Http;
pub use ingress::Ingress;
pub use institution::Institution;
pub use issuance::Issuance;
pub use notifier::Notifier;
pub use payouts::Payouts;
pub use portal::Portal;
pub use refunds::Refunds;
pub use telemetry::{LogFormat, Telemetry};

pub use ops::{Operator, Ops, Role};
pub use platform::{Platform, PlatformId, PlatformKind, Platforms};
pub use underwriting::Underwriting;

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The file read when neither `--config` nor `BAOHAN_CONFIG` names one.
pub const DEFAULT_PATH: &str = "config/local.toml";

/// A setting that cannot be used, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {key}: {reason}")]
pub struct ConfigError {
    /// The file, or the environment variable, that set it.
    pub origin: String,
    /// The dotted key, e.g. `platforms[1].our_private_key`.
    pub key: String,
    pub reason: String,
}

impl ConfigError {
    pub fn new(origin: &Path, key: &str, reason: impl Into<String>) -> Self {
        ConfigError {
            origin: origin.display().to_string(),
            key: if key.is_empty() {
                "(file)".into()
            } else {
                key.into()
            },
            reason: reason.into(),
        }
    }
}

/// The config path: an explicit `--config`, else `BAOHAN_CONFIG`, else
/// [`DEFAULT_PATH`].
pub fn path_from(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| std::env::var_os("BAOHAN_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PATH))
}

/// Where this runs. Production refuses what only a developer's machine
/// should have (plain-http callbacks, for now). Absent means production:
/// a forgotten key must not loosen anything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Dev,
    #[default]
    Production,
}

#[derive(Debug)]
pub struct Settings {
    pub environment: Environment,
    /// Old keys still read, each with what to write instead: logged once
    /// at start (`baohan_service::main`).
    pub deprecations: Vec<String>,
    /// The bounds every listener applies.
    pub http: baohan_http::Limits,
    pub ingress: Ingress,
    pub portal: Portal,
    pub ops: Ops,
    pub institution: Institution,
    pub notifier: Notifier,
    pub issuance: Issuance,
    pub claims: Listen,
    pub refunds: Refunds,
    pub payouts: Payouts,
    pub database: Database,
    pub broker: Broker,
    pub telemetry: Telemetry,
    pub platforms: Platforms,
    pub underwriting: Underwriting,
}

impl Settings {
    /// Every configured platform's adapter, by platform id.
    pub fn adapters(&self) -> baohan_protocol::adapter::Adapters {
        self.platforms.adapters(&self.institution.name)
    }

    /// Reads `path`, then the process environment.
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        Settings::load_with_env(path, std::env::vars())
    }

    pub fn load_with_env(
        path: &Path,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut table = source::read_file(path)?;
        source::apply_env(&mut table, vars)?;
        Settings::from_table(table, path)
    }

    pub fn from_table(mut table: toml::Table, origin: &Path) -> Result<Settings, ConfigError> {
        source::resolve_files(&mut table, origin, "")?;
        let raw: Raw = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|e| ConfigError::new(origin, &e.path().to_string(), e.inner().to_string()))?;
        let platforms = Platforms::parse(raw.platforms, origin, raw.environment)?;
        let mut deprecations = Vec::new();
        let mut underwriting_table = raw.underwriting;
        if let Some(old) = &raw.workers {
            if underwriting_table.contains_key("listen") {
                deprecations.push(
                    "[workers] is ignored: underwriting.listen is set (remove [workers])".into(),
                );
            } else {
                underwriting_table.insert("listen".into(), old.listen.to_string().into());
                deprecations.push(
                    "[workers] is deprecated: move its listen to [underwriting] listen".into(),
                );
            }
        }
        let underwriting = Underwriting::parse(toml::Value::Table(underwriting_table), origin)?;
        underwriting.check_covers(
            platforms.all().iter().map(|p| match p.kind {
                PlatformKind::Fujian { .. } => "fujian",
                PlatformKind::Ely { .. } => "ely",
            }),
            origin,
        )?;
        let ops = raw.ops.parse(origin)?;
        let http = raw.http.limits(origin)?;
        // No byte moves while a handler works: the idle deadline must not
        // cut a call the request timeout still allows.
        if raw.http.idle_timeout_secs <= raw.ingress.request_timeout_secs {
            return Err(ConfigError::new(
                origin,
                "http.idle_timeout_secs",
                format!(
                    "must be longer than ingress.request_timeout_secs ({})",
                    raw.ingress.request_timeout_secs
                ),
            ));
        }
        if raw.ingress.crypto_workers > 256 {
            return Err(ConfigError::new(
                origin,
                "ingress.crypto_workers",
                "0 (one per core) to 256",
            ));
        }
        if raw.portal.download_key.expose().len() < 16 {
            return Err(ConfigError::new(
                origin,
                "portal.download_key",
                "must be at least 16 characters (it signs the file download URLs)",
            ));
        }
        if raw.refunds.surrender_percent_before_start > 100
            || raw.refunds.surrender_percent_after_start > 100
        {
            return Err(ConfigError::new(
                origin,
                "refunds",
                "the surrender percentages are 0 to 100",
            ));
        }
        // A callback's retry waits in a delay queue: each wait of the
        // notifier's schedule must be one of the broker's levels, or the
        // retry would wait the next longer level (or none would hold it).
        if let Some((i, wait)) = raw
            .notifier
            .schedule_secs
            .iter()
            .enumerate()
            .find(|(_, w)| !raw.broker.retry_delays_secs.contains(w))
        {
            return Err(ConfigError::new(
                origin,
                &format!("notifier.schedule_secs[{i}]"),
                format!(
                    "{wait} s is not one of broker.retry_delays_secs {:?}: the two must agree",
                    raw.broker.retry_delays_secs
                ),
            ));
        }
        if raw.institution.name.trim().is_empty() {
            return Err(ConfigError::new(
                origin,
                "institution.name",
                "must name the institution (baohannotice instname)",
            ));
        }
        Ok(Settings {
            environment: raw.environment,
            http,
            platforms,
            institution: raw.institution,
            underwriting,
            ingress: raw.ingress,
            portal: raw.portal,
            ops,
            deprecations,
            notifier: raw.notifier,
            issuance: raw.issuance,
            claims: raw.claims,
            refunds: raw.refunds,
            payouts: raw.payouts,
            database: raw.database,
            broker: raw.broker,
            telemetry: raw.telemetry,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    environment: Environment,
    #[serde(default)]
    http: Http,
    ingress: Ingress,
    #[serde(default)]
    portal: Portal,
    ops: ops::OpsRaw,
    institution: Institution,
    /// The name of `[underwriting]`'s listener before issue 13; read, with
    /// a warning, when `underwriting.listen` is not set.
    #[serde(default)]
    workers: Option<Listen>,
    #[serde(default)]
    notifier: Notifier,
    #[serde(default)]
    issuance: Issuance,
    #[serde(default = "Listen::claims")]
    claims: Listen,
    #[serde(default)]
    refunds: Refunds,
    #[serde(default)]
    payouts: Payouts,
    database: Database,
    broker: Broker,
    #[serde(default)]
    telemetry: Telemetry,
    #[serde(default)]
    platforms: Vec<toml::Table>,
    underwriting: toml::Table,
}

/// A service's own HTTP listener (its API, or just health and metrics).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listen {
    pub listen: SocketAddr,
}

impl Listen {
    fn at(port: u16) -> Listen {
        Listen {
            listen: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }
    fn claims() -> Listen {
        Listen::at(8086)
    }
}

#[cfg(test)]
mod tests;
