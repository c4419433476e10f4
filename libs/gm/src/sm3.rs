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

/// Constant-time byte comparison; lengths are not secret.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

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
