//! The fixtures in `../shared/interop/`, made by OpenSSL 3 and Python gmssl,
//! must all decrypt and verify here, and every `must_fail` entry must fail.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use ::sm2::elliptic_curve::rand_core::{TryCryptoRng, TryRng};
use baohan_gm::sm2::cipher::encrypt_with_rng;
use baohan_gm::sm2::{self, Accept, CipherFormat, Layout, PrivateKey, PublicKey};
use baohan_gm::sm4::{self, Mode, Sm4Key};
use baohan_gm::{Encoding, GmError, sm3};
use serde_json::Value;
use std::path::PathBuf;

fn shared_dir() -> PathBuf {
    std::env::var_os("BAOHAN_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

fn fixture(name: &str) -> Value {
    let path = shared_dir().join("interop").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (set BAOHAN_SHARED_DIR to the shared/ folder)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("fixture field {key} missing in {v}"))
}

fn hx(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(s(v, key)).unwrap()
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().unwrap()
}

#[test]
fn sm3_vectors_match() {
    let f = fixture("sm3.json");
    for v in list(&f, "vectors") {
        assert_eq!(
            sm3::hex_digest(&hx(v, "message_hex")),
            s(v, "sm3_hex"),
            "{}",
            s(v, "name")
        );
    }
}

#[test]
fn sm4_vectors_match_in_both_modes_and_encodings() {
    let f = fixture("sm4.json");
    for v in list(&f, "block_vectors") {
        let key = Sm4Key::parse(s(v, "key_hex")).unwrap();
        let ct = sm4::encrypt(&key, &Mode::Ecb, &hx(v, "plaintext_hex"));
        assert_eq!(hex::encode(&ct[..16]), s(v, "ciphertext_hex"));
    }
    for (section, cbc) in [("ecb", false), ("cbc", true)] {
        for v in list(&f, section) {
            let key = Sm4Key::parse(s(v, "key_base64")).unwrap();
            assert_eq!(key.expose()[..], hx(v, "key_hex")[..]);
            let mode = if cbc {
                Mode::cbc_from_text(s(v, "iv_hex")).unwrap()
            } else {
                Mode::Ecb
            };
            let pt = hx(v, "plaintext_hex");
            let ct = sm4::encrypt(&key, &mode, &pt);
            assert_eq!(
                Encoding::Hex.encode(&ct),
                s(v, "ciphertext_hex"),
                "{}",
                s(v, "name")
            );
            assert_eq!(Encoding::Base64.encode(&ct), s(v, "ciphertext_base64"));
            let back = sm4::decrypt(
                &key,
                &mode,
                &Encoding::Base64.decode(s(v, "ciphertext_base64")).unwrap(),
            );
            assert_eq!(back.unwrap(), pt);
        }
    }
    for v in list(&f, "must_fail") {
        let key = Sm4Key::parse(s(v, "key_hex")).unwrap();
        let r = sm4::decrypt(&key, &Mode::Ecb, &hx(v, "ciphertext_hex"));
        assert!(
            matches!(r, Err(GmError::Sm4Decrypt(_))),
            "{} must fail",
            s(v, "name")
        );
    }
}

#[test]
fn sm2_keys_load_from_every_form_and_export_identically() {
    let f = fixture("sm2_keys.json");
    for k in list(&f, "keys") {
        let name = s(k, "name");
        let from_hex = PrivateKey::parse(s(k, "private_hex")).unwrap();
        for form in ["private_pem_pkcs8", "private_pem_sec1"] {
            let sk = PrivateKey::parse(s(k, form)).unwrap_or_else(|e| panic!("{name} {form}: {e}"));
            assert_eq!(sk.to_hex(), s(k, "private_hex"), "{name} {form}");
        }
        assert_eq!(from_hex.public_key().to_hex(), s(k, "public_hex"), "{name}");
        for form in ["public_hex", "public_hex_no_prefix", "public_pem_spki"] {
            let pk = PublicKey::parse(s(k, form)).unwrap_or_else(|e| panic!("{name} {form}: {e}"));
            assert_eq!(pk.to_hex(), s(k, "public_hex"), "{name} {form}");
            assert_eq!(pk.to_hex_no_prefix(), s(k, "public_hex_no_prefix"));
        }
        // Our PEM exports read back to the same key.
        assert_eq!(
            PrivateKey::parse(&from_hex.to_pkcs8_pem().unwrap())
                .unwrap()
                .to_hex(),
            s(k, "private_hex")
        );
        assert_eq!(
            PrivateKey::parse(&from_hex.to_sec1_pem().unwrap())
                .unwrap()
                .to_hex(),
            s(k, "private_hex")
        );
        let pem = from_hex.public_key().to_pem().unwrap();
        assert_eq!(
            pem.trim(),
            s(k, "public_pem_spki").trim(),
            "{name}: SPKI PEM is byte-identical to OpenSSL's"
        );
    }
}

/// Returns a fixed k, so encryption is reproducible (the curve library reads
/// a 32-byte big-endian scalar from the generator).
struct FixedK([u8; 32]);

impl TryRng for FixedK {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unreachable!("SM2 draws k as bytes")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unreachable!("SM2 draws k as bytes")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.copy_from_slice(&self.0[..dst.len()]);
        Ok(())
    }
}
impl TryCryptoRng for FixedK {}

