//! `POST /fujian/{interface}` as the ingress reads it: the body, appkey,
//! sign, clock, undefined fields, the 密文 fields' SM4 and the typed
//! fields. As raw bytes the input stops at the sign; the second mode signs
//! it as the platform would, so the rest is reached.
#![no_main]

#[path = "common.rs"]
mod common;

use baohan_protocol::fujian::{self, Interface, sign};
use baohan_protocol::time::Shape;
use baohan_protocol::wire::Value;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&pick, rest)) = input.split_first() else {
        return;
    };
    let interface = Interface::ALL[usize::from(pick >> 1) % Interface::ALL.len()];
    let profile = common::fujian();
    let now = common::now();
    if pick & 1 == 0 {
        let _ = fujian::receive(interface, rest, &profile, now);
        return;
    }
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(rest) else {
        return;
    };
    map.insert("appkey".into(), Value::String(profile.appkey.clone()));
    map.insert(
        "timestamp".into(),
        Value::String(Shape::Dashed.format(&now)),
    );
    map.remove("sign");
    let s = sign::sign(&map, profile.appsecret.expose(), profile.sort);
    map.insert("sign".into(), Value::String(s));
    let body = Value::Object(map).to_string();
    let _ = fujian::receive(interface, body.as_bytes(), &profile, now);
});
