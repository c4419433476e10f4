//! The guarantee's documents, made from its terms: the letter (保函) and the
//! electronic application form (申请单) as Chinese PDFs, the structured XML
//! of the guarantee data, and the upper-case MD5 the platforms check each
//! file by. Signing the letter is `baohan-pdfsign`'s job.
//!
//! # Layout
//! - [`amount`]: yuan from fen, and the amount in Chinese capitals (大写).
//! - [`terms`]: what a guarantee says, whichever platform it is for.
//! - [`xml`]: the structured data (docs/guarantee-xml.md).
//! - [`pdf`]: the letter and the form.

pub mod amount;
pub mod pdf;
pub mod terms;
pub mod xml;

pub use terms::{Form, Kind, Party, Terms};

/// The upper-case hex MD5 of a file, as getbaohaninfo's `…md5` fields
/// carry it.
pub fn md5_upper(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn md5_is_upper_case_hex() {
        assert_eq!(super::md5_upper(b"abc"), "900150983CD24FB0D6963F7D28E17F72");
    }
}
