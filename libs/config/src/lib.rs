//! baohan's settings.
//!
//! # Layout
//! - [`source`]: the TOML file, `BAOHAN_…` environment overrides, and
//!   `*_file` keys read from files (Kubernetes Secrets).
//! - [`platform`]: the platform list, parsed into ready protocol profiles.
//! - this file: the typed [`Settings`] every service starts from.
//!
//! Everything is checked once, at start: a bad setting stops the service
//! with the file (or variable), the key and the reason.

pub mod ops;
pub mod platform;
pub mod source;
pub mod underwriting;

pub use ops::{Operator, Ops, Role};
pub use platform::{Platform, PlatformId, PlatformKind, Platforms};
pub use underwriting::Underwriting;

use baohan_masking::Secret;
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

/// Where money goes out (claims paid, premiums refunded). Locally a
/// sandbox that writes a ledger; a bank's API is another implementation
/// of `baohan_gateways::payout::Payouts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payouts {
    #[serde(default = "Payouts::default_ledger")]
    pub sandbox_ledger: String,
}

impl Default for Payouts {
    fn default() -> Self {
        Payouts {
            sandbox_ledger: Payouts::default_ledger(),
        }
    }
}

impl Payouts {
    fn default_ledger() -> String {
        ".local/payouts.jsonl".into()
    }
}

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

/// `[http]`: what every listener allows a client (baohan_http::server).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Http {
    #[serde(default = "Http::header_timeout")]
    header_timeout_secs: u64,
    #[serde(default = "Http::body_timeout")]
    body_timeout_secs: u64,
    #[serde(default = "Http::idle_timeout")]
    idle_timeout_secs: u64,
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

    fn limits(&self, origin: &Path) -> Result<baohan_http::Limits, ConfigError> {
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

/// Who we are, where the specs ask (baohannotice `instname`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Institution {
    pub name: String,
    /// The rest is claimsresultnotice's `compensate*`: the institution as
    /// the payer of a claim. Required by the claims worker.
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default = "empty_masked", deserialize_with = "masked")]
    pub contact_phone: baohan_masking::Phone,
    #[serde(default = "empty_masked", deserialize_with = "masked")]
    pub bank_account: baohan_masking::BankAccount,
    #[serde(default)]
    pub open_bank: String,
}

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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Telemetry {
    /// A `tracing` filter, e.g. `info,baohan_bus=debug`.
    #[serde(default = "Telemetry::default_log")]
    pub log: String,
    #[serde(default)]
    pub log_format: LogFormat,
    /// OTLP/HTTP endpoint, e.g. `http://otel-collector:4318`; empty is off.
    #[serde(default)]
    pub otlp_endpoint: String,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry {
            log: Telemetry::default_log(),
            log_format: LogFormat::default(),
            otlp_endpoint: String::new(),
        }
    }
}

impl Telemetry {
    fn default_log() -> String {
        "info".into()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

fn empty_secret() -> Secret {
    Secret::new("")
}

fn optional_secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    secret(d).map(Some)
}

fn masked<'de, D: serde::Deserializer<'de>, S: baohan_masking::Strategy>(
    d: D,
) -> Result<baohan_masking::Masked<S>, D::Error> {
    String::deserialize(d).map(baohan_masking::Masked::new)
}

fn empty_masked<S: baohan_masking::Strategy>() -> baohan_masking::Masked<S> {
    baohan_masking::Masked::new("")
}

fn cidrs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<baohan_http::Cidr>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| s.parse().map_err(serde::de::Error::custom))
        .collect()
}

fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

#[cfg(test)]
mod tests;
