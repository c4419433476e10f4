//! The platforms we serve, each parsed once into a ready protocol profile.
//!
//! A platform's credentials come in whatever form its SDK hands out (hex,
//! Base64, PEM); parsing them here means a typo stops the service at start,
//! not the first request of the day.

use crate::source::join;
use crate::{ConfigError, Environment};
use baohan_gm::Encoding;
use baohan_gm::sm2::{CipherFormat, Layout, PrivateKey, PublicKey};
use baohan_gm::sm4::{Mode, Sm4Key};
use baohan_http::Cidr;
use baohan_masking::Secret;
use baohan_protocol::Provider;
use baohan_protocol::adapter::{Adapter, Adapters, ElyAdapter, FujianAdapter, FujianUrls};
use baohan_protocol::ely::{ElyProfile, Transcode};
use baohan_protocol::fujian::{FieldCipher, FujianProfile, Interface, SortOrder};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A platform's id in our config, store and messages (`fujian-demo`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlatformId(String);

impl PlatformId {
    /// Lowercase letters, digits and `-`, up to 64: it appears in queue
    /// names, metrics labels and environment variables.
    pub fn parse(text: &str) -> Option<PlatformId> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then(|| PlatformId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlatformId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug)]
pub struct Platform {
    pub id: PlatformId,
    pub kind: PlatformKind,
    /// Where this platform's calls may come from (⚙ `allowed_sources`,
    /// CIDR ranges); empty: anywhere. Checked before any crypto.
    pub allowed_sources: Vec<Cidr>,
    /// Callbacks may go over plain http (⚙ `insecure_http`, dev only).
    pub insecure_http: bool,
}

impl Platform {
    /// Whether a call from `client` may be this platform's.
    pub fn allows_source(&self, client: std::net::IpAddr) -> bool {
        self.allowed_sources.is_empty()
            || baohan_http::client::within(&self.allowed_sources, client)
    }
}

#[derive(Debug)]
pub enum PlatformKind {
    Fujian {
        profile: FujianProfile,
        callbacks: FujianCallbacks,
    },
    Ely {
        profile: ElyProfile,
        /// The platform's ELYApi endpoint; every callback transcode goes
        /// to it.
        callback_url: String,
    },
}

/// Where each Fujian callback goes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FujianCallbacks {
    pub baohannotice: String,
    pub quitnotice: String,
    pub claimsresultnotice: String,
}

/// Every configured platform, found by id, Fujian appkey or ELY appid.
#[derive(Debug, Default)]
pub struct Platforms {
    list: Vec<Arc<Platform>>,
    by_appkey: HashMap<String, Arc<Platform>>,
    by_appid: HashMap<String, Arc<Platform>>,
}

impl Platforms {
    /// Each platform's adapter, by id: what the workers render callbacks
    /// with and the notifier seals and judges them with. `institution` is
    /// the name Fujian's baohannotice gives (`instname`).
    pub fn adapters(&self, institution: &str) -> Adapters {
        self.list.iter().fold(Adapters::default(), |all, p| {
            let adapter: Arc<dyn Adapter> = match &p.kind {
                PlatformKind::Fujian { profile, callbacks } => Arc::new(FujianAdapter {
                    profile: profile.clone(),
                    urls: FujianUrls {
                        baohannotice: callbacks.baohannotice.clone(),
                        quitnotice: callbacks.quitnotice.clone(),
                        claimsresultnotice: callbacks.claimsresultnotice.clone(),
                    },
                    institution: institution.to_owned(),
                }),
                PlatformKind::Ely {
                    profile,
                    callback_url,
                } => Arc::new(ElyAdapter {
                    profile: profile.clone(),
                    callback_url: callback_url.clone(),
                }),
            };
            all.with(p.id.as_str(), adapter)
        })
    }

    pub fn all(&self) -> &[Arc<Platform>] {
        &self.list
    }

    pub fn by_id(&self, id: &str) -> Option<&Arc<Platform>> {
        self.list.iter().find(|p| p.id.as_str() == id)
    }

    /// The Fujian platform that owns `appkey`.
    pub fn fujian(&self, appkey: &str) -> Option<&Arc<Platform>> {
        self.by_appkey.get(appkey)
    }

