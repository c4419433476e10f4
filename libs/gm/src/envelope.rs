//! The digital envelope of the ELY spec, section 9.3.3 (数字信封).
//!
//! Sealing: a fresh SM4 key encrypts the payload (ECB, PKCS#7, Base64) into
//! `data`, and the key itself is SM2-encrypted to the receiver into `sign`.
//! Opening accepts the recovered key as 16 raw bytes (what we send), or as
//! the 32-hex or Base64 text some peers encrypt instead.

use crate::encoding::{decode_auto, decode_base64, decode_hex, is_hex};
use crate::sm2::{self, Accept, Layout, PrivateKey, PublicKey};
use crate::sm4::{self, Mode, Sm4Key};
use crate::{Encoding, GmError};
use std::fmt;

/// The two wire fields of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub data: String,
    pub sign: String,
}

/// How the peer wrote the SM4 key before SM2-encrypting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyForm {
    Raw,
    Hex,
    Base64,
}

impl fmt::Display for KeyForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyForm::Raw => "16 raw bytes",
            KeyForm::Hex => "32 hex characters",
            KeyForm::Base64 => "Base64 text",
        })
    }
}

#[derive(Debug)]
pub struct Opened {
    pub payload: Vec<u8>,
    /// The SM2 layout of `sign`, for learning the platform's format.
    pub key_layout: Layout,
    pub key_form: KeyForm,
}

pub fn seal(peer: &PublicKey, layout: Layout, payload: &[u8]) -> Result<Sealed, GmError> {
    let key = Sm4Key::generate()?;
    let data = sm4::encrypt(&key, &Mode::Ecb, payload);
    let wrapped = sm2::encrypt(peer, layout, key.expose())?;
    Ok(Sealed {
        data: Encoding::Base64.encode(&data),
        sign: Encoding::Base64.encode(&wrapped),
    })
}

fn recover_key(bytes: &[u8]) -> Result<(Sm4Key, KeyForm), GmError> {
    if bytes.len() == 16 {
        return Ok((Sm4Key::from_slice(bytes)?, KeyForm::Raw));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        GmError::Envelope(format!(
            "the wrapped key is {} bytes, not a key",
            bytes.len()
        ))
    })?;
    if text.len() == 32 && is_hex(text) {
        return Ok((Sm4Key::from_slice(&decode_hex(text)?)?, KeyForm::Hex));
    }
    let raw = decode_base64(text).map_err(|_| {
        GmError::Envelope("the wrapped key is neither 16 bytes, hex nor Base64".into())
    })?;
    Ok((Sm4Key::from_slice(&raw)?, KeyForm::Base64))
}

pub fn open(key: &PrivateKey, accept: Accept, data: &str, sign: &str) -> Result<Opened, GmError> {
    let (wrapped, _) = decode_auto(sign)?;
    let (key_bytes, key_layout) = sm2::decrypt(key, &wrapped, accept)?;
    let (sm4_key, key_form) = recover_key(&key_bytes)?;
    let (ciphertext, _) = decode_auto(data)?;
    let payload = sm4::decrypt(&sm4_key, &Mode::Ecb, &ciphertext)?;
    Ok(Opened {
        payload,
        key_layout,
        key_form,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open() {
        let sk = PrivateKey::generate();
        let sealed = seal(&sk.public_key(), Layout::DEFAULT, b"{\"a\":1}").unwrap();
        let opened = open(&sk, Accept::default(), &sealed.data, &sealed.sign).unwrap();
        assert_eq!(opened.payload, b"{\"a\":1}");
        assert_eq!(opened.key_form, KeyForm::Raw);
        assert_eq!(opened.key_layout, Layout::DEFAULT);
    }

    #[test]
    fn key_encrypted_as_hex_or_base64_text_is_recovered() {
        let sk = PrivateKey::generate();
        let key = Sm4Key::parse("00112233445566778899aabbccddeeff").unwrap();
        let data = Encoding::Base64.encode(&sm4::encrypt(&key, &Mode::Ecb, b"hi"));
        for (text, form) in [
            ("00112233445566778899aabbccddeeff".to_string(), KeyForm::Hex),
            (Encoding::Base64.encode(key.expose()), KeyForm::Base64),
        ] {
            let wrapped = sm2::encrypt(&sk.public_key(), Layout::DEFAULT, text.as_bytes()).unwrap();
            let opened = open(
                &sk,
                Accept::default(),
                &data,
                &Encoding::Base64.encode(&wrapped),
            )
            .unwrap();
            assert_eq!(opened.payload, b"hi");
            assert_eq!(opened.key_form, form);
        }
    }
}
