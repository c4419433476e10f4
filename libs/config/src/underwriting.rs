//! `[underwriting]`: the rules' limits, the blocklist and the tariffs,
//! parsed into `baohan-domain` types at start. A blocklisted credit code
//! with a typo, or a rate like `1.5%`, stops the service with its key.

use crate::ConfigError;
use crate::source::join;
use baohan_domain::Protocol;
use baohan_domain::ids::CreditCode;
use baohan_domain::premium::{Rate, Tariff};
use baohan_domain::underwriting::Rules;
use serde::Deserialize;
use std::path::Path;

/// The rules, and the tariff of each protocol and project type.
#[derive(Debug, Clone)]
pub struct Underwriting {
    /// The worker's `/healthz`, `/readyz`, `/metrics`.
    pub listen: std::net::SocketAddr,
    pub rules: Rules,
    tariffs: Vec<TariffEntry>,
}

#[derive(Debug, Clone)]
struct TariffEntry {
    protocol: String,
    /// `None`: any project type of the protocol.
    project_type: Option<String>,
    tariff: Tariff,
}

impl Underwriting {
    /// The tariff for a project type (Fujian `projecttype`, ELY
    /// `purchaseNature`): its own entry if there is one, else the
    /// protocol's `*` entry.
    pub fn tariff(&self, protocol: &Protocol, project_type: &str) -> Option<&Tariff> {
        let of_protocol = || {
            self.tariffs
                .iter()
                .filter(|t| t.protocol == protocol.name())
        };
        of_protocol()
            .find(|t| t.project_type.as_deref() == Some(project_type))
            .or_else(|| of_protocol().find(|t| t.project_type.is_none()))
            .map(|t| &t.tariff)
    }

    pub(crate) fn parse(value: toml::Value, origin: &Path) -> Result<Underwriting, ConfigError> {
        let at = "underwriting";
        let err = |key: &str, reason: String| ConfigError::new(origin, &join(at, key), reason);
        let raw: Raw = serde_path_to_error::deserialize(value)
            .map_err(|e| err(&e.path().to_string(), e.inner().to_string()))?;
        if raw.max_amount_fen <= 0 {
            return Err(err("max_amount_fen", "must be above 0".into()));
        }
        if !(0..=raw.max_amount_fen).contains(&raw.refer_above_fen) {
            return Err(err(
                "refer_above_fen",
                "must be between 0 and max_amount_fen".into(),
            ));
        }
        if raw.max_period_days <= 0 {
            return Err(err("max_period_days", "must be above 0".into()));
        }
        let mut blocklist = std::collections::HashSet::new();
        for (i, code) in raw.blocklist.iter().enumerate() {
            let code = CreditCode::parse(code)
                .map_err(|e| err(&format!("blocklist[{i}]"), format!("{code:?}: {e}")))?;
            blocklist.insert(code.as_str().to_owned());
        }
        let mut tariffs = Vec::new();
        for (i, t) in raw.tariffs.into_iter().enumerate() {
            let key = |k: &str| format!("tariffs[{i}].{k}");
            if t.protocol != "fujian" && t.protocol != "ely" {
                return Err(err(
                    &key("protocol"),
                    format!("{:?} is not fujian or ely", t.protocol),
                ));
            }
            let rate = Rate::parse(&t.rate).map_err(|e| err(&key("rate"), e.to_string()))?;
            if t.minimum_fen < 0 {
                return Err(err(&key("minimum_fen"), "must not be negative".into()));
            }
            let project_type = (t.project_type != "*").then_some(t.project_type);
            if tariffs
                .iter()
                .any(|e: &TariffEntry| e.protocol == t.protocol && e.project_type == project_type)
            {
                return Err(err(
                    &key("project_type"),
                    "a tariff for this protocol and project type is already set".into(),
                ));
            }
            tariffs.push(TariffEntry {
                protocol: t.protocol,
                project_type,
                tariff: Tariff {
                    rate,
                    minimum_fen: t.minimum_fen,
                },
            });
        }
        Ok(Underwriting {
            listen: raw.listen,
            rules: Rules {
                max_amount_fen: raw.max_amount_fen,
                refer_above_fen: raw.refer_above_fen,
                max_period_days: raw.max_period_days,
                blocklist,
            },
            tariffs,
        })
    }

    /// Every protocol in use needs a `*` tariff, so that no application
    /// finds itself without a price.
    pub(crate) fn check_covers(
        &self,
        protocols: impl Iterator<Item = &'static str>,
        origin: &Path,
    ) -> Result<(), ConfigError> {
        for protocol in protocols {
            let covered = self
                .tariffs
                .iter()
                .any(|t| t.protocol == protocol && t.project_type.is_none());
            if !covered {
                return Err(ConfigError::new(
                    origin,
                    "underwriting.tariffs",
                    format!("no tariff with project_type = \"*\" for protocol {protocol}"),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default = "default_listen")]
    listen: std::net::SocketAddr,
    max_amount_fen: i64,
    refer_above_fen: i64,
    max_period_days: i64,
    #[serde(default)]
    blocklist: Vec<String>,
    tariffs: Vec<RawTariff>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTariff {
    protocol: String,
    #[serde(default = "any")]
    project_type: String,
    rate: String,
    minimum_fen: i64,
}

fn any() -> String {
    "*".into()
}

fn default_listen() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], 8083))
}
