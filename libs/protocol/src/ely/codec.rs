//! The ELY wire envelope and response, in both security modes.
//!
//! Standard mode: `data` = Base64(SM2(JSON)) to the receiver's key, and
//! `sign` = hex SM3(`{data}&{reqtime}&{appkey}&{appsecret}`) over `data` as
//! transmitted. Envelope mode (spec 9.3.3): `data` = Base64(SM4-ECB(JSON))
//! with a fresh key, and `sign` = Base64(SM2(key)). On input the mode is
//! told by `sign`: 64 hex characters is a digest, anything else an envelope.
//!
//! An envelope proves nothing about its sender: anyone holding our public
//! key can seal one. So a request is opened as an envelope only when its
//! transcode is in the platform's `envelope_transcodes` (ELY104, the
//! read-only 验真, by default); any other transcode sealed that way is
//! refused `101` before its data is touched.

use super::{ElyRequest, ResponseCode, Transcode};
use crate::error::{Invalid, Problem};
use crate::time::{Shape, within_window};
pub use crate::wire::MAX_BODY;
use crate::wire::{Map, Value, WireMessage};
use baohan_gm::envelope::{self, KeyForm};
use baohan_gm::sm2::{self, Accept, CipherFormat, Layout, PrivateKey, PublicKey};
use baohan_gm::{Encoding, sm3};
use baohan_masking::Secret;
use chrono::{DateTime, FixedOffset};

crate::wire_message! {
    /// 请求报文 (spec 9.2.1).
    pub struct WireRequest {
        /// 交易码
        transcode: req String = "transcode" max 20;
        /// 流水号: 32 hex characters (a UUID without dashes)
        msgcode: req String = "msgcode" max 32;
        /// 银行标识
        appid: req String = "appid" max 32;
        /// 请求时间 yyyyMMddHHmmss
        reqtime: req String = "reqtime" max 14;
        /// 接口版本
        version: req String = "version" max 10;
        /// 请求报文加密后的数据
        data: req String = "data" max MAX_BODY;
        /// SM3 digest, or in envelope mode the SM2-wrapped SM4 key
        sign: req String = "sign" max 4096;
    }
}

crate::wire_message! {
    /// 响应报文 (spec 9.2.2). `sign` is our addition for envelope-mode
    /// responses (ELY103), where it carries the wrapped key.
    pub struct WireResponse {
        /// 响应状态
        code: req ResponseCode = "code";
        /// 响应描述
        message: opt String = "message" max 200;
        /// 响应报文加密后的数据
        data: opt String = "data" max MAX_BODY;
        sign: opt String = "sign" max 4096;
    }
}

/// One platform's ELY settings: credentials, keys and crypto variants (⚙).
#[derive(Debug, Clone)]
pub struct ElyProfile {
    pub appid: String,
    pub appkey: String,
    pub appsecret: Secret,
    /// Our private key: the platform encrypts to its public half.
    pub our_key: PrivateKey,
    /// The platform's public key: we encrypt to it.
    pub peer_key: PublicKey,
    /// How we write SM2 ciphertexts (default C1C3C2 with the 04 prefix).
    pub send_layout: Layout,
    /// Which layout to try first when reading (all are accepted).
    pub accept_first: CipherFormat,
    pub clock_window_secs: i64,
    pub version: String,
    /// The transcodes this platform may send as a digital envelope (⚙):
    /// unauthenticated, so only those that change nothing.
    pub envelope_transcodes: Vec<Transcode>,
}

impl ElyProfile {
    /// What a platform may send in envelope mode unless configured
    /// otherwise: ELY104, which only reads.
    pub const DEFAULT_ENVELOPE_TRANSCODES: &'static [Transcode] = &[Transcode::Ely104];
}

/// How an inbound message was protected, as detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Standard { layout: Layout },
    Envelope { layout: Layout, key_form: KeyForm },
}

