//! Premiums in integer fen.
//!
//! A rate is held in parts per million of the guaranteed amount, so that
//! the rates the business quotes (1.5‰, 0.25%) are exact integers and no
//! float touches money. The premium is rate × amount, rounded half up to
//! the fen, and never below the tariff's minimum.

use std::fmt;

/// A rate in parts per million: 1.5‰ is 1500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error("{0:?} is not a decimal fraction like 0.0015 (at most 6 decimals, below 1)")]
    Format(String),
}

impl Rate {
    pub fn from_ppm(ppm: u32) -> Option<Rate> {
        (ppm < 1_000_000).then_some(Rate(ppm))
    }

    /// `0.0015` (a decimal fraction of the amount, at most 6 decimals,
    /// from 0 up to but not including 1).
    pub fn parse(text: &str) -> Result<Rate, RateError> {
        let bad = || RateError::Format(text.to_owned());
        let t = text.trim();
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        if int != "0" || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let padded = format!("{frac:0<6}");
        padded.parse::<u32>().map(Rate).map_err(|_| bad())
    }

    pub fn ppm(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("0.{:06}", self.0);
        f.write_str(text.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// What a product charges: a rate and a minimum premium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tariff {
    pub rate: Rate,
    pub minimum_fen: i64,
}

impl Tariff {
    /// The premium for `amount_fen`, in fen. `None` for an amount that is
    /// not positive: there is nothing to guarantee.
    pub fn premium(&self, amount_fen: i64) -> Option<i64> {
        if amount_fen <= 0 {
            return None;
        }
        // i128: amount × ppm overflows i64 above about 9.2 × 10^12 fen.
        let exact = i128::from(amount_fen) * i128::from(self.rate.0);
        let rounded = (exact + 500_000) / 1_000_000;
        let premium = i64::try_from(rounded).ok()?;
        Some(premium.max(self.minimum_fen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rates_parse_exactly() {
        assert_eq!(Rate::parse("0.0015").unwrap().ppm(), 1500);
        assert_eq!(Rate::parse("0.25").unwrap().ppm(), 250_000);
        assert_eq!(Rate::parse("0").unwrap().ppm(), 0);
        assert_eq!(Rate::parse("0.000001").unwrap().ppm(), 1);
        for bad in ["1", "1.5", "0.0000001", "-0.1", "0.1e2", "", "0.1.2", ".5"] {
            assert!(Rate::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Rate::parse("0.0015").unwrap().to_string(), "0.0015");
    }

    #[test]
    fn premiums_round_half_up_and_respect_the_minimum() {
        let t = Tariff {
            rate: Rate::parse("0.0015").unwrap(),
            minimum_fen: 10_000,
        };
        // 200000.00 yuan at 1.5‰ is 300.00 yuan.
        assert_eq!(t.premium(20_000_000), Some(30_000));
        // 1000.00 yuan would be 1.50 yuan: the 100-yuan minimum applies.
        assert_eq!(t.premium(100_000), Some(10_000));
        let no_min = Tariff {
            minimum_fen: 0,
            ..t
        };
        // 0.0015 × 333 fen = 0.4995 fen → 0; × 334 = 0.501 → 1.
        assert_eq!(no_min.premium(333), Some(0));
        assert_eq!(no_min.premium(334), Some(1));
        assert_eq!(t.premium(0), None);
        assert_eq!(t.premium(-1), None);
    }

    proptest! {
        #[test]
        fn a_premium_is_within_half_a_fen_of_the_exact_product(
            amount in 1i64..100_000_000_000_000,
            ppm in 0u32..1_000_000,
        ) {
            let t = Tariff { rate: Rate::from_ppm(ppm).unwrap(), minimum_fen: 0 };
            let p = i128::from(t.premium(amount).unwrap());
            let exact_millionths = i128::from(amount) * i128::from(ppm);
            prop_assert!((p * 1_000_000 - exact_millionths).abs() <= 500_000);
        }
    }
}
