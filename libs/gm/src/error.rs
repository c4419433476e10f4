use thiserror::Error;

/// Everything that can go wrong in the crypto layer.
///
/// Variants say *what* was wrong with the input so an integration engineer can
/// act on it; none of them ever carries key material.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum GmError {
    #[error("invalid {what}: {reason}")]
    InvalidKey { what: &'static str, reason: String },
    #[error("invalid encoding: {0}")]
    Encoding(String),
    #[error("SM4 decryption failed: {0}")]
    Sm4Decrypt(&'static str),
    #[error("SM2 encryption failed: {0}")]
    Sm2Encrypt(&'static str),
    #[error("SM2 decryption failed: no ciphertext layout ({tried}) passed the C3 check")]
    Sm2Decrypt { tried: String },
    #[error("malformed SM2 signature: {0}")]
    MalformedSignature(String),
    #[error("SM2 signature does not verify")]
    BadSignature,
    #[error("malformed DER: {0}")]
    Der(String),
    #[error("the system random source failed")]
    Random,
    #[error("digital envelope: {0}")]
    Envelope(String),
}
