//! The Fujian and ELY fixtures in `../shared/interop/` (made with Python,
//! gmssl and OpenSSL) open and verify with our codecs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use baohan_gm::sm2::{CipherFormat, Layout, PrivateKey, PublicKey};
use baohan_gm::sm4::Sm4Key;
use baohan_masking::Secret;
use baohan_protocol::ely::codec::{self, ElyProfile, Security};
use baohan_protocol::ely::{ElyRequest, Transcode};
use baohan_protocol::fujian::{FieldCipher, Interface, SortOrder, sign};
use baohan_protocol::wire::{Map, Value};
use common::*;

#[test]
fn fujian_sign_strings_and_digests_match_the_reference() {
    let f = read_json(shared().join("interop/fujian_sign.json"));
    for e in f["examples"].as_array().unwrap() {
        let map: Map = serde_json::from_str(e["request_json"].as_str().unwrap()).unwrap();
        let secret = e["appsecret"].as_str().unwrap();
        assert_eq!(
            sign::sign_string(&map, secret, SortOrder::Bytes),
            e["sign_string"].as_str().unwrap(),
            "{}",
            e["name"]
        );
        assert_eq!(
            sign::sign(&map, secret, SortOrder::Bytes),
            e["sign"].as_str().unwrap()
        );
    }
}

#[test]
fn fujian_field_ciphertext_matches_openssl() {
    let f = read_json(shared().join("interop/fujian_sign.json"));
    let fe = &f["field_encryption"];
    let cipher =
        FieldCipher::ecb_base64(Sm4Key::parse(fe["sm4_key_hex"].as_str().unwrap()).unwrap());
    let mut map = Map::new();
    map.insert("biaoduanno".into(), fe["plaintext"].clone());
    cipher.encrypt_fields(Interface::Baohanapply, &mut map);
    assert_eq!(map["biaoduanno"], fe["ciphertext_base64"]);
    cipher
        .decrypt_fields(Interface::Baohanapply, &mut map)
        .unwrap();
    assert_eq!(map["biaoduanno"], fe["plaintext"]);
}

fn profile_from(fx: &Value) -> ElyProfile {
    let sk = PrivateKey::parse(fx["receiver_private_hex"].as_str().unwrap()).unwrap();
    ElyProfile {
        appid: fx["appid"].as_str().unwrap().into(),
        appkey: fx["appkey"].as_str().unwrap().into(),
        appsecret: Secret::new(fx["appsecret"].as_str().unwrap()),
        peer_key: PublicKey::parse(fx["receiver_public_hex"].as_str().unwrap()).unwrap(),
        our_key: sk,
        send_layout: Layout::DEFAULT,
        accept_first: CipherFormat::C1C3C2,
        clock_window_secs: 600,
        version: "v1.0".into(),
        envelope_transcodes: ElyProfile::DEFAULT_ENVELOPE_TRANSCODES.to_vec(),
    }
}

#[test]
fn ely_standard_mode_request_opens_with_the_fixture_clock() {
    let f = read_json(shared().join("interop/ely.json"));
    let fx = &f["standard"];
    let wire = fx["wire_json"].as_str().unwrap();
    let now = at("2024-03-01 09:31:00");
    let opened = codec::open_request(wire.as_bytes(), &profile_from(fx), now).unwrap();
    assert_eq!(opened.transcode, Transcode::Ely109);
    assert_eq!(
        opened.security,
        Security::Standard {
            layout: Layout::DEFAULT
        }
    );
    let expected: Map = serde_json::from_str(fx["business_json"].as_str().unwrap()).unwrap();
    assert_eq!(opened.business, expected);
    assert!(matches!(opened.request, ElyRequest::Ely109(_)));
    // The same request a day later is refused on its reqtime, with 103.
    let late = codec::open_request(
        wire.as_bytes(),
        &profile_from(fx),
        at("2024-03-02 09:31:00"),
    )
    .unwrap_err();
    assert_eq!(late.code.code(), "103");
    assert!(late.detail.contains("reqtime"));
}

#[test]
fn ely_envelope_mode_request_opens_and_reports_the_key_form() {
    let f = read_json(shared().join("interop/ely.json"));
    let fx = &f["envelope"];
    let opened = codec::open_request(
        fx["wire_json"].as_str().unwrap().as_bytes(),
        &profile_from(fx),
        at("2024-03-01 09:30:30"),
    )
    .unwrap();
    assert_eq!(opened.transcode, Transcode::Ely104);
    assert!(
        matches!(opened.security, Security::Envelope { .. }),
        "{:?}",
        opened.security
    );
    let expected: Map = serde_json::from_str(fx["business_json"].as_str().unwrap()).unwrap();
    assert_eq!(opened.business, expected);
}