impl std::fmt::Display for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Security::Standard { layout } => write!(f, "standard: SM3 sign, SM2 data ({layout})"),
            Security::Envelope { layout, key_form } => {
                write!(
                    f,
                    "digital envelope: SM4-ECB data, SM2 key ({layout}, key as {key_form})"
                )
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct OpenedRequest {
    pub transcode: Transcode,
    pub msgcode: String,
    pub reqtime: DateTime<FixedOffset>,
    pub security: Security,
    /// The decrypted business JSON, as received.
    pub business: Map,
    pub request: ElyRequest,
}

/// Why an inbound message was refused, with its spec 11.1 code.
///
/// `detail` is for our log. The caller hears it only when `disclose` is
/// set: a caller that has not proved who it is hears the code's text and
/// nothing about keys, layouts or which check failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{} {}: {detail}", code.code(), code.text())]
pub struct Rejection {
    pub code: ResponseCode,
    pub detail: String,
    pub disclose: bool,
}

impl Rejection {
    /// A refusal whose detail the caller hears.
    pub fn new(code: ResponseCode, detail: impl Into<String>) -> Self {
        Rejection {
            code,
            detail: detail.into(),
            disclose: true,
        }
    }

    /// A refusal of a caller not (yet) authenticated: the detail stays
    /// in our log.
    pub fn undisclosed(code: ResponseCode, detail: impl Into<String>) -> Self {
        Rejection {
            disclose: false,
            ..Rejection::new(code, detail)
        }
    }

    /// The one answer to every failed authentication (unknown appid,
    /// wrong sign, an envelope where none is allowed, a source address
    /// not allowed): `101`, whatever failed.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Rejection::undisclosed(ResponseCode::SignFailed, detail)
    }

    fn invalid(e: Invalid) -> Self {
        Rejection::new(ResponseCode::InvalidParams, e.to_string())
    }

    /// The response the platform receives.
    pub fn response(&self) -> WireResponse {
        let message = if self.disclose {
            truncate(&format!("{}: {}", self.code.text(), self.detail), 200)
        } else {
            self.code.text().to_owned()
        };
        WireResponse {
            code: self.code,
            message: Some(message),
            data: None,
            sign: None,
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// `{data}&{reqtime}&{appkey}&{appsecret}`: contains the secret, never log it.
pub fn sign_input(data: &str, reqtime: &str, appkey: &str, appsecret: &str) -> String {
    format!("{data}&{reqtime}&{appkey}&{appsecret}")
}

/// Whether `sign` is a digest (standard mode) rather than a wrapped key.
pub fn is_digest(sign: &str) -> bool {
    sign.len() == 64 && sign.bytes().all(|b| b.is_ascii_hexdigit())
}

fn parse_map(body: &[u8]) -> Result<Map, Rejection> {
    if body.len() > MAX_BODY {
        return Err(Rejection::new(
            ResponseCode::InvalidParams,
            format!("body is {} bytes, over the limit", body.len()),
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Rejection::new(
            ResponseCode::InvalidParams,
            "body is not a JSON object",
        )),
    }
}

/// Decrypts standard-mode `data`: Base64 of SM2 to our key, any layout.
fn decrypt_data(data: &str, profile: &ElyProfile) -> Result<(Vec<u8>, Layout), Rejection> {
    let bytes = Encoding::Base64
        .decode(data)
        .map_err(|e| Rejection::new(ResponseCode::DecryptFailed, format!("data: {e}")))?;
    sm2::decrypt(
        &profile.our_key,
        &bytes,
        Accept::Any {
            first: profile.accept_first,
        },
    )
    .map_err(|e| Rejection::new(ResponseCode::DecryptFailed, format!("data: {e}")))
}

/// Opens envelope-mode `data` with the key wrapped in `sign`. Nothing
/// about why it failed is disclosed: its sender is unauthenticated.
fn open_envelope(
    data: &str,
    sign: &str,
    profile: &ElyProfile,
) -> Result<(Vec<u8>, Security), Rejection> {
    let opened = envelope::open(
        &profile.our_key,
        Accept::Any {
            first: profile.accept_first,
        },
        data,
        sign,
    )
    .map_err(|e| {
        Rejection::undisclosed(
            ResponseCode::DecryptFailed,
            format!("digital envelope: {e}"),
        )
    })?;
    let security = Security::Envelope {
        layout: opened.key_layout,
        key_form: opened.key_form,
    };
    Ok((opened.payload, security))
}

/// Opens protected `data` of `transcode`: verifies and decrypts per the
/// detected mode. Returns the plaintext and what was detected. An
/// envelope is opened only for a transcode the profile allows one for.
pub fn unprotect(
    transcode: Transcode,
    data: &str,
    sign: &str,
    reqtime: &str,
    profile: &ElyProfile,
) -> Result<(Vec<u8>, Security), Rejection> {
    if !is_digest(sign) {
        if !profile.envelope_transcodes.contains(&transcode) {
            return Err(Rejection::unauthenticated(format!(
                "{}: a digital envelope, which this platform may not send for it",
                transcode.code()
            )));
        }
        return open_envelope(data, sign, profile);
    }
    let expected = sm3::digest(
        sign_input(data, reqtime, &profile.appkey, profile.appsecret.expose()).as_bytes(),
    );
    if !sm3::hex_digest_matches(sign, &expected) {
        return Err(Rejection::unauthenticated(
            "sign: SM3 digest does not match",
        ));
    }
    let (plain, layout) = decrypt_data(data, profile)?;
    Ok((plain, Security::Standard { layout }))
}

fn business_map(plain: &[u8]) -> Result<Map, Rejection> {
    match serde_json::from_slice::<Value>(plain) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Rejection::new(
            ResponseCode::InvalidParams,
            "data: the decrypted text is not a JSON object",
        )),
    }
}

/// Takes a raw inbound body to a verified, decrypted, typed request.
pub fn open_request(
    body: &[u8],
    profile: &ElyProfile,
    now: DateTime<FixedOffset>,
) -> Result<OpenedRequest, Rejection> {
    open_wire(read_request(body)?, profile, now)
}

/// The envelope of a request body, unverified: the first step of
/// [`open_request`], apart so a server can find the platform by `appid`
/// before it knows which keys to open it with.
pub fn read_request(body: &[u8]) -> Result<WireRequest, Rejection> {
    WireRequest::from_map(&parse_map(body)?).map_err(Rejection::invalid)
}

/// The rest of [`open_request`], from the parsed envelope.
pub fn open_wire(
    wire: WireRequest,
    profile: &ElyProfile,
    now: DateTime<FixedOffset>,
) -> Result<OpenedRequest, Rejection> {
    let Some(transcode) = Transcode::parse(&wire.transcode) else {
        return Err(Rejection::invalid(Invalid::one(
            "transcode",
            Problem::NotAllowed {
                allowed: Transcode::CODES,
            },
        )));
    };
    if wire.appid != profile.appid {
        return Err(Rejection::unauthenticated("appid: not this platform's"));
    }
    let (plain, security) = unprotect(transcode, &wire.data, &wire.sign, &wire.reqtime, profile)?;
    // Only after the sign or envelope checks out are msgcode and reqtime
    // judged: an answer that differs by appid before that would tell an
    // outsider which appids exist, and the clock would tell it ours.
    if wire.msgcode.len() != 32 || !wire.msgcode.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Rejection::invalid(Invalid::one(
            "msgcode",
            Problem::Format("32 hex characters"),
        )));
    }
    let Some(reqtime) = Shape::Compact.parse(&wire.reqtime) else {
        return Err(Rejection::invalid(Invalid::one(
            "reqtime",
            Problem::Format("yyyyMMddHHmmss"),
        )));
    };
    if !within_window(&reqtime, &now, profile.clock_window_secs) {
        return Err(Rejection::invalid(Invalid::one(
            "reqtime",
            Problem::Format("a time within the allowed clock window"),
        )));
    }
    let business = business_map(&plain)?;
    let request = transcode
        .parse_request(&business)
        .map_err(Rejection::invalid)?;
    Ok(OpenedRequest {
        transcode,
        msgcode: wire.msgcode,
        reqtime,
        security,
        business,
        request,
    })
}

