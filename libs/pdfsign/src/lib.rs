//! The guarantee letter's signature: SM2 with SM3, in a CMS SignedData
//! (detached) embedded in the PDF as an incremental update, as PDF readers
//! expect (`/adbe.pkcs7.detached`); its verification; and certificates for
//! local use (a test CA and the institution's certificate).
//!
//! # Layout
//! - [`cert`]: SM2 certificates, built and read with `x509-cert`.
//! - [`cms`]: the detached SignedData, signed and verified.
//! - [`pdf`]: the signature dictionary appended to a PDF, and checked.
//!
//! The structures are built by hand: the `cms` and `x509-cert` builders
//! need `signature` 2 keys, and `sm2` 0.14 implements `signature` 3.

pub mod cert;
pub mod cms;
pub mod pdf;

use der::asn1::ObjectIdentifier as Oid;

/// SM2 with SM3 (GM/T 0006): the signature algorithm.
pub const SM2_WITH_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.501");
/// SM3 (GM/T 0006): the digest algorithm.
pub const SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.401");

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("asn.1: {0}")]
    Der(#[from] der::Error),
    #[error("sm2: {0}")]
    Gm(#[from] baohan_gm::GmError),
    #[error("pdf: {0}")]
    Pdf(String),
    #[error("certificate name {0:?}: {1}")]
    Name(String, String),
}

/// Why a signature does not verify. Every variant means "not valid"; the
/// text says which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("no signature in the document")]
    Unsigned,
    #[error(
        "the signature does not cover the whole document (bytes were added or cut after signing)"
    )]
    NotCovering,
    #[error("malformed signature: {0}")]
    Malformed(String),
    #[error("the document's digest differs from the signed one: it was modified")]
    Modified,
    #[error("the signature does not verify with the certificate's key")]
    BadSignature,
    #[error("algorithm {0} is not SM2 with SM3")]
    Algorithm(String),
}

impl From<der::Error> for VerifyError {
    fn from(e: der::Error) -> Self {
        VerifyError::Malformed(e.to_string())
    }
}
