//! The download URLs getbaohaninfo hands out (baohanurl, orderurl,
//! guaranteexmlurl, …): signed and expiring, so they need no login and
//! cannot be guessed or extended.
//!
//! A URL is `{portal}/files/{token}`, the token being
//! `base64url(platform \n application \n kind \n expires) . base64url(tag)`
//! with `tag = HMAC-SM3(key, the first part)`. The ingress signs; the
//! portal checks and serves. docs/protocol.md has a worked example.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

/// What a token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub platform_id: String,
    /// The platform's application number.
    pub external_no: String,
    /// The document kind (`letter`, `guarantee_xml`, …).
    pub kind: String,
    /// Unix seconds after which the URL no longer works.
    pub expires: i64,
}

/// Why a token was not honoured. The portal answers 404 to each alike, so
/// a caller learns nothing about which files exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("malformed token")]
    Malformed,
    #[error("signature does not match")]
    Forged,
    #[error("expired")]
    Expired,
}

/// The largest token accepted: four short fields and a 32-byte tag.
const TOKEN_MAX: usize = 1024;

impl Link {
    pub fn token(&self, key: &[u8]) -> String {
        let body = format!(
            "{}\n{}\n{}\n{}",
            self.platform_id, self.external_no, self.kind, self.expires
        );
        let tag = baohan_gm::sm3::hmac(key, body.as_bytes());
        format!("{}.{}", B64.encode(body), B64.encode(tag))
    }

    /// Checks `token` at `now` (Unix seconds).
    pub fn open(token: &str, key: &[u8], now: i64) -> Result<Link, LinkError> {
        if token.len() > TOKEN_MAX {
            return Err(LinkError::Malformed);
        }
        let (body, tag) = token.split_once('.').ok_or(LinkError::Malformed)?;
        let body = B64.decode(body).map_err(|_| LinkError::Malformed)?;
        let tag = B64.decode(tag).map_err(|_| LinkError::Malformed)?;
        // The tag first: nothing in an unsigned token is believed.
        if !baohan_gm::sm3::ct_eq(&tag, &baohan_gm::sm3::hmac(key, &body)) {
            return Err(LinkError::Forged);
        }
        let body = String::from_utf8(body).map_err(|_| LinkError::Malformed)?;
        let mut parts = body.split('\n');
        let (Some(p), Some(a), Some(k), Some(e), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(LinkError::Malformed);
        };
        let link = Link {
            platform_id: p.to_owned(),
            external_no: a.to_owned(),
            kind: k.to_owned(),
            expires: e.parse().map_err(|_| LinkError::Malformed)?,
        };
        if now > link.expires {
            return Err(LinkError::Expired);
        }
        Ok(link)
    }

    /// The full URL under the portal's base.
    pub fn url(&self, portal_base_url: &str, key: &[u8]) -> String {
        format!(
            "{}/files/{}",
            portal_base_url.trim_end_matches('/'),
            self.token(key)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"download-key-for-tests";

    fn link() -> Link {
        Link {
            platform_id: "fj-demo".into(),
            external_no: "FJ-2026-0001".into(),
            kind: "letter".into(),
            expires: 1_800_000_000,
        }
    }

    #[test]
    fn a_token_opens_to_what_it_names_until_it_expires() {
        let t = link().token(KEY);
        assert_eq!(Link::open(&t, KEY, 1_700_000_000), Ok(link()));
        assert_eq!(Link::open(&t, KEY, 1_800_000_000), Ok(link()));
        assert_eq!(Link::open(&t, KEY, 1_800_000_001), Err(LinkError::Expired));
    }

    #[test]
    fn any_change_to_a_token_is_caught() {
        let t = link().token(KEY);
        assert_eq!(
            Link::open(&t, b"another-key-entirely", 0),
            Err(LinkError::Forged)
        );
        // Every single-character change: never opens.
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
        for (i, c) in t.char_indices() {
            let other = alphabet.chars().find(|x| *x != c).unwrap_or('A');
            let mut changed = t.clone();
            changed.replace_range(i..i + 1, &other.to_string());
            assert!(Link::open(&changed, KEY, 0).is_err(), "{changed}");
        }
        // A later expiry, re-encoded with the old tag.
        let (_, tag) = t.split_once('.').unwrap();
        let longer = Link {
            expires: 1_900_000_000,
            ..link()
        };
        let body = longer.token(KEY);
        let (body, _) = body.split_once('.').unwrap();
        assert_eq!(
            Link::open(&format!("{body}.{tag}"), KEY, 0),
            Err(LinkError::Forged)
        );
        assert_eq!(Link::open("no-dot", KEY, 0), Err(LinkError::Malformed));
        assert_eq!(
            Link::open(&"A".repeat(5000), KEY, 0),
            Err(LinkError::Malformed)
        );
    }

    /// docs/protocol.md's worked example; the tag was computed
    /// independently (RFC 2104 in Python over gmssl 3.2.2's SM3).
    #[test]
    fn the_worked_example() {
        let link = Link {
            expires: 1_800_000_000,
            ..link()
        };
        assert_eq!(
            link.token(b"download-key-for-tests"),
            "ZmotZGVtbwpGSi0yMDI2LTAwMDEKbGV0dGVyCjE4MDAwMDAwMDA.\
             qhh4AEG9NFiegKD8DbrZjRBPKc0PniB1deYcIO7wwzg"
        );
    }

    #[test]
    fn the_url_is_under_the_portal() {
        let url = link().url("http://127.0.0.1:8081/", KEY);
        assert!(url.starts_with("http://127.0.0.1:8081/files/"), "{url}");
    }
}
