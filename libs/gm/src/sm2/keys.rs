//! SM2 key pairs: generation, and every text form peers exchange.
//!
//! Private keys: 64 hex characters, PEM (PKCS#8 or SEC1, including OpenSSL's
//! non-standard `SM2 PRIVATE KEY` label), or Base64 of the raw 32 bytes or of
//! the PKCS#8 DER (ELY spec 9.3.1 says keys travel as Base64).
//! Public keys: 130 hex characters (`04‖x‖y`), 128 without the prefix, PEM
//! SPKI, or Base64 of any of those byte forms.

use crate::GmError;
use crate::encoding::{decode_base64, decode_hex, is_hex};
use sm2::elliptic_curve::Generate;
use sm2::elliptic_curve::sec1::ToSec1Point;
use sm2::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};

fn bad(what: &'static str, reason: impl Into<String>) -> GmError {
    GmError::InvalidKey {
        what,
        reason: reason.into(),
    }
}

/// Our SM2 private key. The inner `SecretKey` zeroises itself on drop, and
/// `Debug` never shows it.
#[derive(Clone)]
pub struct PrivateKey(pub(crate) sm2::SecretKey);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey(***, public {})", self.public_key().to_hex())
    }
}

/// A peer's (or our own) SM2 public key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(pub(crate) sm2::PublicKey);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl PrivateKey {
    pub fn generate() -> Self {
        PrivateKey(sm2::SecretKey::generate())
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, GmError> {
        if bytes.len() != 32 {
            return Err(bad(
                "SM2 private key",
                format!("{} bytes, expected 32", bytes.len()),
            ));
        }
        sm2::SecretKey::from_slice(bytes)
            .map(PrivateKey)
            .map_err(|_| bad("SM2 private key", "zero or not below the curve order"))
    }

    pub fn parse(text: &str) -> Result<Self, GmError> {
        let t = text.trim();
        if t.starts_with("-----BEGIN") {
            return Self::from_pem(t);
        }
        if t.len() == 64 && is_hex(t) {
            return Self::from_bytes(&decode_hex(t)?);
        }
        let bytes = decode_base64(t).map_err(|_| {
            bad(
                "SM2 private key",
                "expected 64 hex characters, PEM, or Base64 of the raw key or PKCS#8",
            )
        })?;
        match bytes.len() {
            32 => Self::from_bytes(&bytes),
            _ => sm2::SecretKey::from_pkcs8_der(&bytes)
                .or_else(|_| sm2::SecretKey::from_sec1_der(&bytes))
                .map(PrivateKey)
                .map_err(|_| {
                    bad(
                        "SM2 private key",
                        "Base64 is neither 32 raw bytes, PKCS#8 nor SEC1",
                    )
                }),
        }
    }

    fn from_pem(pem: &str) -> Result<Self, GmError> {
        if pem.contains("BEGIN PRIVATE KEY") {
            return sm2::SecretKey::from_pkcs8_pem(pem)
                .map(PrivateKey)
                .map_err(|e| bad("SM2 private key", format!("PKCS#8 PEM: {e}")));
        }
        // `openssl ec` writes SEC1 under the label "SM2 PRIVATE KEY"; the DER
        // inside is ordinary SEC1, so read it under the standard label.
        let pem = pem.replace("SM2 PRIVATE KEY", "EC PRIVATE KEY");
        sm2::SecretKey::from_sec1_pem(&pem)
            .map(PrivateKey)
            .map_err(|e| bad("SM2 private key", format!("SEC1 PEM: {e}")))
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.public_key())
    }

    /// 64 lowercase hex characters, zero-padded.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    pub fn to_pkcs8_pem(&self) -> Result<String, GmError> {
        self.0
            .to_pkcs8_pem(LineEnding::LF)
            .map(|s| s.to_string())
            .map_err(|e| bad("SM2 private key", e.to_string()))
    }

    pub fn to_sec1_pem(&self) -> Result<String, GmError> {
        self.0
            .to_sec1_pem(LineEnding::LF)
            .map(|s| s.to_string())
            .map_err(|e| bad("SM2 private key", e.to_string()))
    }
}

impl PublicKey {
    pub fn parse(text: &str) -> Result<Self, GmError> {
        let t = text.trim();
        if t.starts_with("-----BEGIN") {
            return sm2::PublicKey::from_public_key_pem(t)
                .map(PublicKey)
                .map_err(|e| bad("SM2 public key", format!("SPKI PEM: {e}")));
        }
        let bytes = if (t.len() == 130 || t.len() == 128) && is_hex(t) {
            decode_hex(t)?
        } else {
            decode_base64(t).map_err(|_| {
                bad(
                    "SM2 public key",
                    "expected 130 hex characters (04...), 128 without the prefix, PEM, or Base64",
                )
            })?
        };
        Self::from_bytes(&bytes)
    }

    /// 65 bytes `04‖x‖y`, 64 bytes `x‖y`, or SPKI DER.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, GmError> {
        let key = match bytes.len() {
            65 => sm2::PublicKey::from_sec1_bytes(bytes),
            64 => {
                let mut sec1 = Vec::with_capacity(65);
                sec1.push(0x04);
                sec1.extend_from_slice(bytes);
                sm2::PublicKey::from_sec1_bytes(&sec1)
            }
            _ => sm2::PublicKey::from_public_key_der(bytes).map_err(|_| sm2::elliptic_curve::Error),
        };
        key.map(PublicKey).map_err(|_| {
            bad(
                "SM2 public key",
                format!(
                    "{} bytes that are not a point on the SM2 curve",
                    bytes.len()
                ),
            )
        })
    }

    /// `04‖x‖y`, 65 bytes.
    pub fn to_uncompressed(&self) -> [u8; 65] {
        let point = self.0.to_sec1_point(false);
        let mut out = [0u8; 65];
        out.copy_from_slice(point.as_bytes());
        out
    }

    /// 130 lowercase hex characters, `04` first.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_uncompressed())
    }

    /// 128 lowercase hex characters, without the `04`.
    pub fn to_hex_no_prefix(&self) -> String {
        hex::encode(&self.to_uncompressed()[1..])
    }

    pub fn to_pem(&self) -> Result<String, GmError> {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| bad("SM2 public key", e.to_string()))
    }
}
