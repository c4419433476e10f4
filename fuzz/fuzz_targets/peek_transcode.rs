//! The scan of an ELY body's head for its transcode, before the rest has
//! arrived: it must never panic, and when a whole body is a JSON object
//! whose first member is `transcode`, named once, it must agree with the
//! parser. (With the key twice the two differ on purpose: the scan takes
//! the first, serde_json the last, and the ingress checks the parsed one
//! again; found by this target, pinned in peek.rs's tests.)
#![no_main]

use baohan_protocol::ely::Transcode;
use baohan_protocol::ely::peek::peek_transcode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let peeked = peek_transcode(input);
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(input)
        && let Some((first, serde_json::Value::String(code))) = map.iter().next()
        && first == "transcode"
        && input.windows(11).filter(|w| w == b"\"transcode\"").count() == 1
        && !input.windows(2).any(|w| w[0] == b'\\' && w[1] == b'u')
    {
        assert_eq!(
            peeked,
            Transcode::parse(code),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
});
