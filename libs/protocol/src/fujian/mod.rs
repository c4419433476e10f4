//! The Fujian bid-guarantee interface, v1.5.
//!
//! - [`Interface`]: the eight interfaces, who provides each, and which of
//!   their fields are 密文.
//! - [`messages`]: one typed request (and reply) per interface.
//! - [`sign`], [`cipher`]: the SM3 sign and the SM4 field encryption.
//! - [`receive`] takes a raw inbound body to a verified, decrypted, typed
//!   request or to a [`Rejection`]; [`seal`] makes an outbound body.

pub mod cipher;
pub mod messages;
pub mod sign;

use crate::Provider;
use crate::error::{Invalid, Problem};
use crate::time::{Shape, within_window};
pub use crate::wire::MAX_BODY;
use crate::wire::{Map, Value, WireMessage};
use baohan_masking::Secret;
use chrono::{DateTime, FixedOffset};
pub use cipher::FieldCipher;
use messages::*;
pub use sign::SortOrder;

macro_rules! interfaces {
    ($( $(#[$m:meta])* $variant:ident = $name:literal, $provider:ident, $ty:ty, [$($enc:literal),*]; )*) => {
        /// The eight Fujian interfaces.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Interface { $( $(#[$m])* $variant, )* }

        /// A typed request of any interface.
        #[derive(Debug, Clone, PartialEq)]
        pub enum FujianRequest { $( $variant($ty), )* }

        impl Interface {
            pub const ALL: &'static [Interface] = &[$(Interface::$variant),*];

            /// The interface name as in the spec and the URL path.
            pub fn name(self) -> &'static str {
                match self { $( Interface::$variant => $name, )* }
            }

            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|i| i.name().eq_ignore_ascii_case(name))
            }

            /// Who serves this interface: [`Provider::Fi`] for calls to us.
            pub fn provider(self) -> Provider {
                match self { $( Interface::$variant => Provider::$provider, )* }
            }

            /// The request fields the spec marks 密文.
            pub fn encrypted_fields(self) -> &'static [&'static str] {
                match self { $( Interface::$variant => &[$($enc),*], )* }
            }

            /// The fields the spec defines for this interface's request,
            /// `appkey`, `timestamp` and `sign` included.
            pub fn fields(self) -> &'static [crate::wire::FieldSpec] {
                match self { $( Interface::$variant => <$ty as WireMessage>::FIELDS, )* }
            }

            /// Parses a decrypted request map as this interface's type.
            pub fn parse_request(self, map: &Map) -> Result<FujianRequest, Invalid> {
                match self { $( Interface::$variant => <$ty>::from_map(map).map(FujianRequest::$variant), )* }
            }
        }

        impl FujianRequest {
            pub fn interface(&self) -> Interface {
                match self { $( FujianRequest::$variant(_) => Interface::$variant, )* }
            }

            pub fn to_map(&self) -> Map {
                match self { $( FujianRequest::$variant(m) => m.to_map(), )* }
            }
        }
    };
}

interfaces! {
    /// 投保申请
    Baohanapply = "baohanapply", Fi, BaohanApply, [
        "biaoduanno", "biaoduanname", "zbr", "zbrorgnum", "approvalcode", "projectcode",
        "projectno", "projectname", "tendererbankcode", "tendereropenbank", "tendererbankaccount",
        "tenderercontact", "tenderercontacttel", "bzjendtime", "kaibiaotime", "tendernoticeurl",
        "tenderfileurl"
    ];
    /// 投保申请结果通知
    Baohannotice = "baohannotice", Platform, BaohanNotice, [];
    /// 开函数据获取
    Getbaohaninfo = "getbaohaninfo", Fi, GetBaohanInfo, [];
    /// 放弃申请通知
    Giveupnotice = "giveupnotice", Fi, GiveupNotice, [];
    /// 退保申请
    Quitapply = "quitapply", Fi, QuitApply, [];
    /// 退保通知
    Quitnotice = "quitnotice", Platform, QuitNotice, [];
    /// 理赔通知
    Claimsnotice = "claimsnotice", Fi, ClaimsNotice, [];
    /// 理赔结果通知
    Claimsresultnotice = "claimsresultnotice", Platform, ClaimsResultNotice, [];
}

/// One platform's Fujian settings: credentials and crypto variants (⚙).
#[derive(Debug, Clone)]
pub struct FujianProfile {
    pub appkey: String,
    pub appsecret: Secret,
    pub cipher: FieldCipher,
    pub sort: SortOrder,
    /// Requests whose `timestamp` is further than this from now are refused.
    pub clock_window_secs: i64,
    /// Fields this platform adds to requests beyond the spec's (⚙): they
    /// are signed with the rest, kept, and otherwise ignored. Any other
    /// field the interface does not define is refused, so that a body
    /// signed for one interface cannot be posted to another. None may be
    /// a field any interface defines (the settings refuse it at start).
    pub extra_fields: Vec<String>,
}

/// What every failed authentication is answered (an unknown appkey, a
/// wrong sign, a source address not allowed): one text, so the answer
/// tells an outsider nothing about which check it failed.
pub const NOT_AUTHENTICATED: &str = "appkey或sign验证失败 (appkey or sign not accepted)";

