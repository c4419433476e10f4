//! The 密文 fields: SM4 per field, default ECB/PKCS#7/Base64 (⚙ CBC, ⚙ hex).

use super::Interface;
use crate::error::{FieldError, Invalid, Problem};
use crate::wire::{Map, Value};
use baohan_gm::Encoding;
use baohan_gm::sm4::{self, Mode, Sm4Key};

/// How a platform encrypts its 密文 fields.
#[derive(Debug, Clone)]
pub struct FieldCipher {
    pub key: Sm4Key,
    pub mode: Mode,
    pub encoding: Encoding,
}

impl FieldCipher {
    pub fn ecb_base64(key: Sm4Key) -> Self {
        FieldCipher {
            key,
            mode: Mode::Ecb,
            encoding: Encoding::Base64,
        }
    }

    /// Replaces each present 密文 field of `interface` with its plaintext.
    /// Every field that fails is reported, by name; the map is left as it
    /// was if any fails.
    pub fn decrypt_fields(&self, interface: Interface, map: &mut Map) -> Result<(), Invalid> {
        let mut plain = Vec::new();
        let mut errors = Vec::new();
        for field in interface.encrypted_fields() {
            let Some(Value::String(ct)) = map.get(*field) else {
                continue;
            };
            if ct.is_empty() {
                continue;
            }
            match sm4::decrypt_text(&self.key, &self.mode, self.encoding, ct) {
                Ok(p) => plain.push((*field, p)),
                Err(e) => errors.push(FieldError::new(*field, Problem::Decrypt(e.to_string()))),
            }
        }
        if !errors.is_empty() {
            return Err(Invalid(errors));
        }
        for (field, p) in plain {
            map.insert(field.to_owned(), Value::String(p));
        }
        Ok(())
    }

    /// Replaces each present 密文 field of `interface` with its ciphertext.
    pub fn encrypt_fields(&self, interface: Interface, map: &mut Map) {
        for field in interface.encrypted_fields() {
            if let Some(text) = map
                .get(*field)
                .and_then(crate::wire::scalar_text)
                .filter(|t| !t.is_empty())
            {
                let ct = sm4::encrypt_text(&self.key, &self.mode, self.encoding, &text);
                map.insert((*field).to_owned(), Value::String(ct));
            }
        }
    }
}
