//! The demo platforms' keys and profiles (DEV ONLY, public), shared by
//! the targets.

#![allow(dead_code)]

use baohan_gm::sm2::{CipherFormat, Layout, PrivateKey, PublicKey};
use baohan_gm::sm4::Sm4Key;
use baohan_protocol::ely::ElyProfile;
use baohan_protocol::fujian::{FieldCipher, FujianProfile, SortOrder};
use baohan_protocol::time::Shape;
use chrono::{DateTime, FixedOffset};
use serde_json::Value;
use std::sync::LazyLock;

static KEYS: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../tests/fixtures/demo-keys.json")).unwrap_or_default()
});

fn text(path: &[&str]) -> String {
    let mut v = &*KEYS;
    for p in path {
        v = &v[*p];
    }
    v.as_str().unwrap_or_default().to_owned()
}

/// The fixed clock every fixture was made at.
pub fn now() -> DateTime<FixedOffset> {
    Shape::Compact
        .parse(&text(&["ely", "reqtime"]))
        .unwrap_or_else(baohan_protocol::time::now)
}

/// The ELY profile as `side` sees it ("fi": ours; "platform": theirs).
pub fn ely(side: &str) -> ElyProfile {
    let other = if side == "fi" { "platform" } else { "fi" };
    ElyProfile {
        appid: text(&["ely", "appid"]),
        appkey: text(&["ely", "appkey"]),
        appsecret: secret(&text(&["ely", "appsecret"])),
        our_key: PrivateKey::parse(&text(&["ely", side, "private_hex"]))
            .unwrap_or_else(|_| PrivateKey::generate()),
        peer_key: PublicKey::parse(&text(&["ely", other, "public_hex"]))
            .unwrap_or_else(|_| PrivateKey::generate().public_key()),
        send_layout: Layout::DEFAULT,
        accept_first: CipherFormat::C1C3C2,
        clock_window_secs: 600,
        version: "v1.0".into(),
        envelope_transcodes: ElyProfile::DEFAULT_ENVELOPE_TRANSCODES.to_vec(),
    }
}

pub fn fujian() -> FujianProfile {
    FujianProfile {
        appkey: text(&["fujian", "appkey"]),
        appsecret: secret(&text(&["fujian", "appsecret"])),
        cipher: FieldCipher::ecb_base64(
            Sm4Key::parse(&text(&["fujian", "sm4_key_hex"]))
                .unwrap_or_else(|_| Sm4Key::from_bytes([7; 16])),
        ),
        sort: SortOrder::Bytes,
        clock_window_secs: 600,
        extra_fields: Vec::new(),
    }
}

fn secret(s: &str) -> baohan_masking::Secret {
    baohan_masking::Secret::new(s)
}
