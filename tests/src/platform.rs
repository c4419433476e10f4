//! A trading platform's side of both protocols, built from the same
//! crates: what it sends is signed and encrypted exactly as the spec says,
//! so the ingress sees what a real platform would send.

use baohan_config::{PlatformKind, Settings};
use baohan_gm::sm2::PrivateKey;
use baohan_protocol::ely::{self, ElyProfile, Transcode};
use baohan_protocol::fujian::{self, FujianProfile, Interface};
use baohan_protocol::wire::{Map, Value};
use chrono::{DateTime, FixedOffset};
use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn object(v: Value) -> Map {
    match v {
        Value::Object(m) => m,
        other => panic!("not a JSON object: {other}"),
    }
}

/// The plaintext example of a request, from `tests/fixtures/plain`.
pub fn plain(spec: &str, name: &str) -> Map {
    object(read_json(&repo().join(format!(
        "tests/fixtures/plain/{spec}/{name}.request.json"
    ))))
}

/// The Fujian demo platform, holding the credentials it shares with us.
pub struct FujianPlatform {
    pub profile: FujianProfile,
}

impl FujianPlatform {
    pub fn demo(settings: &Settings) -> FujianPlatform {
        match &settings.platforms.by_id("fujian-demo").map(|p| &p.kind) {
            Some(PlatformKind::Fujian { profile, .. }) => FujianPlatform {
                profile: profile.clone(),
            },
            _ => panic!("config has no fujian-demo platform"),
        }
    }

    /// The wire body of `fields` (plaintext, as in the fixtures): 密文
    /// fields encrypted, `appkey` and `timestamp` set, then signed.
    pub fn seal(&self, interface: Interface, fields: &Map, now: DateTime<FixedOffset>) -> Map {
        let mut fields = fields.clone();
        // The fixtures leave `sign` empty; the typed request wants one.
        fields.insert("sign".into(), Value::String("-".into()));
        fields.insert("appkey".into(), Value::String(self.profile.appkey.clone()));
        fields.insert(
            "timestamp".into(),
            Value::String(baohan_protocol::time::Shape::Dashed.format(&now)),
        );
        let request = interface
            .parse_request(&fields)
            .unwrap_or_else(|e| panic!("{}: {e}", interface.name()));
        fujian::seal(&request, &self.profile, now)
    }

    pub fn body(&self, interface: Interface, fields: &Map) -> Vec<u8> {
        let map = self.seal(interface, fields, baohan_protocol::time::now());
        serde_json::to_vec(&map).unwrap_or_default()
    }
}

/// The ELY demo platform: its own key pair, and our public key.
pub struct ElyPlatform {
    pub profile: ElyProfile,
}

impl ElyPlatform {
    pub fn demo(settings: &Settings) -> ElyPlatform {
        let ours = match &settings.platforms.by_id("ely-demo").map(|p| &p.kind) {
            Some(PlatformKind::Ely { profile, .. }) => profile.clone(),
            _ => panic!("config has no ely-demo platform"),
        };
        let keys = read_json(&repo().join("tests/fixtures/demo-keys.json"));
        let private = keys["ely"]["platform"]["private_hex"]
            .as_str()
            .unwrap_or_default();
        let platform_key = PrivateKey::parse(private).unwrap_or_else(|e| panic!("{e}"));
        let fi_public = ours.our_key.public_key();
        ElyPlatform {
            profile: ElyProfile {
                our_key: platform_key,
                peer_key: fi_public,
                ..ours
            },
        }
    }

    /// The wire request for `business`, in the mode the spec gives the
    /// transcode, with a fresh msgcode.
    pub fn seal(&self, transcode: Transcode, business: &Map) -> ely::WireRequest {
        self.seal_with(transcode, business, ely::codec::new_msgcode())
    }

    pub fn seal_with(
        &self,
        transcode: Transcode,
        business: &Map,
        msgcode: String,
    ) -> ely::WireRequest {
        ely::codec::seal_request(
            transcode,
            business,
            &self.profile,
            baohan_protocol::time::now(),
            msgcode,
            transcode.request_envelope(),
        )
        .unwrap_or_else(|e| panic!("seal {}: {e}", transcode.code()))
    }

    pub fn body(&self, transcode: Transcode, business: &Map) -> Vec<u8> {
        to_body(&self.seal(transcode, business))
    }

    /// Our response, decrypted where it carries data.
    pub fn open_response(&self, body: &[u8]) -> (ely::WireResponse, Option<Map>) {
        ely::codec::open_response(body, &self.profile).unwrap_or_else(|e| panic!("{e}"))
    }
}

pub fn to_body(wire: &ely::WireRequest) -> Vec<u8> {
    use baohan_protocol::wire::WireMessage;
    serde_json::to_vec(&Value::Object(wire.to_map())).unwrap_or_default()
}