/// Encrypts a business object to the peer: `(data, wrapped key)`, the
/// key only in envelope mode.
fn encrypt_payload(
    json: &str,
    envelope_mode: bool,
    profile: &ElyProfile,
) -> Result<(String, Option<String>), baohan_gm::GmError> {
    if envelope_mode {
        let sealed = envelope::seal(&profile.peer_key, profile.send_layout, json.as_bytes())?;
        return Ok((sealed.data, Some(sealed.sign)));
    }
    let ct = sm2::encrypt(&profile.peer_key, profile.send_layout, json.as_bytes())?;
    Ok((Encoding::Base64.encode(&ct), None))
}

/// Protects a business object for a request: `(data, sign)`, where sign is
/// the SM3 digest in standard mode and the wrapped key in envelope mode.
fn protect(
    json: &str,
    reqtime: &str,
    envelope_mode: bool,
    profile: &ElyProfile,
) -> Result<(String, String), baohan_gm::GmError> {
    let (data, wrapped_key) = encrypt_payload(json, envelope_mode, profile)?;
    let sign = wrapped_key.unwrap_or_else(|| {
        sm3::hex_digest(
            sign_input(&data, reqtime, &profile.appkey, profile.appsecret.expose()).as_bytes(),
        )
    });
    Ok((data, sign))
}

