//! The portal's signed download links: any token is refused unless its
//! HMAC-SM3 tag matches; the second mode signs the input so the body's
//! reader is reached too.
#![no_main]

use baohan_protocol::links::Link;
use libfuzzer_sys::fuzz_target;

const KEY: &[u8] = b"download-key-DEV-ONLY-0123456789";

fuzz_target!(|input: &[u8]| {
    let Some((&mode, rest)) = input.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        if let Ok(token) = std::str::from_utf8(rest) {
            let _ = Link::open(token, KEY, 1_700_000_000);
        }
        return;
    }
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let tag = baohan_gm::sm3::hmac(KEY, rest);
    let token = format!("{}.{}", b64.encode(rest), b64.encode(tag));
    if let Ok(link) = Link::open(&token, KEY, 0) {
        // What opens is what a token made from it opens to.
        assert_eq!(Link::open(&link.token(KEY), KEY, 0).ok(), Some(link));
    }
});