    /// The ELY platform whose `appid` is ours on it.
    pub fn ely(&self, appid: &str) -> Option<&Arc<Platform>> {
        self.by_appid.get(appid)
    }

    pub(crate) fn parse(
        tables: Vec<toml::Table>,
        origin: &Path,
        environment: Environment,
    ) -> Result<Platforms, ConfigError> {
        let mut out = Platforms::default();
        for (i, table) in tables.into_iter().enumerate() {
            let at = format!("platforms[{i}]");
            let platform = Arc::new(parse_one(table, origin, &at, environment)?);
            if out.by_id(platform.id.as_str()).is_some() {
                return Err(ConfigError::new(origin, &join(&at, "id"), "used twice"));
            }
            let (index, key, name) = match &platform.kind {
                PlatformKind::Fujian { profile, .. } => {
                    (&mut out.by_appkey, profile.appkey.clone(), "appkey")
                }
                PlatformKind::Ely { profile, .. } => {
                    (&mut out.by_appid, profile.appid.clone(), "appid")
                }
            };
            if index.insert(key, platform.clone()).is_some() {
                return Err(ConfigError::new(
                    origin,
                    &join(&at, name),
                    "another platform of the same protocol has it",
                ));
            }
            out.list.push(platform);
        }
        Ok(out)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FujianRaw {
    id: String,
    #[allow(dead_code)] // read before, to pick this struct
    protocol: String,
    appkey: String,
    appsecret: String,
    sm4_key: String,
    #[serde(default)]
    sm4_mode: Sm4ModeName,
    sm4_iv: Option<String>,
    #[serde(default)]
    sm4_encoding: EncodingName,
    #[serde(default)]
    sign_sort: SortName,
    #[serde(default = "default_window")]
    clock_window_secs: i64,
    callbacks: FujianCallbacks,
    #[serde(default)]
    extra_fields: Vec<String>,
    #[serde(default)]
    allowed_sources: Vec<String>,
    #[serde(default)]
    insecure_http: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ElyRaw {
    id: String,
    #[allow(dead_code)] // read before, to pick this struct
    protocol: String,
    appid: String,
    appkey: String,
    appsecret: String,
    our_private_key: String,
    platform_public_key: String,
    #[serde(default = "default_format")]
    sm2_format: String,
    #[serde(default = "yes")]
    sm2_prefix_04: bool,
    #[serde(default = "default_format")]
    sm2_accept_first: String,
    #[serde(default = "default_version")]
    version: String,
    #[serde(default = "default_window")]
    clock_window_secs: i64,
    callback_url: String,
    #[serde(default = "default_envelope_transcodes")]
    envelope_transcodes: Vec<String>,
    #[serde(default)]
    allowed_sources: Vec<String>,
    #[serde(default)]
    insecure_http: bool,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Sm4ModeName {
    #[default]
    Ecb,
    Cbc,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum EncodingName {
    #[default]
    Base64,
    Hex,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum SortName {
    #[default]
    Bytes,
    IgnoreCase,
}

fn default_window() -> i64 {
    300
}
fn default_format() -> String {
    "c1c3c2".into()
}
fn default_version() -> String {
    "v1.0".into()
}
fn yes() -> bool {
    true
}
fn default_envelope_transcodes() -> Vec<String> {
    ElyProfile::DEFAULT_ENVELOPE_TRANSCODES
        .iter()
        .map(|t| t.code().to_owned())
        .collect()
}

fn parse_one(
    table: toml::Table,
    origin: &Path,
    at: &str,
    environment: Environment,
) -> Result<Platform, ConfigError> {
    let err = |key: &str, reason: String| ConfigError::new(origin, &join(at, key), reason);
    let protocol = match table.get("protocol").and_then(toml::Value::as_str) {
        Some(p) => p.to_owned(),
        None => return Err(err("protocol", "missing: fujian or ely".into())),
    };
    let value = toml::Value::Table(table);
    fn de<T: serde::de::DeserializeOwned>(
        value: toml::Value,
        err: impl Fn(&str, String) -> ConfigError,
    ) -> Result<T, ConfigError> {
        serde_path_to_error::deserialize(value)
            .map_err(|e| err(&e.path().to_string(), e.inner().to_string()))
    }
    let (id, kind, allowed_sources, insecure_http) = match protocol.as_str() {
        "fujian" => {
            let raw: FujianRaw = de(value, err)?;
            let key = Sm4Key::parse(&raw.sm4_key).map_err(|e| err("sm4_key", e.to_string()))?;
            let mode = match (raw.sm4_mode, raw.sm4_iv.as_deref()) {
                (Sm4ModeName::Ecb, None) => Mode::Ecb,
                (Sm4ModeName::Ecb, Some(_)) => {
                    return Err(err("sm4_iv", "only for sm4_mode = \"cbc\"".into()));
                }
                (Sm4ModeName::Cbc, None) => return Err(err("sm4_iv", "required for cbc".into())),
                (Sm4ModeName::Cbc, Some(iv)) => {
                    Mode::cbc_from_text(iv).map_err(|e| err("sm4_iv", e.to_string()))?
                }
            };
            let profile = FujianProfile {
                appkey: nonempty(raw.appkey, "appkey", &err)?,
                appsecret: Secret::new(nonempty(raw.appsecret, "appsecret", &err)?),
                cipher: FieldCipher {
                    key,
                    mode,
                    encoding: match raw.sm4_encoding {
                        EncodingName::Base64 => Encoding::Base64,
                        EncodingName::Hex => Encoding::Hex,
                    },
                },
                sort: match raw.sign_sort {
                    SortName::Bytes => SortOrder::Bytes,
                    SortName::IgnoreCase => SortOrder::IgnoreCase,
                },
                clock_window_secs: window(raw.clock_window_secs, &err)?,
                extra_fields: extra_fields(raw.extra_fields, &err)?,
            };
            let http = Http::allowed(raw.insecure_http, environment, &err)?;
            for (name, url) in [
                ("baohannotice", &raw.callbacks.baohannotice),
                ("quitnotice", &raw.callbacks.quitnotice),
                ("claimsresultnotice", &raw.callbacks.claimsresultnotice),
            ] {
                check_url(url, &format!("callbacks.{name}"), http, &err)?;
            }
            let kind = PlatformKind::Fujian {
                profile,
                callbacks: raw.callbacks,
            };
            let insecure = http == Http::Allowed;
            (raw.id, kind, sources(&raw.allowed_sources, &err)?, insecure)
        }
        "ely" => {
            let raw: ElyRaw = de(value, err)?;
            let format = |key: &str, name: &str| {
                CipherFormat::parse(name)
                    .ok_or_else(|| err(key, format!("{name:?} is not c1c3c2, c1c2c3 or der")))
            };
            let profile = ElyProfile {
                appid: nonempty(raw.appid, "appid", &err)?,
                appkey: nonempty(raw.appkey, "appkey", &err)?,
                appsecret: Secret::new(nonempty(raw.appsecret, "appsecret", &err)?),
                our_key: PrivateKey::parse(&raw.our_private_key)
                    .map_err(|e| err("our_private_key", e.to_string()))?,
                peer_key: PublicKey::parse(&raw.platform_public_key)
                    .map_err(|e| err("platform_public_key", e.to_string()))?,
                send_layout: Layout::new(format("sm2_format", &raw.sm2_format)?, raw.sm2_prefix_04),
                accept_first: format("sm2_accept_first", &raw.sm2_accept_first)?,
                clock_window_secs: window(raw.clock_window_secs, &err)?,
                version: raw.version,
                envelope_transcodes: envelope_transcodes(&raw.envelope_transcodes, &err)?,
            };
            let http = Http::allowed(raw.insecure_http, environment, &err)?;
            check_url(&raw.callback_url, "callback_url", http, &err)?;
            let kind = PlatformKind::Ely {
                profile,
                callback_url: raw.callback_url,
            };
            let insecure = http == Http::Allowed;
            (raw.id, kind, sources(&raw.allowed_sources, &err)?, insecure)
        }
        other => return Err(err("protocol", format!("{other:?} is not fujian or ely"))),
    };
    let id = PlatformId::parse(&id).ok_or_else(|| {
        err(
            "id",
            format!("{id:?}: use lowercase letters, digits and -, up to 64"),
        )
    })?;
    Ok(Platform {
        id,
        kind,
        allowed_sources,
        insecure_http,
    })
}

fn nonempty(
    value: String,
    key: &str,
    err: &impl Fn(&str, String) -> ConfigError,
) -> Result<String, ConfigError> {
    if value.trim().is_empty() {
        Err(err(key, "is empty".into()))
    } else {
        Ok(value)
    }
}

fn window(secs: i64, err: &impl Fn(&str, String) -> ConfigError) -> Result<i64, ConfigError> {
    if (1..=86_400).contains(&secs) {
        Ok(secs)
    } else {
        Err(err(
            "clock_window_secs",
            format!("{secs} is not within 1..=86400"),
        ))
    }
}

/// Whether a platform's callbacks may go over plain `http://`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Http {
    Refused,
    Allowed,
}

impl Http {
    /// `insecure_http = true` is for a local stub or a test platform: a
    /// callback carries bank accounts and phones, so production refuses
    /// to start with it.
    fn allowed(
        insecure: bool,
        environment: Environment,
        err: &impl Fn(&str, String) -> ConfigError,
    ) -> Result<Http, ConfigError> {
        match (insecure, environment) {
            (false, _) => Ok(Http::Refused),
            (true, Environment::Dev) => Ok(Http::Allowed),
            (true, Environment::Production) => Err(err(
                "insecure_http",
                "plain-http callbacks are refused in production (environment = \"production\"); use https://".into(),
            )),
        }
    }
}

fn check_url(
    url: &str,
    key: &str,
    http: Http,
    err: &impl Fn(&str, String) -> ConfigError,
) -> Result<(), ConfigError> {
    let rest = url.strip_prefix("https://").or_else(|| {
        url.strip_prefix("http://")
            .filter(|_| http == Http::Allowed)
    });
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => Ok(()),
        Some(_) => Err(err(key, format!("{url:?} names no host"))),
        None if url.starts_with("http://") => Err(err(
            key,
            format!(
                "{url:?} is plain http: callbacks must be https:// unless the platform sets insecure_http = true (dev only)"
            ),
        )),
        None => Err(err(key, format!("{url:?} is not an https:// URL"))),
    }
}

fn sources(
    list: &[String],
    err: &impl Fn(&str, String) -> ConfigError,
) -> Result<Vec<Cidr>, ConfigError> {
    list.iter()
        .enumerate()
        .map(|(i, text)| {
            text.parse()
                .map_err(|e| err(&format!("allowed_sources[{i}]"), e))
        })
        .collect()
}

/// Only the transcodes a platform sends us, each once.
fn envelope_transcodes(
    list: &[String],
    err: &impl Fn(&str, String) -> ConfigError,
) -> Result<Vec<Transcode>, ConfigError> {
    let mut out = Vec::new();
    for (i, code) in list.iter().enumerate() {
        let key = format!("envelope_transcodes[{i}]");
        let t = Transcode::parse(code)
            .filter(|t| t.provider() == Provider::Fi)
            .ok_or_else(|| {
                err(
                    &key,
                    format!("{code:?} is not a transcode a platform sends us"),
                )
            })?;
        // An envelope proves nothing of its sender: only what reads.
        if !matches!(t, Transcode::Ely103 | Transcode::Ely104) {
            return Err(err(
                &key,
                format!(
                    "{} changes state, and a digital envelope proves nothing of its sender: only ELY103 and ELY104 may come in one",
                    t.code()
                ),
            ));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

fn extra_fields(
    list: Vec<String>,
    err: &impl Fn(&str, String) -> ConfigError,
) -> Result<Vec<String>, ConfigError> {
    for (i, name) in list.iter().enumerate() {
        let key = format!("extra_fields[{i}]");
        if name.trim().is_empty() || name.len() > 64 {
            return Err(err(&key, "a field name, 1 to 64 characters".into()));
        }
        // A field some interface defines, allowed everywhere, would let a
        // body signed for that interface be posted to another.
        if let Some(i) = Interface::ALL
            .iter()
            .find(|i| i.fields().iter().any(|f| f.name == name.as_str()))
        {
            return Err(err(&key, format!("{name:?} is a field of {}", i.name())));
        }
    }
    Ok(list)
}
