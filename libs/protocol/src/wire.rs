//! How one wire field becomes one typed value, and the two macros that
//! declare every message of both specs in the same shape.
//!
//! A message is declared once, field by field, with its wire name, whether
//! the spec requires it (`req`/`opt`) and its maximum length. The macro
//! generates the struct, the parser (which collects *every* field problem,
//! each naming its field) and the serialiser. Empty strings and nulls count
//! as absent, as they do in the Fujian sign rule.

use crate::error::{FieldError, Invalid, Problem};
use crate::money::Fen;
use crate::time::{Shape, parse_date};
use baohan_masking::{Masked, Strategy};
use chrono::{DateTime, FixedOffset, NaiveDate};
pub use serde_json::{Map as JsonMap, Value};

pub type Map = JsonMap<String, Value>;

/// The length limit for text the specs leave unbounded (all of Fujian).
/// Generous for any name or address, and stops abuse.
pub const DEFAULT_MAX: usize = 1024;

/// Base64 of a guarantee PDF (getbaohaninfo, ELY103, ELY104).
pub const FILE_MAX: usize = 16 * 1024 * 1024;

/// The largest request or response body read, of either spec: a Base64
/// PDF plus its envelope.
pub const MAX_BODY: usize = 24 * 1024 * 1024;

/// For `check =` rules: a field that another field's value makes required.
pub(crate) fn required_because<T>(
    value: &Option<T>,
    field: &str,
    why: &str,
    errors: &mut Vec<FieldError>,
) {
    if value.is_none() {
        errors.push(FieldError::new(field, Problem::RequiredBecause(why.into())));
    }
}

/// For `check =` rules: no errors is success.
pub(crate) fn finish(errors: Vec<FieldError>) -> Result<(), Invalid> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid(errors))
    }
}

/// A typed value that travels as one JSON field.
pub trait WireValue: Sized {
    /// Reads a present value (not null, not `""`), of at most `max` characters.
    fn read(raw: &Value) -> Result<Self, Problem>;
    fn write(&self) -> Value;
}

/// One field of a message's table: its wire name and whether the spec
/// requires it (是否必须).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub required: bool,
}

/// A message of either spec, declared with [`wire_message!`].
pub trait WireMessage: Sized {
    /// The fields in the spec's table order.
    const FIELDS: &'static [FieldSpec];
    fn from_map(map: &Map) -> Result<Self, Invalid>;
    fn to_map(&self) -> Map;

    fn from_json(text: &str) -> Result<Self, Invalid> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Self::from_map(&map),
            _ => Err(Invalid::one("(body)", Problem::Format("a JSON object"))),
        }
    }

    fn to_json(&self) -> String {
        Value::Object(self.to_map()).to_string()
    }
}

