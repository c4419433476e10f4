//! Personal data and secrets that mask themselves by construction.
//!
//! A [`Masked<S>`] holds a string whose `Debug` and `Display` show only what
//! the strategy `S` allows, so a struct holding one can derive `Debug` and
//! be logged safely. Reading the value is an explicit [`Masked::expose`],
//! which is easy to find in review. Secrets are zeroised on drop.

use std::fmt;
use std::marker::PhantomData;
use zeroize::Zeroize;

/// How a kind of value is shown in logs.
pub trait Strategy {
    fn mask(value: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// A value that never prints in clear.
pub struct Masked<S: Strategy> {
    value: String,
    _kind: PhantomData<S>,
}

impl<S: Strategy> Masked<S> {
    pub fn new(value: impl Into<String>) -> Self {
        Masked {
            value: value.into(),
            _kind: PhantomData,
        }
    }

    /// The value in clear: for the wire, the store, or a checksum.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl<S: Strategy> Clone for Masked<S> {
    fn clone(&self) -> Self {
        Masked::new(self.value.clone())
    }
}

impl<S: Strategy> PartialEq for Masked<S> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<S: Strategy> Eq for Masked<S> {}

impl<S: Strategy> Drop for Masked<S> {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

/// On the bus and in the store the value travels in clear, as the wire
/// brought it: serialising is an exposure, like [`Masked::expose`], and
/// only the message and row types derive it.
impl<S: Strategy> serde::Serialize for Masked<S> {
    fn serialize<Se: serde::Serializer>(&self, s: Se) -> Result<Se::Ok, Se::Error> {
        s.serialize_str(&self.value)
    }
}

impl<'de, S: Strategy> serde::Deserialize<'de> for Masked<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Masked::new)
    }
}

impl<S: Strategy> fmt::Debug for Masked<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        S::mask(&self.value, f)
    }
}

impl<S: Strategy> fmt::Display for Masked<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        S::mask(&self.value, f)
    }
}

/// Keeps the first `head` and last `tail` characters, stars in between;
/// values too short to keep anything are fully starred.
fn keep_ends(value: &str, head: usize, tail: usize, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return f.write_str(&"*".repeat(chars.len().max(1)));
    }
    let middle = chars.len() - head - tail;
    let start: String = chars[..head].iter().collect();
    let end: String = chars[chars.len() - tail..].iter().collect();
    write!(f, "{start}{}{end}", "*".repeat(middle))
}

/// Keys, app secrets, passwords: nothing at all is shown.
pub enum SecretKind {}
impl Strategy for SecretKind {
    fn mask(_: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Resident ID numbers (身份证): region prefix and check digit only.
pub enum IdNumberKind {}
impl Strategy for IdNumberKind {
    fn mask(v: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        keep_ends(v, 3, 1, f)
    }
}

/// Phone numbers: the usual 138****5678.
pub enum PhoneKind {}
impl Strategy for PhoneKind {
    fn mask(v: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        keep_ends(v, 3, 4, f)
    }
}

/// Bank accounts: the last four digits, as on a receipt.
pub enum BankAccountKind {}
impl Strategy for BankAccountKind {
    fn mask(v: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        keep_ends(v, 0, 4, f)
    }
}

/// Names of natural persons: the family name only (张**).
pub enum PersonNameKind {}
impl Strategy for PersonNameKind {
    fn mask(v: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        keep_ends(v, 1, 0, f)
    }
}

/// E-mail addresses: the first character and the domain (a***@example.com).
pub enum EmailKind {}
impl Strategy for EmailKind {
    fn mask(v: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match v.split_once('@') {
            Some((local, domain)) => {
                keep_ends(local, 1, 0, f)?;
                write!(f, "@{domain}")
            }
            None => keep_ends(v, 1, 0, f),
        }
    }
}

/// Street addresses: the first six characters (the city, usually).
pub enum AddressKind {}
impl Strategy for AddressKind {
    fn mask(v: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        keep_ends(v, 6, 0, f)
    }
}

pub type Secret = Masked<SecretKind>;
pub type Email = Masked<EmailKind>;
pub type Address = Masked<AddressKind>;
pub type IdNumber = Masked<IdNumberKind>;
pub type Phone = Masked<PhoneKind>;
pub type BankAccount = Masked<BankAccountKind>;
pub type PersonName = Masked<PersonNameKind>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_output_is_pinned() {
        assert_eq!(format!("{:?}", Secret::new("as-ely-secret")), "***");
        assert_eq!(
            format!("{}", IdNumber::new("35010219900307123X")),
            "350**************X"
        );
        assert_eq!(format!("{:?}", Phone::new("13800138000")), "138****8000");
        assert_eq!(
            format!("{:?}", BankAccount::new("6222020200112233")),
            "************2233"
        );
        assert_eq!(format!("{:?}", PersonName::new("张三丰")), "张**");
        assert_eq!(format!("{:?}", Phone::new("123")), "***");
        assert_eq!(
            format!("{}", Email::new("zhang@example.com")),
            "z****@example.com"
        );
        assert_eq!(
            format!("{}", Address::new("福建省福州市鼓楼区五四路1号")),
            "福建省福州市********"
        );
    }

    #[test]
    fn a_struct_deriving_debug_does_not_leak() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Applicant {
            legal_id: IdNumber,
            phone: Phone,
        }
        let a = Applicant {
            legal_id: IdNumber::new("35010219900307123X"),
            phone: Phone::new("13800138000"),
        };
        let shown = format!("{a:?}");
        assert!(!shown.contains("19900307"));
        assert!(!shown.contains("0013"));
        assert_eq!(a.legal_id.expose(), "35010219900307123X");
    }
}
