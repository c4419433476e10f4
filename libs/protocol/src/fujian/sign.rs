//! The Fujian sign: SM3 over the sorted `key=value` pairs plus the appsecret.
//!
//! Rules (docs/protocol.md has worked examples):
//! drop `sign`; drop null and `""`; sort by key (byte order, or ⚙ ignoring
//! case); join `key=value` with `&`; append `&appsecret=…`; SM3 as lowercase
//! hex. Values are their wire text: a 密文 field enters as its ciphertext and
//! a number keeps its digits (`10000.50`), so callers pass the map parsed
//! with arbitrary precision, never a re-rendered one.

use crate::wire::{Map, Value};
use baohan_gm::sm3;

/// How keys are ordered in the sign string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// ASCII byte order: `Payurl` before `appkey` (the spec's 升序).
    #[default]
    Bytes,
    /// Case-insensitive, for platforms whose SDK sorts that way (⚙).
    IgnoreCase,
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        // Objects and arrays are signed as their compact JSON.
        other => Some(crate::wire::scalar_text(other).unwrap_or_else(|| other.to_string())),
    }
}

/// How the appsecret is appended. The spec's is `&appsecret=S`; the others
/// are mistakes seen in SDKs, which `baohanctl diagnose` tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretForm {
    Appsecret,
    Key,
    Bare,
}

/// A sign-string construction: the spec's, or a known deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    pub order: SortOrder,
    /// Whether `""` values are kept (as `key=`) instead of dropped.
    pub keep_empty: bool,
    pub secret: SecretForm,
}

impl Variant {
    pub fn spec(order: SortOrder) -> Self {
        Variant {
            order,
            keep_empty: false,
            secret: SecretForm::Appsecret,
        }
    }
}

/// The exact string that is hashed. It contains the appsecret: never log it.
pub fn sign_string(map: &Map, appsecret: &str, order: SortOrder) -> String {
    sign_string_with(map, appsecret, Variant::spec(order))
}

pub fn sign_string_with(map: &Map, appsecret: &str, variant: Variant) -> String {
    let mut pairs: Vec<(&str, String)> = map
        .iter()
        .filter(|(k, _)| k.as_str() != "sign")
        .filter_map(|(k, v)| match v {
            Value::String(s) if s.is_empty() && variant.keep_empty => {
                Some((k.as_str(), String::new()))
            }
            _ => value_text(v).map(|t| (k.as_str(), t)),
        })
        .collect();
    match variant.order {
        SortOrder::Bytes => pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes())),
        SortOrder::IgnoreCase => pairs.sort_by(|a, b| {
            a.0.to_ascii_lowercase()
                .cmp(&b.0.to_ascii_lowercase())
                .then(a.0.cmp(b.0))
        }),
    }
    let mut out = String::new();
    for (k, v) in pairs {
        out.push_str(k);
        out.push('=');
        out.push_str(&v);
        out.push('&');
    }
    match variant.secret {
        SecretForm::Appsecret => out.push_str("appsecret="),
        SecretForm::Key => out.push_str("key="),
        SecretForm::Bare => {}
    }
    out.push_str(appsecret);
    out
}

/// The sign value: lowercase hex SM3 of the sign string.
pub fn sign(map: &Map, appsecret: &str, order: SortOrder) -> String {
    sm3::hex_digest(sign_string(map, appsecret, order).as_bytes())
}

/// What verification found when the sign does not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub expected: String,
    pub received: Option<String>,
}

/// Checks `map["sign"]` in constant time, ignoring hex case.
pub fn verify(map: &Map, appsecret: &str, order: SortOrder) -> Result<(), Mismatch> {
    let digest = sm3::digest(sign_string(map, appsecret, order).as_bytes());
    let received = map.get("sign").and_then(Value::as_str);
    match received {
        Some(r) if sm3::hex_digest_matches(r, &digest) => Ok(()),
        _ => Err(Mismatch {
            expected: baohan_gm::Encoding::Hex.encode(&digest),
            received: received.map(str::to_owned),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(json: &str) -> Map {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn upper_case_keys_sort_first_and_empty_values_drop() {
        let m = map(
            r#"{"code":1,"message":"成功","Payurl":"https://p/x?a=1&b=2","appkey":"K","Reason":"","n":null}"#,
        );
        assert_eq!(
            sign_string(&m, "s", SortOrder::Bytes),
            "Payurl=https://p/x?a=1&b=2&appkey=K&code=1&message=成功&appsecret=s"
        );
        assert_eq!(
            sign_string(&m, "s", SortOrder::IgnoreCase),
            "appkey=K&code=1&message=成功&Payurl=https://p/x?a=1&b=2&appsecret=s"
        );
    }

    #[test]
    fn numbers_keep_their_wire_text() {
        let m = map(r#"{"bzjamount":10000.50,"count":0}"#);
        assert_eq!(
            sign_string(&m, "s", SortOrder::Bytes),
            "bzjamount=10000.50&count=0&appsecret=s"
        );
    }

    #[test]
    fn verification_ignores_hex_case_and_reports_the_expected_sign() {
        let mut m = map(r#"{"a":"x"}"#);
        let good = sign(&m, "k", SortOrder::Bytes);
        m.insert("sign".into(), Value::String(good.to_uppercase()));
        assert!(verify(&m, "k", SortOrder::Bytes).is_ok());
        let err = verify(&m, "other", SortOrder::Bytes).unwrap_err();
        assert_eq!(err.expected, sign(&m, "other", SortOrder::Bytes));
    }
}
