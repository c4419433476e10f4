//! Round trips for every codec, and tamper resistance: no single flipped
//! byte of an SM2 ciphertext, in any layout, is ever accepted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use baohan_gm::envelope;
use baohan_gm::sm2::{self, Accept, CipherFormat, Layout, PrivateKey};
use baohan_gm::sm4::{self, Mode, Sm4Key};
use baohan_gm::{Encoding, GmError};
use proptest::prelude::*;
use std::sync::LazyLock;

static KEY: LazyLock<PrivateKey> = LazyLock::new(PrivateKey::generate);

fn layouts() -> impl Strategy<Value = Layout> {
    (
        prop::sample::select(CipherFormat::ALL.to_vec()),
        any::<bool>(),
    )
        .prop_map(|(f, p)| Layout::new(f, p))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sm2_round_trips_in_every_layout(msg in prop::collection::vec(any::<u8>(), 1..600), layout in layouts()) {
        let ct = sm2::encrypt(&KEY.public_key(), layout, &msg).unwrap();
        let (pt, found) = sm2::decrypt(&KEY, &ct, Accept::default()).unwrap();
        prop_assert_eq!(pt, msg);
        prop_assert_eq!(found, layout);
    }

    #[test]
    fn sm4_round_trips(msg in prop::collection::vec(any::<u8>(), 0..300), key in any::<[u8; 16]>(), iv in any::<[u8; 16]>(), cbc in any::<bool>()) {
        let key = Sm4Key::from_bytes(key);
        let mode = if cbc { Mode::Cbc { iv } } else { Mode::Ecb };
        let ct = sm4::encrypt(&key, &mode, &msg);
        prop_assert_eq!(ct.len() % 16, 0);
        prop_assert_eq!(sm4::decrypt(&key, &mode, &ct).unwrap(), msg);
    }

    #[test]
    fn text_encodings_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        for enc in [Encoding::Base64, Encoding::Hex] {
            prop_assert_eq!(enc.decode(&enc.encode(&bytes)).unwrap(), bytes.clone());
        }
    }

    #[test]
    fn signatures_round_trip_raw_and_der(msg in prop::collection::vec(any::<u8>(), 0..300), id in "[ -~]{0,40}") {
        let sig = sm2::sign(&KEY, &id, &msg).unwrap();
        prop_assert!(sm2::verify(&KEY.public_key(), &id, &msg, &sig).is_ok());
        let der = sm2::sign::to_der(&sig);
        prop_assert_eq!(sm2::sign::parse_signature(&der).unwrap(), sig);
        prop_assert!(sm2::verify(&KEY.public_key(), &id, &msg, &der).is_ok());
    }

    #[test]
    fn envelopes_round_trip(msg in prop::collection::vec(any::<u8>(), 0..400), layout in layouts()) {
        let sealed = envelope::seal(&KEY.public_key(), layout, &msg).unwrap();
        let opened = envelope::open(&KEY, Accept::default(), &sealed.data, &sealed.sign).unwrap();
        prop_assert_eq!(opened.payload, msg);
        prop_assert_eq!(opened.key_layout, layout);
    }

    #[test]
    fn garbage_never_decrypts_or_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        prop_assert!(sm2::decrypt(&KEY, &bytes, Accept::default()).is_err());
    }
}

#[test]
fn every_single_flipped_byte_is_rejected_in_every_layout() {
    let msg = br#"{"applicationId":"AP1","supplier":"X"}"#;
    for format in CipherFormat::ALL {
        for prefix in [true, false] {
            let layout = Layout::new(format, prefix);
            let ct = sm2::encrypt(&KEY.public_key(), layout, msg).unwrap();
            for i in 0..ct.len() {
                for flip in [0x01u8, 0x80, 0xff] {
                    let mut bad = ct.clone();
                    bad[i] ^= flip;
                    let r = sm2::decrypt(&KEY, &bad, Accept::default());
                    assert!(
                        matches!(r, Err(GmError::Sm2Decrypt { .. })),
                        "{layout}: byte {i} ^ {flip:#04x} was accepted: {r:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn truncated_or_extended_ciphertexts_are_rejected() {
    for layout in [Layout::DEFAULT, Layout::new(CipherFormat::Der, false)] {
        let ct = sm2::encrypt(&KEY.public_key(), layout, b"hello").unwrap();
        assert!(sm2::decrypt(&KEY, &ct[..ct.len() - 1], Accept::default()).is_err());
        let mut longer = ct.clone();
        longer.push(0);
        assert!(sm2::decrypt(&KEY, &longer, Accept::default()).is_err());
    }
}
