//! Identifiers whose check characters the underwriting rules verify.
//!
//! Parse, don't validate: a [`CreditCode`] or a [`ResidentId`] that exists
//! has passed its checksum, so nothing downstream checks again.

use baohan_masking::IdNumber;
use chrono::NaiveDate;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must be 18 characters, got {0}")]
    Length(usize),
    #[error("character {position} ({found:?}) is not allowed there")]
    Character { position: usize, found: char },
    #[error("the check character does not match")]
    Checksum,
    #[error("the birth date in it is not a real date")]
    BirthDate,
}

impl IdError {
    /// The same, in Chinese: what bidders and platforms read.
    pub fn zh(&self) -> String {
        match self {
            IdError::Length(n) => format!("应为 18 位，实为 {n} 位"),
            IdError::Character { position, found } => {
                format!("第 {position} 位字符 {found:?} 不正确")
            }
            IdError::Checksum => "校验位不正确".into(),
            IdError::BirthDate => "出生日期无效".into(),
        }
    }
}

/// 统一社会信用代码 (GB 32100-2015): 18 characters from a 31-letter
/// alphabet without I, O, S, V and Z, the last a check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

impl CreditCode {
    /// Accepts lowercase letters too (some forms upper-case nothing), and
    /// keeps the canonical upper-case form.
    pub fn parse(text: &str) -> Result<CreditCode, IdError> {
        let code = text.trim().to_ascii_uppercase();
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 18 {
            return Err(IdError::Length(chars.len()));
        }
        let mut values = [0u32; 18];
        for (i, c) in chars.iter().enumerate() {
            let found = *c;
            values[i] = USCC_ALPHABET
                .iter()
                .position(|a| char::from(*a) == found)
                .ok_or(IdError::Character {
                    position: i + 1,
                    found,
                })? as u32;
        }
        let sum: u32 = USCC_WEIGHTS
            .iter()
            .zip(values.iter())
            .map(|(w, v)| w * v)
            .sum();
        let check = (31 - sum % 31) % 31;
        if values[17] != check {
            return Err(IdError::Checksum);
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 公民身份号码 (GB 11643-1999): 17 digits, of which 7–14 are a birth
/// date, then a check character `0`–`9` or `X`. Personal data: it prints
/// masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentId(IdNumber);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

impl ResidentId {
    /// Accepts a lowercase `x`; keeps the canonical `X`.
    pub fn parse(text: &str) -> Result<ResidentId, IdError> {
        let id = text.trim().to_ascii_uppercase();
        let chars: Vec<char> = id.chars().collect();
        if chars.len() != 18 {
            return Err(IdError::Length(chars.len()));
        }
        let mut sum = 0;
        for (i, c) in chars[..17].iter().enumerate() {
            let digit = c.to_digit(10).ok_or(IdError::Character {
                position: i + 1,
                found: *c,
            })?;
            sum += digit * ID_WEIGHTS[i];
        }
        let last = chars[17];
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(IdError::Character {
                position: 18,
                found: last,
            });
        }
        if char::from(ID_CHECK[(sum % 11) as usize]) != last {
            return Err(IdError::Checksum);
        }
        let birth: String = chars[6..14].iter().collect();
        if NaiveDate::parse_from_str(&birth, "%Y%m%d").is_err() {
            return Err(IdError::BirthDate);
        }
        Ok(ResidentId(IdNumber::new(id)))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// An identifier the rules check, parsed once.
pub trait Identifier: Sized {
    fn parse(text: &str) -> Result<Self, IdError>;
    /// The canonical text.
    fn text(&self) -> &str;
}

impl Identifier for CreditCode {
    fn parse(text: &str) -> Result<Self, IdError> {
        CreditCode::parse(text)
    }
    fn text(&self) -> &str {
        self.as_str()
    }
}

impl Identifier for ResidentId {
    fn parse(text: &str) -> Result<Self, IdError> {
        ResidentId::parse(text)
    }
    fn text(&self) -> &str {
        self.expose()
    }
}

/// An identifier as a platform sent it, parsed at the edge. A wrong one is
/// not refused there: the application is recorded and underwriting rejects
/// it, naming the field, so the bidder's page and the platform's callback
/// say why. Past the edge nothing parses it again: the rule reads which it
/// is. On the bus it is the text, and reading it parses it.
#[derive(Clone, PartialEq, Eq)]
pub enum Checked<T> {
    Valid(T),
    /// The text as sent (masked in `Debug`: it may be an ID number), and
    /// what is wrong with it.
    Invalid {
        text: IdNumber,
        error: IdError,
    },
}

impl<T: Identifier> Checked<T> {
    pub fn parse(text: &str) -> Checked<T> {
        match T::parse(text) {
            Ok(v) => Checked::Valid(v),
            Err(error) => Checked::Invalid {
                text: IdNumber::new(text),
                error,
            },
        }
    }

    /// The canonical text of a valid one, the text as sent otherwise.
    pub fn text(&self) -> &str {
        match self {
            Checked::Valid(v) => v.text(),
            Checked::Invalid { text, .. } => text.expose(),
        }
    }

    pub fn valid(&self) -> Result<&T, &IdError> {
        match self {
            Checked::Valid(v) => Ok(v),
            Checked::Invalid { error, .. } => Err(error),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Checked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Checked::Valid(v) => v.fmt(f),
            Checked::Invalid { text, error } => write!(f, "Invalid({text:?}: {error})"),
        }
    }
}

impl<T: Identifier> serde::Serialize for Checked<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.text())
    }
}

impl<'de, T: Identifier> serde::Deserialize<'de> for Checked<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|t| Checked::parse(&t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixtures' codes (tests/fixtures/plain), made by an independent
    /// script (make_ids.py).
    const CODES: &[&str] = &[
        "91350102MA2YK8QD4A",
        "91350100705183644Q",
        "913501021543862763",
        "12350100488172614W",
        "91350104MA34T6NE1E",
    ];
    const IDS: &[&str] = &[
        "350102197608120319",
        "350103198909210263",
        "350121198306140131",
        "350104197203050570",
    ];

    #[test]
    fn the_fixture_credit_codes_pass_and_every_changed_character_fails() {
        for code in CODES {
            assert_eq!(CreditCode::parse(code).unwrap().as_str(), *code);
            assert!(CreditCode::parse(&code.to_ascii_lowercase()).is_ok());
            for i in 0..18 {
                for replacement in ['0', '1', 'A', 'Y'] {
                    let mut altered: Vec<char> = code.chars().collect();
                    if altered[i] == replacement {
                        continue;
                    }
                    altered[i] = replacement;
                    let altered: String = altered.into_iter().collect();
                    assert!(CreditCode::parse(&altered).is_err(), "{altered}");
                }
            }
        }
    }

    #[test]
    fn credit_code_errors_say_what_is_wrong() {
        assert_eq!(CreditCode::parse("9135"), Err(IdError::Length(4)));
        assert_eq!(
            CreditCode::parse("91350102MA2YK8QDIA"),
            Err(IdError::Character {
                position: 17,
                found: 'I'
            })
        );
        assert_eq!(
            CreditCode::parse("91350102MA2YK8QD4B"),
            Err(IdError::Checksum)
        );
    }

    #[test]
    fn the_fixture_id_numbers_pass_and_a_changed_digit_fails() {
        for id in IDS {
            let parsed = ResidentId::parse(id).unwrap();
            assert_eq!(parsed.expose(), *id);
            for i in 0..17 {
                let mut altered: Vec<char> = id.chars().collect();
                altered[i] = if altered[i] == '9' { '8' } else { '9' };
                let altered: String = altered.into_iter().collect();
                assert!(ResidentId::parse(&altered).is_err(), "{altered}");
            }
        }
    }

    #[test]
    fn an_x_check_character_and_an_impossible_birth_date() {
        // 11010519491231002X is the standard's own example.
        assert!(ResidentId::parse("11010519491231002X").is_ok());
        assert!(ResidentId::parse("11010519491231002x").is_ok());
        assert_eq!(
            ResidentId::parse("110105194912310021"),
            Err(IdError::Checksum)
        );
        // A valid checksum over the date 1990-02-30.
        let body = "11010519900230001";
        let sum: u32 = body
            .chars()
            .zip(ID_WEIGHTS)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        let id = format!("{body}{}", char::from(ID_CHECK[(sum % 11) as usize]));
        assert_eq!(ResidentId::parse(&id), Err(IdError::BirthDate));
    }

    #[test]
    fn a_resident_id_prints_masked() {
        let id = ResidentId::parse("350102197608120319").unwrap();
        assert!(!format!("{id:?}").contains("197608120319"));
    }
}
