//! SM2 signatures with SM3 and a distinguishing ID (GM/T 0003.2, GM/T 0009).

use super::der;
use super::keys::{PrivateKey, PublicKey};
use crate::GmError;
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};

/// The user ID every peer assumes when none is agreed (GM/T 0009).
/// Note OpenSSL 3 uses an *empty* ID unless told `distid:1234567812345678`.
pub const DEFAULT_USER_ID: &str = "1234567812345678";

/// Signs; the signature is deterministic (RFC 6979 style), which needs no
/// randomness at signing time and is indistinguishable to verifiers.
pub fn sign(key: &PrivateKey, user_id: &str, message: &[u8]) -> Result<[u8; 64], GmError> {
    let sk = SigningKey::new(user_id, &key.0)
        .map_err(|_| GmError::MalformedSignature("user ID longer than 8191 bytes".into()))?;
    let sig: Signature = sk
        .try_sign(message)
        .map_err(|_| GmError::MalformedSignature("signing failed".into()))?;
    Ok(sig.to_bytes().into())
}

/// Canonical DER `SEQUENCE { INTEGER r, INTEGER s }`.
pub fn to_der(raw: &[u8; 64]) -> Vec<u8> {
    let mut content = Vec::with_capacity(72);
    der::push_unsigned(&mut content, &raw[..32]);
    der::push_unsigned(&mut content, &raw[32..]);
    der::sequence(&content)
}

/// Reads r‖s (64 bytes) or DER, told apart by length and the SEQUENCE tag.
pub fn parse_signature(bytes: &[u8]) -> Result<[u8; 64], GmError> {
    if bytes.len() == 64 {
        let mut out = [0u8; 64];
        out.copy_from_slice(bytes);
        return Ok(out);
    }
    let mut outer = der::Reader::new(bytes);
    let mut seq = outer
        .sequence()
        .map_err(|e| GmError::MalformedSignature(format!("neither 64 raw bytes nor DER: {e}")))?;
    outer.finish("the signature")?;
    let r = seq.unsigned::<32>("r")?;
    let s = seq.unsigned::<32>("s")?;
    seq.finish("s")?;
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&r);
    out[32..].copy_from_slice(&s);
    Ok(out)
}

/// Verifies a signature given as raw r‖s or DER bytes.
pub fn verify(
    key: &PublicKey,
    user_id: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<(), GmError> {
    let raw = parse_signature(signature)?;
    let sig = Signature::from_slice(&raw).map_err(|_| {
        GmError::MalformedSignature("r or s is zero or not below the curve order".into())
    })?;
    let vk = VerifyingKey::new(user_id, key.0)
        .map_err(|_| GmError::MalformedSignature("user ID longer than 8191 bytes".into()))?;
    vk.verify(message, &sig).map_err(|_| GmError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_in_both_encodings() {
        let sk = PrivateKey::generate();
        let pk = sk.public_key();
        let raw = sign(&sk, DEFAULT_USER_ID, b"abc").unwrap();
        assert!(verify(&pk, DEFAULT_USER_ID, b"abc", &raw).is_ok());
        assert!(verify(&pk, DEFAULT_USER_ID, b"abc", &to_der(&raw)).is_ok());
        assert_eq!(
            verify(&pk, DEFAULT_USER_ID, b"abd", &raw),
            Err(GmError::BadSignature)
        );
        assert_eq!(
            verify(&pk, "other", b"abc", &raw),
            Err(GmError::BadSignature)
        );
    }
}
