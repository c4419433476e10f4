//! SM3 digests (GB/T 32905) and constant-time comparison.

use sm3::{Digest, Sm3};
use subtle::ConstantTimeEq;

pub fn digest(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
}

/// SM3 as lowercase hex, the form both specs put on the wire.
pub fn hex_digest(data: &[u8]) -> String {
    hex::encode(digest(data))
}

/// Compares a received hex digest with the expected one in constant time,
/// ignoring ASCII case (platforms send either).
pub fn hex_digest_matches(received: &str, expected: &[u8; 32]) -> bool {
    let Ok(bytes) = hex::decode(received.trim()) else {
        return false;
    };
    ct_eq(&bytes, expected)
}

/// HMAC-SM3 (RFC 2104 over SM3): a keyed tag, for URLs we sign and check
/// ourselves.
pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    // Any key length is valid for HMAC; new_from_slice cannot fail.
    let mut mac = match hmac::Hmac::<Sm3>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Constant-time byte comparison; lengths are not secret.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed independently: RFC 2104 written out in Python over
    /// `gmssl` 3.2.2's `sm3_hash` (key zero-padded to the 64-byte block,
    /// ipad 0x36, opad 0x5c).
    const HMAC_FOX: &str = "bd4a34077888162b210645b8ebf74b9af357303789357a27c7fc457244ebd398";

    #[test]
    fn hmac_matches_an_independent_implementation() {
        assert_eq!(
            hex::encode(hmac(b"key", b"The quick brown fox jumps over the lazy dog")),
            HMAC_FOX
        );
    }

    #[test]
    fn official_vector_abc() {
        assert_eq!(
            hex_digest(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn digest_comparison_ignores_case_and_rejects_other_lengths() {
        let d = digest(b"abc");
        assert!(hex_digest_matches(&hex_digest(b"abc").to_uppercase(), &d));
        assert!(!hex_digest_matches(&hex_digest(b"abd"), &d));
        assert!(!hex_digest_matches("66c7", &d));
        assert!(!hex_digest_matches("zz", &d));
    }
}
