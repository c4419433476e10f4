//! Shared by the protocol tests: fixture paths, demo profiles, a fixed clock.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use baohan_gm::sm2::{CipherFormat, Layout, PrivateKey, PublicKey};
use baohan_gm::sm4::Sm4Key;
use baohan_masking::Secret;
use baohan_protocol::ely::ElyProfile;
use baohan_protocol::fujian::{FieldCipher, FujianProfile, SortOrder};
use baohan_protocol::time::Shape;
use baohan_protocol::wire::{Map, Value};
use chrono::{DateTime, FixedOffset};
use std::path::PathBuf;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn shared() -> PathBuf {
    std::env::var_os("BAOHAN_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared"))
}

pub fn read_json(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub fn read_map(path: PathBuf) -> Map {
    match read_json(path) {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

pub fn at(dashed: &str) -> DateTime<FixedOffset> {
    Shape::Dashed.parse(dashed).unwrap()
}

fn keys() -> Value {
    read_json(repo().join("tests/fixtures/demo-keys.json"))
}

pub fn fujian_profile() -> FujianProfile {
    let k = &keys()["fujian"];
    FujianProfile {
        appkey: k["appkey"].as_str().unwrap().into(),
        appsecret: Secret::new(k["appsecret"].as_str().unwrap()),
        cipher: FieldCipher::ecb_base64(Sm4Key::parse(k["sm4_key_hex"].as_str().unwrap()).unwrap()),
        sort: SortOrder::Bytes,
        clock_window_secs: 600,
        extra_fields: Vec::new(),
    }
}

/// The profile as seen by `side` ("fi" or "platform"): our key is that
/// side's private key, the peer's is the other side's public key.
pub fn ely_profile(side: &str) -> ElyProfile {
    let k = &keys()["ely"];
    let other = if side == "fi" { "platform" } else { "fi" };
    ElyProfile {
        appid: k["appid"].as_str().unwrap().into(),
        appkey: k["appkey"].as_str().unwrap().into(),
        appsecret: Secret::new(k["appsecret"].as_str().unwrap()),
        our_key: PrivateKey::parse(k[side]["private_hex"].as_str().unwrap()).unwrap(),
        peer_key: PublicKey::parse(k[other]["public_hex"].as_str().unwrap()).unwrap(),
        send_layout: Layout::DEFAULT,
        accept_first: CipherFormat::C1C3C2,
        clock_window_secs: 600,
        version: "v1.0".into(),
        envelope_transcodes: ElyProfile::DEFAULT_ENVELOPE_TRANSCODES.to_vec(),
    }
}

pub fn ely_fixture_now() -> DateTime<FixedOffset> {
    Shape::Compact
        .parse(keys()["ely"]["reqtime"].as_str().unwrap())
        .unwrap()
}
