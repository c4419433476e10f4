//! 国密 (SM2/SM3/SM4) for baohan, tuned to agree byte for byte with the peers
//! the trading platforms run (BouncyCastle, Hutool, sm-crypto, gmssl, OpenSSL).
//!
//! # Layout
//! - [`encoding`]: the text forms bytes travel in (Base64, hex) and the
//!   tolerant decoding of keys and ciphertexts that peers send.
//! - [`sm3`]: digests, as lowercase hex, and constant-time comparison.
//! - [`sm4`]: ECB and CBC with PKCS#7, keys given as hex, Base64 or text.
//! - [`sm2`]: keys, encryption in every layout peers use (C1C3C2, C1C2C3,
//!   with or without the 0x04 prefix, GM/T 0009 DER), decryption that detects
//!   the layout by checking C3, and signatures (raw r‖s or DER).
//! - [`envelope`]: the digital envelope of the ELY spec, section 9.3.3.
//!
//! The maths comes from RustCrypto; this crate owns the byte layouts, which
//! is where interoperability actually breaks.

pub mod encoding;
pub mod envelope;
mod error;
pub mod sm2;
pub mod sm3;
pub mod sm4;

pub use encoding::Encoding;
pub use error::GmError;