#[test]
fn gm_t_0003_5_known_answer_matches_in_all_three_formats() {
    let f = fixture("sm2_encrypt.json");
    let ka = &f["known_answer"];
    let pk = PublicKey::parse(s(ka, "public_hex")).unwrap();
    let sk = PrivateKey::parse(s(ka, "private_hex")).unwrap();
    let k: [u8; 32] = hx(ka, "k_hex").try_into().unwrap();
    let msg = hx(ka, "plaintext_hex");
    for (format, key) in [
        (CipherFormat::C1C3C2, "c1c3c2_04_hex"),
        (CipherFormat::C1C2C3, "c1c2c3_04_hex"),
        (CipherFormat::Der, "der_hex"),
    ] {
        let ct = encrypt_with_rng(&pk, Layout::new(format, true), &msg, &mut FixedK(k)).unwrap();
        assert_eq!(hex::encode(&ct), s(ka, key), "{format}");
        let (pt, layout) = sm2::decrypt(&sk, &ct, Accept::default()).unwrap();
        assert_eq!(pt, msg);
        assert_eq!(layout.format, format);
    }
}

#[test]
fn every_peer_ciphertext_decrypts_and_its_layout_is_detected() {
    let f = fixture("sm2_encrypt.json");
    let entries = list(&f, "ciphertexts")
        .iter()
        .chain(list(&f, "autodetect_traps"));
    let mut n = 0;
    for c in entries {
        let id = s(c, "id");
        let sk = PrivateKey::parse(s(c, "private_hex")).unwrap();
        let format = CipherFormat::parse(s(c, "format")).unwrap();
        let expected = Layout::new(format, c["prefix_04"].as_bool().unwrap());
        for accept in [
            Accept::default(),
            Accept::Any {
                first: CipherFormat::Der,
            },
            Accept::Only(format),
        ] {
            let (pt, layout) = sm2::decrypt(&sk, &hx(c, "ciphertext_hex"), accept)
                .unwrap_or_else(|e| panic!("{id} with {accept:?}: {e}"));
            assert_eq!(pt, hx(c, "plaintext_hex"), "{id}");
            assert_eq!(layout, expected, "{id}");
        }
        // Base64 form too, the way it arrives on the wire.
        let bytes = Encoding::Base64.decode(s(c, "ciphertext_base64")).unwrap();
        assert!(sm2::decrypt(&sk, &bytes, Accept::default()).is_ok());
        n += 1;
    }
    assert!(n >= 60, "only {n} ciphertexts checked");
}

#[test]
fn noncanonical_der_is_accepted_as_openssl_does_but_ber_and_trailing_bytes_are_not() {
    let f = fixture("sm2_encrypt.json");
    for c in list(&f, "der_noncanonical") {
        let name = s(c, "name");
        let sk = PrivateKey::parse(s(c, "private_hex")).unwrap();
        let r = sm2::decrypt(
            &sk,
            &hx(c, "ciphertext_hex"),
            Accept::Only(CipherFormat::Der),
        );
        match s(c, "expect") {
            "accept" => assert_eq!(r.unwrap().0, hx(c, "plaintext_hex"), "{name}"),
            // Project decision (docs/protocol.md): lenient BER forms are refused.
            "openssl-lenient" | "reject" => assert!(r.is_err(), "{name} must be rejected"),
            other => panic!("unknown expectation {other}"),
        }
    }
}