/// Why an inbound request was refused. The reply is `code` 0 with
/// [`Rejection::message`], which names the field where there is one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Rejection {
    #[error("request body is {0} bytes, over the limit")]
    TooLarge(usize),
    #[error("request body is not a JSON object")]
    NotJson,
    #[error("appkey is unknown")]
    UnknownAppkey,
    #[error("timestamp is outside the allowed clock window")]
    Stale,
    #[error("sign does not match")]
    BadSign(sign::Mismatch),
    #[error("invalid fields: {0}")]
    Invalid(Invalid),
}

impl Rejection {
    /// The reply a platform receives. The log keeps [`Rejection`]'s own
    /// text; a caller that failed authentication hears only
    /// [`NOT_AUTHENTICATED`].
    pub fn reply(&self) -> Reply {
        match self {
            Rejection::UnknownAppkey | Rejection::BadSign(_) => Reply::failure(NOT_AUTHENTICATED),
            other => Reply::failure(other.to_string()),
        }
    }
}

fn field_check(map: &Map, field: &str) -> Result<String, Rejection> {
    match map.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(Rejection::Invalid(Invalid::one(field, Problem::Missing))),
    }
}

/// Takes a raw inbound body to a verified, decrypted, typed request.
///
/// Order matters: size, JSON, appkey, sign (over the ciphertext as sent),
/// clock window, fields the interface does not define, then decryption
/// and typing. Nothing is decrypted before the sign proves the sender
/// holds the appsecret.
pub fn receive(
    interface: Interface,
    body: &[u8],
    profile: &FujianProfile,
    now: DateTime<FixedOffset>,
) -> Result<FujianRequest, Rejection> {
    receive_map(interface, read_body(body)?, profile, now)
}

/// The body as a JSON object, within [`MAX_BODY`]: the first step of
/// [`receive`], apart so a server can find the platform by `appkey` before
/// it knows which profile to verify with.
pub fn read_body(body: &[u8]) -> Result<Map, Rejection> {
    if body.len() > MAX_BODY {
        return Err(Rejection::TooLarge(body.len()));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Rejection::NotJson),
    }
}

/// The rest of [`receive`], from the parsed body.
pub fn receive_map(
    interface: Interface,
    mut map: Map,
    profile: &FujianProfile,
    now: DateTime<FixedOffset>,
) -> Result<FujianRequest, Rejection> {
    if field_check(&map, "appkey")? != profile.appkey {
        return Err(Rejection::UnknownAppkey);
    }
    // A missing sign is a wrong one: answered alike, so that the answer
    // does not tell an outsider the appkey exists.
    sign::verify(&map, profile.appsecret.expose(), profile.sort).map_err(Rejection::BadSign)?;
    let timestamp = field_check(&map, "timestamp")?;
    let Some(at) = Shape::Dashed.parse(&timestamp) else {
        return Err(Rejection::Invalid(Invalid::one(
            "timestamp",
            Problem::Format("yyyy-MM-dd HH:mm:ss"),
        )));
    };
    if !within_window(&at, &now, profile.clock_window_secs) {
        return Err(Rejection::Stale);
    }
    let defined = interface.fields();
    if let Some(field) = map.keys().find(|k| {
        !defined.iter().any(|f| f.name == k.as_str()) && !profile.extra_fields.contains(k)
    }) {
        return Err(Rejection::Invalid(Invalid::one(
            field.as_str(),
            Problem::NotDefined {
                interface: interface.name(),
            },
        )));
    }
    profile
        .cipher
        .decrypt_fields(interface, &mut map)
        .map_err(Rejection::Invalid)?;
    interface.parse_request(&map).map_err(Rejection::Invalid)
}

/// Makes the wire body of an outbound request: sets `appkey` and
/// `timestamp`, encrypts the 密文 fields, then signs the result.
pub fn seal(request: &FujianRequest, profile: &FujianProfile, now: DateTime<FixedOffset>) -> Map {
    let mut map = request.to_map();
    map.insert("appkey".into(), Value::String(profile.appkey.clone()));
    map.insert(
        "timestamp".into(),
        Value::String(Shape::Dashed.format(&now)),
    );
    map.remove("sign");
    profile.cipher.encrypt_fields(request.interface(), &mut map);
    let sign = sign::sign(&map, profile.appsecret.expose(), profile.sort);
    map.insert("sign".into(), Value::String(sign));
    map
}

/// The domain's command a request asks for; `None` for the queries
/// (answered at once) and the callbacks (ours to send, not to receive).
pub fn to_command(request: &FujianRequest) -> Option<baohan_domain::command::Command> {
    match request {
        FujianRequest::Baohanapply(a) => Some(messages::baohanapply::to_command(a)),
        FujianRequest::Giveupnotice(g) => Some(messages::giveupnotice::to_command(g)),
        FujianRequest::Quitapply(q) => Some(messages::quitapply::to_command(q)),
        FujianRequest::Claimsnotice(c) => Some(messages::claimsnotice::to_command(c)),
        FujianRequest::Getbaohaninfo(_)
        | FujianRequest::Baohannotice(_)
        | FujianRequest::Quitnotice(_)
        | FujianRequest::Claimsresultnotice(_) => None,
    }
}
