//! A callback row to the request each platform expects, and its answer to
//! a verdict. The protocol crate does the signing and the encryption; this
//! is where the notifier chooses which, and what counts as success.
//!
//! - Fujian: the business fields, `appkey`, `timestamp`, the 密文 fields
//!   SM4-encrypted, then the SM3 sign; POSTed to the interface's URL.
//!   Success is `code` 1, as a number or a string.
//! - ELY: the business fields SM2-encrypted to the platform's key, a fresh
//!   `msgcode`, `reqtime`, the SM3 sign; POSTed to the platform's ELYApi.
//!   Success is `code` `000`.

use baohan_config::{Platform, PlatformKind};
use baohan_protocol::ely::{self, Transcode};
use baohan_protocol::fujian::{self, Interface};
use baohan_protocol::time::{Shape, shanghai};
use baohan_protocol::wire::{Map, Value, WireMessage};
use chrono::{DateTime, Utc};

/// A request ready to POST.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub url: String,
    pub body: Vec<u8>,
}

/// Why a callback can never be sent as it is: a bug or a configuration
/// error, for an operator. Not retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsendable(pub String);

/// What the platform's answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// A well-formed answer with a failure code.
    Refused(String),
    /// Not an answer we can read.
    Unreadable(String),
}

pub fn prepare(
    platform: &Platform,
    interface: &str,
    payload: &Value,
    now: DateTime<Utc>,
) -> Result<Prepared, Unsendable> {
    let now = now.with_timezone(&shanghai());
    let Value::Object(fields) = payload else {
        return Err(Unsendable("payload is not a JSON object".into()));
    };
    match &platform.kind {
        PlatformKind::Fujian { profile, callbacks } => {
            let (interface, url) = match interface {
                "baohannotice" => (Interface::Baohannotice, &callbacks.baohannotice),
                "quitnotice" => (Interface::Quitnotice, &callbacks.quitnotice),
                "claimsresultnotice" => {
                    (Interface::Claimsresultnotice, &callbacks.claimsresultnotice)
                }
                other => return Err(Unsendable(format!("{other} is not a Fujian callback"))),
            };
            let mut map: Map = fields.clone();
            // Set by `seal`; the typed request wants them present.
            map.insert("appkey".into(), Value::String(profile.appkey.clone()));
            map.insert(
                "timestamp".into(),
                Value::String(Shape::Dashed.format(&now)),
            );
            map.insert("sign".into(), Value::String("-".into()));
            let request = interface
                .parse_request(&map)
                .map_err(|e| Unsendable(format!("{}: {e}", interface.name())))?;
            let sealed = fujian::seal(&request, profile, now);
            Ok(Prepared {
                url: url.clone(),
                body: serde_json::to_vec(&Value::Object(sealed)).unwrap_or_default(),
            })
        }
        PlatformKind::Ely {
            profile,
            callback_url,
        } => {
            let transcode = Transcode::parse(interface)
                .filter(|t| t.provider() == baohan_protocol::Provider::Platform)
                .ok_or_else(|| Unsendable(format!("{interface} is not an ELY callback")))?;
            transcode
                .parse_request(fields)
                .map_err(|e| Unsendable(format!("{interface}: {e}")))?;
            let wire = ely::codec::seal_request(
                transcode,
                fields,
                profile,
                now,
                ely::codec::new_msgcode(),
                transcode.request_envelope(),
            )
            .map_err(|e| Unsendable(format!("{interface}: {e}")))?;
            Ok(Prepared {
                url: callback_url.clone(),
                body: serde_json::to_vec(&Value::Object(wire.to_map())).unwrap_or_default(),
            })
        }
    }
}

pub fn judge(platform: &Platform, body: &[u8]) -> Verdict {
    match &platform.kind {
        PlatformKind::Fujian { .. } => {
            let Ok(Value::Object(reply)) = serde_json::from_slice::<Value>(body) else {
                return Verdict::Unreadable("not a JSON object".into());
            };
            let code = match reply.get("code") {
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::String(s)) => s.trim().to_owned(),
                _ => return Verdict::Unreadable("no code".into()),
            };
            if code == "1" {
                Verdict::Delivered
            } else {
                let message = reply.get("message").and_then(Value::as_str).unwrap_or("");
                Verdict::Refused(format!("code {code}: {message}"))
            }
        }
        PlatformKind::Ely { profile, .. } => match ely::codec::open_response(body, profile) {
            Ok((response, _)) if response.code.is_success() => Verdict::Delivered,
            Ok((response, _)) => Verdict::Refused(format!(
                "code {}: {}",
                response.code.code(),
                response.message.unwrap_or_default()
            )),
            Err(e) => Verdict::Unreadable(e.to_string()),
        },
    }
}

/// What may go in the attempts log of an answer: the first 300 characters,
/// with every run of 6 or more digits masked (account, ID and phone
/// numbers are digits).
pub fn excerpt(body: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(body).chars().take(300).collect();
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 6 {
            out.push_str(&"*".repeat(digits.len()));
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_cut_and_mask_long_numbers() {
        assert_eq!(
            excerpt(
                br#"{"code":0,"message":"account 6222020200112233 phone 13800138000 at 2026"}"#
            ),
            r#"{"code":0,"message":"account **************** phone *********** at 2026"}"#
        );
        assert_eq!(excerpt(&[b'x'; 1000]).len(), 300);
    }
}
