//! SM2 public-key encryption in every layout peers put on the wire.
//!
//! One ciphertext is the same three parts in different clothes:
//! C1 (the point x‖y), C3 (SM3 check value) and C2 (the masked message).
//! We normalise every layout to `04‖C1‖C3‖C2`, let RustCrypto do the maths
//! (which verifies C3), and re-dress the output in the layout asked for.
//! Detection is safe because C3 only matches under the right layout:
//! a wrong guess fails the check, it never yields wrong plaintext.

use super::der;
use super::keys::{PrivateKey, PublicKey};
use crate::GmError;
use sm2::elliptic_curve::rand_core::TryCryptoRng;
use sm2::pke::{DecryptingKey, EncryptingKey, Mode};
use std::fmt;

const POINT: usize = 64;
const C3: usize = 32;

/// The order of the parts (or ASN.1 DER, GM/T 0009).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CipherFormat {
    /// C1‖C3‖C2, GM/T 0003-2012: what current peers send.
    #[default]
    C1C3C2,
    /// C1‖C2‖C3, the pre-2012 order (gmssl's and old Hutool's default).
    C1C2C3,
    /// `SEQUENCE { INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2 }`.
    Der,
}

impl CipherFormat {
    pub const ALL: [CipherFormat; 3] = [
        CipherFormat::C1C3C2,
        CipherFormat::C1C2C3,
        CipherFormat::Der,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CipherFormat::C1C3C2 => "c1c3c2",
            CipherFormat::C1C2C3 => "c1c2c3",
            CipherFormat::Der => "der",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl fmt::Display for CipherFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A complete description of a ciphertext's layout. For DER the prefix
/// flag is always false: the point's coordinates are separate INTEGERs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Layout {
    pub format: CipherFormat,
    pub prefix_04: bool,
}

impl Layout {
    /// What we send unless a platform is configured otherwise.
    pub const DEFAULT: Layout = Layout {
        format: CipherFormat::C1C3C2,
        prefix_04: true,
    };

    pub fn new(format: CipherFormat, prefix_04: bool) -> Self {
        Layout {
            format,
            prefix_04: prefix_04 && format != CipherFormat::Der,
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix_04 {
            write!(f, "{}+04", self.format)
        } else {
            write!(f, "{}", self.format)
        }
    }
}

/// Which layouts decryption may consider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Every layout, the given format first (a platform's learned format).
    Any { first: CipherFormat },
    /// Only this format (with or without the 04 prefix).
    Only(CipherFormat),
}

impl Default for Accept {
    fn default() -> Self {
        Accept::Any {
            first: CipherFormat::C1C3C2,
        }
    }
}

/// The three parts, borrowed from whichever layout they came in.
struct Parts<'a> {
    point: [u8; POINT],
    c3: &'a [u8],
    c2: &'a [u8],
}

impl Parts<'_> {
    fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + POINT + C3 + self.c2.len());
        out.push(0x04);
        out.extend_from_slice(&self.point);
        out.extend_from_slice(self.c3);
        out.extend_from_slice(self.c2);
        out
    }
}

fn split_raw(bytes: &[u8], format: CipherFormat) -> Option<Parts<'_>> {
    if bytes.len() < POINT + C3 {
        return None;
    }
    let (c1, rest) = bytes.split_at(POINT);
    let (c3, c2) = match format {
        CipherFormat::C1C3C2 => rest.split_at(C3),
        CipherFormat::C1C2C3 => {
            let (c2, c3) = rest.split_at(rest.len() - C3);
            (c3, c2)
        }
        CipherFormat::Der => return None,
    };
    let mut point = [0u8; POINT];
    point.copy_from_slice(c1);
    Some(Parts { point, c3, c2 })
}

fn split_der(bytes: &[u8]) -> Result<Parts<'_>, GmError> {
    let mut outer = der::Reader::new(bytes);
    let mut seq = outer.sequence()?;
    outer.finish("the SEQUENCE")?;
    let x = seq.unsigned::<32>("C1.x")?;
    let y = seq.unsigned::<32>("C1.y")?;
    let c3 = seq.octets("C3")?;
    let c2 = seq.octets("C2")?;
    seq.finish("C2")?;
    if c3.len() != C3 {
        return Err(GmError::Der(format!(
            "C3 is {} bytes, expected 32",
            c3.len()
        )));
    }
    let mut point = [0u8; POINT];
    point[..32].copy_from_slice(&x);
    point[32..].copy_from_slice(&y);
    Ok(Parts { point, c3, c2 })
}

/// Every way `bytes` could be read under `format`, most specific first.
fn candidates(bytes: &[u8], format: CipherFormat) -> Vec<(Layout, Parts<'_>)> {
    let mut out = Vec::with_capacity(2);
    match format {
        CipherFormat::Der => {
            if let Ok(parts) = split_der(bytes) {
                out.push((Layout::new(format, false), parts));
            }
        }
        raw => {
            if let Some(rest) = bytes.strip_prefix(&[0x04]) {
                out.extend(split_raw(rest, raw).map(|p| (Layout::new(raw, true), p)));
            }
            out.extend(split_raw(bytes, raw).map(|p| (Layout::new(raw, false), p)));
        }
    }
    out
}