#[test]
fn tampered_ciphertexts_are_rejected_in_every_format() {
    let f = fixture("sm2_encrypt.json");
    for c in list(&f, "must_fail") {
        let sk = PrivateKey::parse(s(c, "private_hex")).unwrap();
        let r = sm2::decrypt(&sk, &hx(c, "ciphertext_hex"), Accept::default());
        assert!(
            matches!(r, Err(GmError::Sm2Decrypt { .. })),
            "{}: {r:?}",
            s(c, "name")
        );
    }
}

#[test]
fn peer_signatures_verify_in_raw_and_der_and_tampered_ones_do_not() {
    let f = fixture("sm2_sign.json");
    for sig in list(&f, "signatures") {
        let id = s(sig, "id");
        let pk = PublicKey::parse(s(sig, "public_hex")).unwrap();
        let msg = hx(sig, "message_hex");
        for form in ["signature_raw_hex", "signature_der_hex"] {
            sm2::verify(&pk, s(sig, "user_id"), &msg, &hx(sig, form))
                .unwrap_or_else(|e| panic!("{id} {form}: {e}"));
        }
        // Our DER of the raw form is the canonical DER the peer wrote.
        let raw: [u8; 64] = hx(sig, "signature_raw_hex").try_into().unwrap();
        assert_eq!(
            hex::encode(sm2::sign::to_der(&raw)),
            s(sig, "signature_der_hex"),
            "{id}"
        );
    }
    for bad in list(&f, "must_fail") {
        let pk = PublicKey::parse(s(bad, "public_hex")).unwrap();
        let r = sm2::verify(
            &pk,
            s(bad, "user_id"),
            &hx(bad, "message_hex"),
            &hx(bad, "signature_raw_hex"),
        );
        assert!(r.is_err(), "{}", s(bad, "name"));
    }
}

#[test]
fn our_signatures_verify_for_every_fixture_key() {
    let f = fixture("sm2_keys.json");
    for k in list(&f, "keys") {
        let sk = PrivateKey::parse(s(k, "private_hex")).unwrap();
        let sig = sm2::sign(&sk, sm2::DEFAULT_USER_ID, b"baohan").unwrap();
        assert!(sm2::verify(&sk.public_key(), sm2::DEFAULT_USER_ID, b"baohan", &sig).is_ok());
    }
}

/// Fixtures of our own from two more peers: npm sm-crypto and Java
/// BouncyCastle (tests/interop/make_peer_fixtures.sh made them).
#[test]
fn sm_crypto_and_bouncycastle_fixtures_all_open_and_verify() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop/peers");
    for file in ["sm_crypto.json", "bouncycastle.json"] {
        let f: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
        for v in list(&f, "sm3") {
            assert_eq!(
                sm3::hex_digest(&hx(v, "message_hex")),
                s(v, "sm3_hex"),
                "{file} {}",
                s(v, "name")
            );
        }
        for v in list(&f, "sm4") {
            let key = Sm4Key::parse(s(v, "key_hex")).unwrap();
            let mode = match v["iv_hex"].as_str() {
                Some(iv) => Mode::cbc_from_text(iv).unwrap(),
                None => Mode::Ecb,
            };
            assert_eq!(
                hex::encode(sm4::encrypt(&key, &mode, &hx(v, "plaintext_hex"))),
                s(v, "ciphertext_hex"),
                "{file} {}",
                s(v, "name")
            );
        }
        let mut n = 0;
        for c in list(&f, "sm2_encrypt") {
            let sk = PrivateKey::parse(s(c, "private_hex")).unwrap();
            let (pt, layout) = sm2::decrypt(&sk, &hx(c, "ciphertext_hex"), Accept::default())
                .unwrap_or_else(|e| panic!("{file} {}: {e}", s(c, "id")));
            assert_eq!(pt, hx(c, "plaintext_hex"));
            assert_eq!(
                layout.format,
                CipherFormat::parse(s(c, "format")).unwrap(),
                "{file} {}",
                s(c, "id")
            );
            n += 1;
        }
        for sig in list(&f, "sm2_sign") {
            let pk = PublicKey::parse(s(sig, "public_hex")).unwrap();
            for form in ["signature_raw_hex", "signature_der_hex"] {
                if sig[form].is_string() {
                    sm2::verify(
                        &pk,
                        s(sig, "user_id"),
                        &hx(sig, "message_hex"),
                        &hx(sig, form),
                    )
                    .unwrap_or_else(|e| panic!("{file} {} {form}: {e}", s(sig, "id")));
                }
            }
        }
        assert!(n >= 10, "{file}: only {n} ciphertexts");
    }
}
