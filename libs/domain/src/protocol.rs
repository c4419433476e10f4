//! Which spec a platform speaks: kept on every application row and
//! command, for the audit and the operators. Nothing decides on it: each
//! platform's adapter (`baohan_protocol::adapter`) is found by the
//! platform's id, and it alone knows its spec.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// The Fujian bid-guarantee interface (v1.5).
    Fujian,
    /// The government-procurement performance-guarantee interface (ELY,
    /// v1.0.5.7).
    Ely,
    /// An adapter built outside this workspace, by its own name: a
    /// deployment's, or the tests' toy. The store and the bus carry it like
    /// the others; no code here knows it.
    Other(AdapterName),
}

/// An outside adapter's name: lowercase letters, digits and `-`, 1 to 32
/// characters, starting with a letter, and not a built-in name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AdapterName(String);

impl AdapterName {
    pub fn parse(text: &str) -> Option<AdapterName> {
        let ok = (1..=32).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !matches!(text, "fujian" | "ely");
        ok.then(|| AdapterName(text.to_owned()))
    }
}

impl Protocol {
    /// The name in rows, messages, metrics and settings (`fujian`, `ely`).
    pub fn name(&self) -> &str {
        match self {
            Protocol::Fujian => "fujian",
            Protocol::Ely => "ely",
            Protocol::Other(name) => &name.0,
        }
    }

    /// Strict: a name that is not a protocol is `None`, never a default.
    pub fn parse(text: &str) -> Option<Protocol> {
        match text {
            "fujian" => Some(Protocol::Fujian),
            "ely" => Some(Protocol::Ely),
            other => AdapterName::parse(other).map(Protocol::Other),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Protocol {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Protocol {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Protocol::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not a protocol name")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_nothing_falls_back() {
        for p in [
            Protocol::Fujian,
            Protocol::Ely,
            Protocol::parse("zhejiang-2").unwrap(),
        ] {
            assert_eq!(Protocol::parse(p.name()), Some(p.clone()));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<Protocol>(&json).unwrap(), p);
        }
        for bad in ["", "Fujian", "2x", "a b", &"x".repeat(33)] {
            assert_eq!(Protocol::parse(bad), None, "{bad:?}");
        }
        assert!(serde_json::from_str::<Protocol>("\"FUJIAN\"").is_err());
    }
}
