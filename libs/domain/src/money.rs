//! Money as integer fen (分). Never a float, anywhere.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in fen. The wire writes yuan with up to two decimals
/// (`"20000.00"`, `"10000.5"`, `20000`); we keep the integer count of fen.
/// On the bus and in JSON rows it is the integer itself, never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Fen(i64);

impl TryFrom<i64> for Fen {
    type Error = &'static str;
    fn try_from(fen: i64) -> Result<Fen, &'static str> {
        Fen::new(fen).ok_or("an amount in fen may not be negative")
    }
}

impl From<Fen> for i64 {
    fn from(fen: Fen) -> i64 {
        fen.0
    }
}

/// A hundred trillion yuan: far above any guarantee, far below `i64::MAX`.
const MAX_YUAN_DIGITS: usize = 14;

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub fn new(fen: i64) -> Option<Fen> {
        (fen >= 0).then_some(Fen(fen))
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// Parses yuan text: digits, optionally a point and one or two digits.
    /// No sign, no exponent, no thousands separators, no spaces.
    pub fn parse_yuan(text: &str) -> Option<Fen> {
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > MAX_YUAN_DIGITS
            || !digits(whole)
            || frac.len() > 2
            || !digits(frac)
        {
            return None;
        }
        if text.ends_with('.') {
            return None;
        }
        let mut fen: i64 = 0;
        for b in whole.bytes() {
            fen = fen * 10 + i64::from(b - b'0');
        }
        let mut cents = 0i64;
        for (i, b) in frac.bytes().enumerate() {
            cents += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
        }
        Some(Fen(fen * 100 + cents))
    }

    /// Yuan with exactly two decimals, the form both specs show.
    pub fn to_yuan(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_yuan())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_yuan_to_fen_exactly() {
        assert_eq!(Fen::parse_yuan("10000.50"), Some(Fen(1_000_050)));
        assert_eq!(Fen::parse_yuan("10000.5"), Some(Fen(1_000_050)));
        assert_eq!(Fen::parse_yuan("0.01"), Some(Fen(1)));
        assert_eq!(Fen::parse_yuan("20000"), Some(Fen(2_000_000)));
        // 0.1 + 0.2 style float drift cannot happen.
        assert_eq!(
            Fen::parse_yuan("1234567.89").map(Fen::to_yuan).as_deref(),
            Some("1234567.89")
        );
    }

    #[test]
    fn refuses_anything_but_plain_yuan() {
        for bad in [
            "",
            ".5",
            "1.",
            "1.234",
            "-1",
            "+1",
            "1e3",
            "1,000",
            " 1",
            "１",
            "99999999999999999",
        ] {
            assert_eq!(Fen::parse_yuan(bad), None, "{bad:?}");
        }
    }
}