/// A fresh `msgcode`: a UUID without dashes.
pub fn new_msgcode() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Makes an outbound request (a callback, or a test platform's call).
pub fn seal_request(
    transcode: Transcode,
    business: &Map,
    profile: &ElyProfile,
    reqtime: DateTime<FixedOffset>,
    msgcode: String,
    envelope_mode: bool,
) -> Result<WireRequest, baohan_gm::GmError> {
    let reqtime = Shape::Compact.format(&reqtime);
    let json = Value::Object(business.clone()).to_string();
    let (data, sign) = protect(&json, &reqtime, envelope_mode, profile)?;
    Ok(WireRequest {
        transcode: transcode.code().to_owned(),
        msgcode,
        appid: profile.appid.clone(),
        reqtime,
        version: profile.version.clone(),
        data,
        sign,
    })
}

/// Makes our response. Business data, if any, is encrypted to the peer;
/// ELY103's travels in an envelope. The response carries no reqtime, so a
/// standard-mode response's data is not signed (spec 9.2.2 has no sign).
pub fn seal_response(
    code: ResponseCode,
    message: Option<String>,
    business: Option<&Map>,
    envelope_mode: bool,
    profile: &ElyProfile,
) -> Result<WireResponse, baohan_gm::GmError> {
    let (data, sign) = match business {
        None => (None, None),
        Some(map) => {
            let (data, wrapped_key) = encrypt_payload(
                &Value::Object(map.clone()).to_string(),
                envelope_mode,
                profile,
            )?;
            (Some(data), wrapped_key)
        }
    };
    Ok(WireResponse {
        code,
        message: message.or_else(|| Some(code.text().to_owned())),
        data,
        sign,
    })
}

/// Reads a response (the platform's reply to our callback, or ours in a
/// test): the code, and the decrypted business data if present.
pub fn open_response(
    body: &[u8],
    profile: &ElyProfile,
) -> Result<(WireResponse, Option<Map>), Rejection> {
    let response = WireResponse::from_map(&parse_map(body)?).map_err(Rejection::invalid)?;
    let business = match (&response.data, &response.sign) {
        (None, _) => None,
        (Some(data), Some(sign)) if !is_digest(sign) => {
            Some(business_map(&open_envelope(data, sign, profile)?.0)?)
        }
        (Some(data), _) => Some(business_map(&decrypt_data(data, profile)?.0)?),
    };
    Ok((response, business))
}
