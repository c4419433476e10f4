//! SM2 ciphertext layout detection (C1C3C2, C1C2C3, with or without the
//! 04 prefix, DER) and the DER reader, on any bytes.
#![no_main]

#[path = "common.rs"]
mod common;

use baohan_gm::sm2::{self, Accept, CipherFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let key = common::ely("fi").our_key;
    let _ = sm2::decrypt(
        &key,
        input,
        Accept::Any {
            first: CipherFormat::C1C3C2,
        },
    );
    let _ = sm2::decrypt(&key, input, Accept::Only(CipherFormat::Der));
});
