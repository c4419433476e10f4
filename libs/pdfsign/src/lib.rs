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

/// The institution's signing identity: its certificate and the key that
/// matches it.
pub struct Signer {
    cert: x509_cert::Certificate,
    key: baohan_gm::sm2::PrivateKey,
}

impl Signer {
    /// From the certificate (PEM or DER) and the key (PEM, hex or
    /// Base64); refuses a key that is not the certificate's.
    pub fn load(cert: &[u8], key: &str) -> Result<Signer, SignError> {
        let cert = cert::parse(cert)?;
        let key = baohan_gm::sm2::PrivateKey::parse(key)?;
        if cert::public_key(&cert)?.to_uncompressed() != key.public_key().to_uncompressed() {
            return Err(SignError::Pdf(
                "the signing key does not match the certificate".into(),
            ));
        }
        Ok(Signer { cert, key })
    }

    pub fn cert(&self) -> &x509_cert::Certificate {
        &self.cert
    }

    /// Signs a PDF (see [`pdf::sign`]).
    pub fn sign_pdf(&self, pdf: &[u8], at: std::time::SystemTime) -> Result<Vec<u8>, SignError> {
        pdf::sign(pdf, &self.cert, &self.key, at)
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("subject", &self.cert.tbs_certificate.subject.to_string())
            .finish_non_exhaustive()
    }
}

impl From<der::Error> for VerifyError {
    fn from(e: der::Error) -> Self {
        VerifyError::Malformed(e.to_string())
    }
}
