use std::fmt;
use thiserror::Error;

/// What was wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Missing,
    TooLong {
        max: usize,
        got: usize,
    },
    /// The value does not have the expected shape; says which.
    Format(&'static str),
    /// The value is not one of the spec's enumerated codes.
    NotAllowed {
        allowed: &'static [&'static str],
    },
    /// Required because of another field's value.
    RequiredBecause(String),
    Decrypt(String),
    /// Problems inside a nested object, with the inner field names.
    Nested(String),
    /// A field the interface does not define (and the platform has not
    /// been allowed to add).
    NotDefined {
        interface: &'static str,
    },
}

/// One field and what was wrong with it. The field is named as on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        FieldError {
            field: field.into(),
            problem,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("is required"),
            Problem::TooLong { max, got } => {
                write!(f, "is {got} characters, at most {max} allowed")
            }
            Problem::Format(expected) => write!(f, "expected {expected}"),
            Problem::NotAllowed { allowed } => write!(f, "must be one of {}", allowed.join("/")),
            Problem::RequiredBecause(why) => write!(f, "is required when {why}"),
            Problem::Decrypt(why) => write!(f, "cannot be decrypted: {why}"),
            Problem::Nested(inner) => write!(f, "has invalid fields: {inner}"),
            Problem::NotDefined { interface } => write!(f, "is not a field of {interface}"),
        }
    }
}

/// Every field problem found in one message, in wire order.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, problem: Problem) -> Self {
        Invalid(vec![FieldError::new(field, problem)])
    }

    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|e| e.field.as_str())
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}
