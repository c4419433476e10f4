//! The `transcode` of a request from the first bytes of its body, before
//! the rest has arrived: only ELY104 may be larger than the ordinary body
//! limit (it carries the letter), so a server reads the envelope's head,
//! and cuts anything else at the ordinary limit instead of reading and
//! parsing 20 MiB first.
//!
//! This reads the top-level object's members in order and stops once it
//! has `transcode` and `appid` (whose platform must admit the caller's
//! address before more is read). Platforms write the envelope's fields in
//! the spec's order, both before `data`; one that puts them after it is
//! only held to the ordinary limit.

use super::Transcode;

/// What the head of a request body says it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    pub transcode: Option<Transcode>,
    pub appid: Option<String>,
}

/// The transcode and appid named in `head`, as far as the top-level
/// object names them before `head` ends.
pub fn peek_head(head: &[u8]) -> Head {
    let mut found = Head::default();
    let mut r = Reader { bytes: head, at: 0 };
    let _ = read_members(&mut r, &mut found);
    found
}

/// The transcode named in `head`, if the top-level object names one
/// before `head` ends.
pub fn peek_transcode(head: &[u8]) -> Option<Transcode> {
    peek_head(head).transcode
}

/// Fills `found` until both are known; `None` where the head ends or
/// stops looking like an envelope.
fn read_members(r: &mut Reader<'_>, found: &mut Head) -> Option<()> {
    r.skip_ws();
    r.expect(b'{')?;
    loop {
        r.skip_ws();
        let key = r.string()?;
        r.skip_ws();
        r.expect(b':')?;
        r.skip_ws();
        match key.as_str() {
            // The first of each counts; a second `transcode` is caught
            // after the whole body is parsed.
            "transcode" if found.transcode.is_none() => {
                found.transcode = Some(Transcode::parse(&r.string()?)?);
            }
            "appid" if found.appid.is_none() => found.appid = Some(r.string()?),
            _ => r.skip_value(0)?,
        }
        if found.transcode.is_some() && found.appid.is_some() {
            return Some(());
        }
        r.skip_ws();
        match r.next()? {
            b',' => {}
            _ => return None,
        }
    }
}

/// Deep enough for any envelope; a deeper value is not one.
const MAX_DEPTH: usize = 32;
/// A key longer than this is not one of the envelope's.
const MAX_KEY: usize = 64;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn next(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    fn skip_ws(&mut self) {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// A string's text, up to [`MAX_KEY`] characters; escapes other than
    /// `\"` and `\\` end the search (no envelope key or transcode has one).
    fn string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => match self.next()? {
                    c @ (b'"' | b'\\' | b'/') => out.push(c),
                    _ => return None,
                },
                c => out.push(c),
            }
            if out.len() > MAX_KEY {
                return None;
            }
        }
    }

    /// Skips one value of any kind, strings of any length included.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match *self.bytes.get(self.at)? {
            b'"' => {
                self.at += 1;
                loop {
                    match self.next()? {
                        b'"' => return Some(()),
                        b'\\' => {
                            self.next()?;
                        }
                        _ => {}
                    }
                }
            }
            open @ (b'{' | b'[') => {
                self.at += 1;
                let close = if open == b'{' { b'}' } else { b']' };
                self.skip_ws();
                if self.bytes.get(self.at) == Some(&close) {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.skip_ws();
                    if open == b'{' {
                        self.skip_value(depth + 1)?;
                        self.skip_ws();
                        self.expect(b':')?;
                        self.skip_ws();
                    }
                    self.skip_value(depth + 1)?;
                    self.skip_ws();
                    match self.next()? {
                        b',' => {}
                        c if c == close => return Some(()),
                        _ => return None,
                    }
                }
            }
            _ => {
                // A number or a literal: up to the next delimiter.
                let start = self.at;
                while let Some(c) = self.bytes.get(self.at) {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.at += 1;
                }
                (self.at > start && self.at < self.bytes.len()).then_some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transcode_is_found_before_the_data_arrives() {
        let head = br#" { "transcode" : "ELY104", "msgcode": "ab", "data": "AAAA"#;
        assert_eq!(peek_transcode(head), Some(Transcode::Ely104));
        let later = br#"{"msgcode":"a\"b","n":12,"o":{"x":[1,{"y":"}"}]},"transcode":"ely101"}"#;
        assert_eq!(peek_transcode(later), Some(Transcode::Ely101));
    }

    /// Found by the peek_transcode fuzz target: with `transcode` twice,
    /// the head's scan takes the first and serde_json the last. The
    /// ingress re-checks the parsed one, so a head cannot buy a larger
    /// body with a first `transcode` of ELY104 (tests/system/security.rs).
    #[test]
    fn with_the_key_twice_the_first_counts() {
        let body = b"{\n    \"transcode\": \"ELY109\",\"transcode\": \"ELY1c-3e4520\"\n}\n";
        assert_eq!(peek_transcode(body), Some(Transcode::Ely109));
        let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        assert_eq!(parsed["transcode"], "ELY1c-3e4520");
    }

    #[test]
    fn the_appid_is_read_with_the_transcode() {
        let head = br#"{"transcode":"ELY104","msgcode":"ab","appid":"BANK1","data":"AAA"#;
        assert_eq!(
            peek_head(head),
            Head {
                transcode: Some(Transcode::Ely104),
                appid: Some("BANK1".into())
            }
        );
        let late = br#"{"transcode":"ELY104","data":"AAAA"#;
        assert_eq!(peek_head(late).appid, None);
    }

    #[test]
    fn a_head_that_does_not_say_is_none() {
        for head in [
            &br#"{"data":"AAAA"#[..],
            br#"{"transcode":"ELY999"}"#,
            br#"{"transcode":12}"#,
            br#"["transcode","ELY104"]"#,
            br#"{"trans\u0063ode":"ELY104"}"#,
            b"",
            b"{",
        ] {
            assert_eq!(
                peek_transcode(head),
                None,
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        let deep = format!(
            "{{\"a\":{}1{},\"transcode\":\"ELY104\"}}",
            "[".repeat(100),
            "]".repeat(100)
        );
        assert_eq!(peek_transcode(deep.as_bytes()), None);
    }
}
