//! `POST /ely` as the ingress reads it: the envelope, the sign, SM2 or the
//! digital envelope, the clock, the business JSON and its typed fields.
//! The first byte picks how far in the input goes: as raw bytes it stops
//! at the sign, so two modes wrap it in what an authenticated (or an
//! envelope-allowed) sender would send.
#![no_main]

#[path = "common.rs"]
mod common;

use baohan_protocol::ely::{Transcode, codec};
use baohan_protocol::wire::{Map, Value, WireMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&mode, rest)) = input.split_first() else {
        return;
    };
    let fi = common::ely("fi");
    let now = common::now();
    match mode % 3 {
        // A whole body from the outside: envelope fields, appid, sign.
        0 => {
            let _ = codec::open_request(rest, &fi, now);
        }
        // Business JSON behind a valid standard-mode sign and SM2.
        1 => {
            let platform = common::ely("platform");
            let transcode = Transcode::ALL
                [usize::from(rest.first().copied().unwrap_or(0)) % Transcode::ALL.len()];
            let Ok(text) = std::str::from_utf8(rest.get(1..).unwrap_or_default()) else {
                return;
            };
            let Ok(Value::Object(business)) = serde_json::from_str::<Value>(text) else {
                return;
            };
            seal_and_open(transcode, &business, &platform, &fi, false);
        }
        // The same in a digital envelope (ELY104 is allowed one).
        _ => {
            let platform = common::ely("platform");
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            let Ok(Value::Object(business)) = serde_json::from_str::<Value>(text) else {
                return;
            };
            seal_and_open(Transcode::Ely104, &business, &platform, &fi, true);
        }
    }
});

fn seal_and_open(
    transcode: Transcode,
    business: &Map,
    platform: &baohan_protocol::ely::ElyProfile,
    fi: &baohan_protocol::ely::ElyProfile,
    envelope: bool,
) {
    let now = common::now();
    let Ok(wire) = codec::seal_request(
        transcode,
        business,
        platform,
        now,
        codec::new_msgcode(),
        envelope,
    ) else {
        return;
    };
    let body = Value::Object(wire.to_map()).to_string();
    if let Ok(opened) = codec::open_request(body.as_bytes(), fi, now) {
        // What opened re-serialises to what was sent.
        let _ = opened.request.to_map();
    }
}
