//! SM4 (GB/T 32907) in ECB and CBC with PKCS#7 padding.
//!
//! PKCS#7 here is what Java calls `PKCS5Padding`; every peer we know uses it.

use crate::encoding::{decode_base64, decode_hex, is_hex};
use crate::{Encoding, GmError};
use sm4::Sm4;
use sm4::cipher::block_padding::Pkcs7;
use sm4::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A 16-byte SM4 key. Zeroised on drop, masked in `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Sm4Key([u8; 16]);

impl std::fmt::Debug for Sm4Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sm4Key(***)")
    }
}

impl Sm4Key {
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Sm4Key(bytes)
    }

    /// Accepts the three forms platforms hand out: 32 hex characters,
    /// Base64 of 16 bytes (24 characters), or a 16-character text used as
    /// its UTF-8 bytes. The lengths never collide, so no hint is needed.
    pub fn parse(text: &str) -> Result<Self, GmError> {
        let t = text.trim();
        let bad = |reason: String| GmError::InvalidKey {
            what: "SM4 key",
            reason,
        };
        let bytes = match t.len() {
            32 if is_hex(t) => decode_hex(t)?,
            24 => decode_base64(t).map_err(|_| bad("24 characters but not Base64".into()))?,
            16 => t.as_bytes().to_vec(),
            n => {
                return Err(bad(format!(
                    "{n} bytes of text; expected 32 hex characters, Base64 of 16 bytes or 16 characters"
                )));
            }
        };
        Self::from_slice(&bytes)
    }

    pub fn from_slice(bytes: &[u8]) -> Result<Self, GmError> {
        let arr: [u8; 16] = bytes.try_into().map_err(|_| GmError::InvalidKey {
            what: "SM4 key",
            reason: format!("{} bytes, expected 16", bytes.len()),
        })?;
        Ok(Sm4Key(arr))
    }

    /// The raw key, for callers that must put it on the wire (the envelope).
    pub fn expose(&self) -> &[u8; 16] {
        &self.0
    }

    pub fn generate() -> Result<Self, GmError> {
        let mut k = [0u8; 16];
        getrandom(&mut k)?;
        Ok(Sm4Key(k))
    }
}

/// Fills `buf` from the operating system's CSPRNG.
pub(crate) fn getrandom(buf: &mut [u8]) -> Result<(), GmError> {
    use sm2::elliptic_curve::rand_core::TryRng;
    sm2::elliptic_curve::common::getrandom::SysRng
        .try_fill_bytes(buf)
        .map_err(|_| GmError::Random)
}

/// Block-cipher mode. The IV is public but fixed per platform by agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Ecb,
    Cbc { iv: [u8; 16] },
}

impl Mode {
    /// Parses an IV in the same forms as a key (hex, Base64 or 16 characters).
    pub fn cbc_from_text(iv: &str) -> Result<Self, GmError> {
        let key = Sm4Key::parse(iv).map_err(|e| match e {
            GmError::InvalidKey { reason, .. } => GmError::InvalidKey {
                what: "SM4 IV",
                reason,
            },
            other => other,
        })?;
        Ok(Mode::Cbc { iv: *key.expose() })
    }
}

pub fn encrypt(key: &Sm4Key, mode: &Mode, plaintext: &[u8]) -> Vec<u8> {
    match mode {
        Mode::Ecb => {
            ecb::Encryptor::<Sm4>::new(&key.0.into()).encrypt_padded_vec::<Pkcs7>(plaintext)
        }
        Mode::Cbc { iv } => cbc::Encryptor::<Sm4>::new(&key.0.into(), &(*iv).into())
            .encrypt_padded_vec::<Pkcs7>(plaintext),
    }
}

pub fn decrypt(key: &Sm4Key, mode: &Mode, ciphertext: &[u8]) -> Result<Vec<u8>, GmError> {
    if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
        return Err(GmError::Sm4Decrypt(
            "length is not a positive multiple of 16",
        ));
    }
    let out = match mode {
        Mode::Ecb => {
            ecb::Decryptor::<Sm4>::new(&key.0.into()).decrypt_padded_vec::<Pkcs7>(ciphertext)
        }
        Mode::Cbc { iv } => cbc::Decryptor::<Sm4>::new(&key.0.into(), &(*iv).into())
            .decrypt_padded_vec::<Pkcs7>(ciphertext),
    };
    out.map_err(|_| GmError::Sm4Decrypt("bad PKCS#7 padding (wrong key, mode or IV?)"))
}

/// Encrypts UTF-8 text and writes the ciphertext in `encoding`.
pub fn encrypt_text(key: &Sm4Key, mode: &Mode, encoding: Encoding, plaintext: &str) -> String {
    encoding.encode(&encrypt(key, mode, plaintext.as_bytes()))
}

/// Decrypts text written in `encoding` back to UTF-8.
pub fn decrypt_text(
    key: &Sm4Key,
    mode: &Mode,
    encoding: Encoding,
    ciphertext: &str,
) -> Result<String, GmError> {
    let bytes = decrypt(key, mode, &encoding.decode(ciphertext)?)?;
    String::from_utf8(bytes).map_err(|_| GmError::Sm4Decrypt("plaintext is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_block_vector() {
        let key = Sm4Key::parse("0123456789abcdeffedcba9876543210").unwrap();
        let pt = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let ct = encrypt(&key, &Mode::Ecb, &pt);
        // The first block is the GB/T 32907 vector; the second is padding.
        assert_eq!(hex::encode(&ct[..16]), "681edf34d206965e86b3e94f536e4246");
        assert_eq!(decrypt(&key, &Mode::Ecb, &ct).unwrap(), pt);
    }

    #[test]
    fn key_forms_agree() {
        let hex = Sm4Key::parse("31323334353637383930616263646566").unwrap();
        let text = Sm4Key::parse("1234567890abcdef").unwrap();
        let b64 = Sm4Key::parse("MTIzNDU2Nzg5MGFiY2RlZg==").unwrap();
        assert_eq!(hex.expose(), text.expose());
        assert_eq!(b64.expose(), text.expose());
        assert!(Sm4Key::parse("short").is_err());
        assert_eq!(format!("{hex:?}"), "Sm4Key(***)");
    }

    #[test]
    fn rejects_bad_length_and_padding() {
        let key = Sm4Key::parse("1234567890abcdef").unwrap();
        assert!(decrypt(&key, &Mode::Ecb, &[0u8; 15]).is_err());
        assert!(decrypt(&key, &Mode::Ecb, &[]).is_err());
    }
}
