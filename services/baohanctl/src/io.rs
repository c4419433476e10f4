//! Reading keys, stdin and JSON; the same rules for every command.

use crate::Failure;
use baohan_protocol::wire::Map;
use std::io::{Read, Write};

/// A key given inline, or as `@path` to a file holding it.
pub fn key_text(arg: &str) -> Result<String, Failure> {
    match arg.strip_prefix('@') {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| Failure::Usage(format!("{path}: {e}")))
        }
        None => Ok(arg.to_owned()),
    }
}

pub fn stdin_bytes() -> Result<Vec<u8>, Failure> {
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .map_err(|e| Failure::Usage(format!("reading stdin: {e}")))?;
    Ok(buf)
}

/// Stdin as text with surrounding whitespace removed (for encoded input).
pub fn stdin_trimmed() -> Result<String, Failure> {
    let bytes = stdin_bytes()?;
    String::from_utf8(bytes)
        .map(|s| s.trim().to_owned())
        .map_err(|_| Failure::Usage("stdin is not UTF-8 text".into()))
}

/// Stdin as a JSON object, numbers kept as their wire text.
pub fn stdin_json() -> Result<Map, Failure> {
    let bytes = stdin_bytes()?;
    match serde_json::from_slice(&bytes) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(Failure::Usage("stdin is JSON but not an object".into())),
        Err(e) => Err(Failure::Usage(format!("stdin is not JSON: {e}"))),
    }
}

pub fn print_json(map: &Map) {
    println!("{}", serde_json::Value::Object(map.clone()));
}

pub fn write_raw(bytes: &[u8]) -> Result<(), Failure> {
    std::io::stdout()
        .write_all(bytes)
        .map_err(|e| Failure::Usage(format!("writing stdout: {e}")))
}

pub fn usage(e: impl std::fmt::Display) -> Failure {
    Failure::Usage(e.to_string())
}
