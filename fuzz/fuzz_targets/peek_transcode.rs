//! The scan of an ELY body's head for its transcode, before the rest has
//! arrived: it must never panic, and when a whole body is a JSON object
//! whose first member is `transcode`, it must agree with the parser.
#![no_main]

use baohan_protocol::ely::Transcode;
use baohan_protocol::ely::peek::peek_transcode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let peeked = peek_transcode(input);
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(input)
        && let Some((first, serde_json::Value::String(code))) = map.iter().next()
        && first == "transcode"
        && map.keys().filter(|k| *k == "transcode").count() == 1
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