/// The text of a scalar: strings as they are, numbers and booleans as
/// their wire text (numbers keep `10000.50`, thanks to arbitrary precision).
pub fn scalar_text(raw: &Value) -> Option<String> {
    match raw {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn is_absent(raw: Option<&Value>) -> bool {
    match raw {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    }
}

fn check_len(raw: &Value, max: usize) -> Result<(), Problem> {
    if let Value::String(s) = raw {
        let got = s.chars().count();
        if got > max {
            return Err(Problem::TooLong { max, got });
        }
        // No field of either spec holds control characters; NUL in
        // particular cannot be stored in PostgreSQL text or jsonb.
        if s.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(Problem::Format("text without control characters"));
        }
    }
    Ok(())
}

fn read_present<T: WireValue>(raw: &Value, max: usize) -> Result<T, Problem> {
    check_len(raw, max)?;
    T::read(raw)
}

/// A required field.
pub mod req {
    use super::*;

    pub fn read<T: WireValue>(
        map: &Map,
        field: &str,
        max: usize,
        errors: &mut Vec<FieldError>,
    ) -> Option<T> {
        let raw = map.get(field);
        let result = match raw {
            Some(v) if !is_absent(raw) => read_present(v, max),
            _ => Err(Problem::Missing),
        };
        result
            .map_err(|p| errors.push(FieldError::new(field, p)))
            .ok()
    }

    pub fn put<T: WireValue>(map: &mut Map, field: &str, value: &T) {
        map.insert(field.to_owned(), value.write());
    }
}

/// An optional field: absent, null and `""` all read as `None`.
pub mod opt {
    use super::*;

    pub fn read<T: WireValue>(
        map: &Map,
        field: &str,
        max: usize,
        errors: &mut Vec<FieldError>,
    ) -> Option<Option<T>> {
        let raw = map.get(field);
        match raw {
            Some(v) if !is_absent(raw) => match read_present(v, max) {
                Ok(t) => Some(Some(t)),
                Err(p) => {
                    errors.push(FieldError::new(field, p));
                    None
                }
            },
            _ => Some(None),
        }
    }

    pub fn put<T: WireValue>(map: &mut Map, field: &str, value: &Option<T>) {
        if let Some(v) = value {
            map.insert(field.to_owned(), v.write());
        }
    }
}

impl WireValue for String {
    fn read(raw: &Value) -> Result<Self, Problem> {
        scalar_text(raw).ok_or(Problem::Format("text"))
    }
    fn write(&self) -> Value {
        Value::String(self.clone())
    }
}

impl<S: Strategy> WireValue for Masked<S> {
    fn read(raw: &Value) -> Result<Self, Problem> {
        String::read(raw).map(Masked::new)
    }
    fn write(&self) -> Value {
        Value::String(self.expose().to_owned())
    }
}

impl WireValue for Fen {
    fn read(raw: &Value) -> Result<Self, Problem> {
        scalar_text(raw)
            .and_then(|t| Fen::parse_yuan(&t))
            .ok_or(Problem::Format("an amount in yuan with at most 2 decimals"))
    }
    fn write(&self) -> Value {
        Value::String(self.to_yuan())
    }
}

/// Whole days or months (投标有效期, 担保期限): digits only.
impl WireValue for u32 {
    fn read(raw: &Value) -> Result<Self, Problem> {
        scalar_text(raw)
            .filter(|t| !t.is_empty() && t.len() <= 6 && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse().ok())
            .ok_or(Problem::Format("a whole number"))
    }
    fn write(&self) -> Value {
        Value::String(self.to_string())
    }
}

/// `yyyy-MM-dd HH:mm:ss`, Asia/Shanghai.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTimeSec(pub DateTime<FixedOffset>);

impl WireValue for DateTimeSec {
    fn read(raw: &Value) -> Result<Self, Problem> {
        scalar_text(raw)
            .and_then(|t| Shape::Dashed.parse(&t))
            .map(DateTimeSec)
            .ok_or(Problem::Format("yyyy-MM-dd HH:mm:ss"))
    }
    fn write(&self) -> Value {
        Value::String(Shape::Dashed.format(&self.0))
    }
}

/// `yyyyMMdd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date8(pub NaiveDate);

impl WireValue for Date8 {
    fn read(raw: &Value) -> Result<Self, Problem> {
        scalar_text(raw)
            .and_then(|t| parse_date(&t, false))
            .map(Date8)
            .ok_or(Problem::Format("yyyyMMdd"))
    }
    fn write(&self) -> Value {
        Value::String(self.0.format("%Y%m%d").to_string())
    }
}

/// `yyyy-MM-dd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DashedDate(pub NaiveDate);

impl WireValue for DashedDate {
    fn read(raw: &Value) -> Result<Self, Problem> {
        scalar_text(raw)
            .and_then(|t| parse_date(&t, true))
            .map(DashedDate)
            .ok_or(Problem::Format("yyyy-MM-dd"))
    }
    fn write(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// A nested object (getbaohaninfo's `data`).
#[derive(Debug, Clone, PartialEq)]
pub struct Nested<T>(pub T);

impl<T: WireMessage> WireValue for Nested<T> {
    fn read(raw: &Value) -> Result<Self, Problem> {
        match raw {
            Value::Object(map) => T::from_map(map)
                .map(Nested)
                .map_err(|e| Problem::Nested(e.to_string())),
            _ => Err(Problem::Format("a JSON object")),
        }
    }
    fn write(&self) -> Value {
        Value::Object(self.0.to_map())
    }
}

/// Declares a message: see the module docs.
#[macro_export]
macro_rules! wire_message {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $req:ident $ty:ty = $wire:literal $(max $max:expr)? ; )*
        }
        $(check = $check:path;)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $crate::wire_message!(@ty $req $ty), )*
        }

        impl $crate::wire::WireMessage for $name {
            const FIELDS: &'static [$crate::wire::FieldSpec] = &[$(
                $crate::wire::FieldSpec { name: $wire, required: $crate::wire_message!(@required $req) }
            ),*];

            fn from_map(map: &$crate::wire::Map) -> ::std::result::Result<Self, $crate::Invalid> {
                let mut errors = ::std::vec::Vec::new();
                $( let $field = $crate::wire::$req::read::<$ty>(map, $wire, $crate::wire_message!(@max $($max)?), &mut errors); )*
                match ($($field,)*) {
                    ($(Some($field),)*) => {
                        let value = Self { $($field,)* };
                        $( $check(&value)?; )?
                        Ok(value)
                    }
                    _ => Err($crate::Invalid(errors)),
                }
            }

            fn to_map(&self) -> $crate::wire::Map {
                let mut map = $crate::wire::Map::new();
                $( $crate::wire::$req::put(&mut map, $wire, &self.$field); )*
                map
            }
        }
    };
    (@ty req $ty:ty) => { $ty };
    (@ty opt $ty:ty) => { ::std::option::Option<$ty> };
    (@required req) => { true };
    (@required opt) => { false };
    (@max) => { $crate::wire::DEFAULT_MAX };
    (@max $max:expr) => { $max };
}

/// Declares an enumerated code: the variants and their wire codes.
/// Numbers on the wire are read by their text, so `1` and `"1"` agree.
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant, )* }

        impl $name {
            pub const CODES: &'static [&'static str] = &[$($code),*];

            pub fn code(self) -> &'static str {
                match self { $( $name::$variant => $code, )* }
            }

            pub fn from_code(code: &str) -> ::std::option::Option<Self> {
                match code { $( $code => Some($name::$variant), )* _ => None }
            }
        }

        impl $crate::wire::WireValue for $name {
            fn read(raw: &$crate::wire::Value) -> ::std::result::Result<Self, $crate::Problem> {
                $crate::wire::scalar_text(raw)
                    .and_then(|t| Self::from_code(t.trim()))
                    .ok_or($crate::Problem::NotAllowed { allowed: Self::CODES })
            }
            fn write(&self) -> $crate::wire::Value {
                $crate::wire::Value::String(self.code().to_owned())
            }
        }
    };
}
