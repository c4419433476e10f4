//! The ELY digital envelope's opener: `data` (Base64 of SM4-ECB) and
//! `sign` (the SM2-wrapped key in any of its forms), split at the first
//! NUL of the input.
#![no_main]

#[path = "common.rs"]
mod common;

use baohan_gm::envelope;
use baohan_gm::sm2::{Accept, CipherFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let (data, sign) = text.split_once('\0').unwrap_or((text, ""));
    let key = common::ely("fi").our_key;
    let _ = envelope::open(
        &key,
        Accept::Any {
            first: CipherFormat::C1C3C2,
        },
        data,
        sign,
    );
    // A well-wrapped key around fuzzed data: the SM4 and padding path.
    let peer = common::ely("platform").peer_key;
    if let Ok(sealed) = envelope::seal(&peer, baohan_gm::sm2::Layout::DEFAULT, b"{}") {
        let _ = envelope::open(
            &key,
            Accept::Any {
                first: CipherFormat::C1C3C2,
            },
            data,
            &sealed.sign,
        );
    }
});
