//! Text forms of bytes, and tolerant decoding of what peers send.

use crate::GmError;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// How bytes are written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Base64,
    Hex,
}

impl Encoding {
    /// Base64 is standard with padding (what `java.util.Base64` writes);
    /// hex is lowercase.
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Base64 => STANDARD.encode(bytes),
            Encoding::Hex => hex::encode(bytes),
        }
    }

    /// Decodes in exactly this encoding. Surrounding whitespace is ignored,
    /// and so are line breaks inside Base64 (some peers wrap at 76 columns).
    pub fn decode(self, text: &str) -> Result<Vec<u8>, GmError> {
        match self {
            Encoding::Hex => decode_hex(text),
            Encoding::Base64 => decode_base64(text),
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "base64" | "b64" => Some(Encoding::Base64),
            "hex" => Some(Encoding::Hex),
            _ => None,
        }
    }
}

pub fn decode_hex(text: &str) -> Result<Vec<u8>, GmError> {
    hex::decode(text.trim()).map_err(|e| GmError::Encoding(format!("hex: {e}")))
}

/// Standard or URL-safe alphabet, padded or not, line breaks allowed.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, GmError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        if let Ok(bytes) = engine.decode(&compact) {
            return Ok(bytes);
        }
    }
    Err(GmError::Encoding("not valid Base64".into()))
}

/// Whether `text` is entirely hex digits of even length (after trimming).
pub fn is_hex(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.len() % 2 == 0 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Hex if the text is unambiguously hex, Base64 otherwise.
///
/// A Base64 text made only of hex digits is possible but needs the encoded
/// bytes to avoid every other symbol; callers that know the encoding pass it.
pub fn decode_auto(text: &str) -> Result<(Vec<u8>, Encoding), GmError> {
    if is_hex(text) {
        return Ok((decode_hex(text)?, Encoding::Hex));
    }
    Ok((decode_base64(text)?, Encoding::Base64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_tolerates_wrapping_and_url_safe_alphabet() {
        assert_eq!(decode_base64("AAEC\nAw==").ok(), Some(vec![0, 1, 2, 3]));
        assert_eq!(decode_base64("-_8").ok(), Some(vec![0xfb, 0xff]));
        assert!(decode_base64("***").is_err());
    }

    #[test]
    fn auto_prefers_hex_when_unambiguous() {
        assert_eq!(
            decode_auto(" 0a0b ").ok(),
            Some((vec![10, 11], Encoding::Hex))
        );
        assert_eq!(
            decode_auto("AQID").ok(),
            Some((vec![1, 2, 3], Encoding::Base64))
        );
    }
}