/// Decrypts, detecting the layout. Returns the plaintext and the layout
/// whose C3 matched, so callers can learn and log a platform's format.
pub fn decrypt(
    key: &PrivateKey,
    ciphertext: &[u8],
    accept: Accept,
) -> Result<(Vec<u8>, Layout), GmError> {
    let formats: Vec<CipherFormat> = match accept {
        Accept::Only(f) => vec![f],
        Accept::Any { first } => std::iter::once(first)
            .chain(CipherFormat::ALL.into_iter().filter(|f| *f != first))
            .collect(),
    };
    let dk = DecryptingKey::new_with_mode(key.0.to_nonzero_scalar(), Mode::C1C3C2);
    let mut tried = Vec::new();
    for format in formats {
        for (layout, parts) in candidates(ciphertext, format) {
            tried.push(layout.to_string());
            if let Ok(plain) = dk.decrypt(&parts.canonical()) {
                return Ok((plain, layout));
            }
        }
    }
    let tried = if tried.is_empty() {
        format!("none fits {} bytes", ciphertext.len())
    } else {
        tried.join(", ")
    };
    Err(GmError::Sm2Decrypt { tried })
}

/// Encrypts with a fresh random k from the operating system.
pub fn encrypt(key: &PublicKey, layout: Layout, message: &[u8]) -> Result<Vec<u8>, GmError> {
    encrypt_with_rng(
        key,
        layout,
        message,
        &mut sm2::elliptic_curve::common::getrandom::SysRng,
    )
}

/// Encrypts with k drawn from `rng`. Public so that known-answer tests can
/// fix k; production code calls [`encrypt`].
pub fn encrypt_with_rng<R: TryCryptoRng>(
    key: &PublicKey,
    layout: Layout,
    message: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, GmError> {
    if message.is_empty() {
        // SM2 cannot mask an empty message (t would be empty, never non-zero).
        return Err(GmError::Sm2Encrypt("the message is empty"));
    }
    let ek = EncryptingKey::new_with_mode(key.0, Mode::C1C3C2);
    let canonical = ek
        .encrypt(rng, message)
        .map_err(|_| GmError::Sm2Encrypt("the random source failed"))?;
    // canonical = 04 ‖ x ‖ y ‖ C3 ‖ C2
    let body = &canonical[1..];
    let (point, rest) = body.split_at(POINT);
    let (c3, c2) = rest.split_at(C3);
    let mut out = Vec::with_capacity(canonical.len() + 8);
    match layout.format {
        CipherFormat::C1C3C2 | CipherFormat::C1C2C3 => {
            if layout.prefix_04 {
                out.push(0x04);
            }
            out.extend_from_slice(point);
            if layout.format == CipherFormat::C1C3C2 {
                out.extend_from_slice(c3);
                out.extend_from_slice(c2);
            } else {
                out.extend_from_slice(c2);
                out.extend_from_slice(c3);
            }
        }
        CipherFormat::Der => {
            let mut content = Vec::with_capacity(canonical.len() + 8);
            der::push_unsigned(&mut content, &point[..32]);
            der::push_unsigned(&mut content, &point[32..]);
            der::push_octets(&mut content, c3);
            der::push_octets(&mut content, c2);
            out = der::sequence(&content);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_round_trips_and_is_detected() {
        let sk = PrivateKey::generate();
        let pk = sk.public_key();
        for format in CipherFormat::ALL {
            for prefix in [true, false] {
                let layout = Layout::new(format, prefix);
                let ct = encrypt(&pk, layout, "保函 JSON".as_bytes()).unwrap();
                let (pt, found) = decrypt(&sk, &ct, Accept::default()).unwrap();
                assert_eq!(pt, "保函 JSON".as_bytes());
                assert_eq!(found, layout);
            }
        }
    }

    #[test]
    fn a_named_format_refuses_the_others() {
        let sk = PrivateKey::generate();
        let ct = encrypt(
            &sk.public_key(),
            Layout::new(CipherFormat::C1C2C3, true),
            b"x",
        )
        .unwrap();
        assert!(decrypt(&sk, &ct, Accept::Only(CipherFormat::C1C3C2)).is_err());
        assert!(decrypt(&sk, &ct, Accept::Only(CipherFormat::C1C2C3)).is_ok());
    }

    #[test]
    fn empty_message_is_refused_with_a_reason() {
        let pk = PrivateKey::generate().public_key();
        assert_eq!(
            encrypt(&pk, Layout::DEFAULT, b""),
            Err(GmError::Sm2Encrypt("the message is empty"))
        );
    }
}
