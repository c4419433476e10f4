//! ELY104's check of a submitted letter: the PDF's signature dictionary,
//! ByteRange, the CMS SignedData and the certificate, on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let _ = baohan_pdfsign::pdf::verify(input);
});
