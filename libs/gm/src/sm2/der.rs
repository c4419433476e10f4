//! The small DER subset SM2 needs: SEQUENCE, INTEGER, OCTET STRING.
//!
//! Reading is tolerant where real peers deviate and strict where tolerance
//! would let a tampered message through:
//! - INTEGERs are read as unsigned magnitudes, so a missing 0x00 sign byte
//!   (common in Java encoders) and redundant leading zeros are accepted;
//! - long-form lengths are accepted even where the short form would do;
//! - BER indefinite lengths and trailing bytes are rejected: no peer we
//!   integrate with needs them, and accepting them widens what an attacker
//!   can vary without changing the meaning.

use crate::GmError;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;

fn err(msg: impl Into<String>) -> GmError {
    GmError::Der(msg.into())
}

pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], GmError> {
        if self.rest.len() < n {
            return Err(err("truncated"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn length(&mut self) -> Result<usize, GmError> {
        let first = self.take(1)?[0];
        if first < 0x80 {
            return Ok(usize::from(first));
        }
        let n = usize::from(first & 0x7f);
        if n == 0 {
            return Err(err("indefinite length (BER) is not accepted"));
        }
        if n > 4 {
            return Err(err("length of length over 4 bytes"));
        }
        Ok(self
            .take(n)?
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)))
    }

    /// Reads one element with the given tag and returns its content.
    pub(crate) fn element(&mut self, tag: u8, name: &str) -> Result<&'a [u8], GmError> {
        let got = self.take(1)?[0];
        if got != tag {
            return Err(err(format!(
                "{name}: expected tag {tag:#04x}, found {got:#04x}"
            )));
        }
        let len = self.length()?;
        self.take(len)
    }

    pub(crate) fn sequence(&mut self) -> Result<Reader<'a>, GmError> {
        Ok(Reader::new(self.element(SEQUENCE, "SEQUENCE")?))
    }

    /// An INTEGER as a big-endian unsigned value of exactly `width` bytes.
    pub(crate) fn unsigned<const W: usize>(&mut self, name: &str) -> Result<[u8; W], GmError> {
        let raw = self.element(INTEGER, name)?;
        let first_nonzero = raw.iter().position(|b| *b != 0).unwrap_or(raw.len());
        let digits = &raw[first_nonzero..];
        if raw.is_empty() || digits.len() > W {
            return Err(err(format!("{name}: INTEGER does not fit in {W} bytes")));
        }
        let mut out = [0u8; W];
        out[W - digits.len()..].copy_from_slice(digits);
        Ok(out)
    }

    pub(crate) fn octets(&mut self, name: &str) -> Result<&'a [u8], GmError> {
        self.element(OCTET_STRING, name)
    }

    pub(crate) fn finish(self, what: &str) -> Result<(), GmError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(err(format!(
                "{} trailing bytes after {what}",
                self.rest.len()
            )))
        }
    }
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn push_element(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    push_len(out, content.len());
    out.extend_from_slice(content);
}

/// Canonical DER INTEGER for an unsigned big-endian value.
pub(crate) fn push_unsigned(out: &mut Vec<u8>, value: &[u8]) {
    let skip = value
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(value.len().saturating_sub(1));
    let digits = &value[skip..];
    let mut content = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_some_and(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(digits);
    if content.is_empty() {
        content.push(0);
    }
    push_element(out, INTEGER, &content);
}

pub(crate) fn push_octets(out: &mut Vec<u8>, value: &[u8]) {
    push_element(out, OCTET_STRING, value);
}

pub(crate) fn sequence(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    push_element(&mut out, SEQUENCE, content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_as_unsigned_whatever_the_padding() {
        for encoded in [
            &[0x02, 0x01, 0x80][..],
            &[0x02, 0x02, 0x00, 0x80],
            &[0x02, 0x03, 0, 0, 0x80],
        ] {
            let mut r = Reader::new(encoded);
            assert_eq!(r.unsigned::<2>("x").unwrap(), [0, 0x80]);
        }
    }

    #[test]
    fn canonical_integer_gets_its_sign_byte_and_loses_leading_zeros() {
        let mut out = Vec::new();
        push_unsigned(&mut out, &[0, 0, 0x80]);
        assert_eq!(out, [0x02, 0x02, 0x00, 0x80]);
    }

    #[test]
    fn long_lengths_round_trip_and_indefinite_is_refused() {
        let content = vec![7u8; 300];
        let mut out = Vec::new();
        push_octets(&mut out, &content);
        assert_eq!(&out[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(Reader::new(&out).octets("c").unwrap(), &content[..]);
        assert!(Reader::new(&[0x30, 0x80, 0, 0]).sequence().is_err());
    }
}
