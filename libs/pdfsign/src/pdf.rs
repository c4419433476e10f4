//! The signature in the PDF: an incremental update appended to the
//! document (a signature dictionary, an invisible signature field on the
//! first page, the catalog's AcroForm, a new xref section and trailer),
//! so the signed bytes are the original file plus that update, except the
//! `/Contents` hex string, which holds the CMS.
//!
//! `/ByteRange` must name the file's whole length: bytes added after
//! signing (another update, a tampered tail) fail verification, as do
//! bytes changed anywhere it covers.

use crate::cms::{self, Signed};
use crate::{SignError, VerifyError};
use baohan_gm::sm2::PrivateKey;
use lopdf::{Dictionary, Document, Object, ObjectId, Writer};
use std::io::Write;
use std::time::SystemTime;
use x509_cert::Certificate;

/// Room for the CMS, in bytes (the hex string is twice that). One SM2
/// certificate and signature take about 1.2 KB.
const CONTENTS_MAX: usize = 8192;
/// The `/ByteRange` placeholder: wide enough for four 10-digit numbers,
/// padded with spaces when filled in.
const BYTE_RANGE: &[u8] = b"/ByteRange [0 ********** ********** **********]";

fn pdf_err(e: impl std::fmt::Display) -> SignError {
    SignError::Pdf(e.to_string())
}

/// `D:20260417103652+08'00'`.
fn pdf_date(at: SystemTime) -> String {
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        + 8 * 3600;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "D:{y:04}{m:02}{d:02}{:02}{:02}{:02}+08'00'",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Signs `pdf` as `cert`'s holder: the original bytes, then the update.
pub fn sign(
    pdf: &[u8],
    cert: &Certificate,
    key: &PrivateKey,
    at: SystemTime,
) -> Result<Vec<u8>, SignError> {
    let doc = Document::load_mem(pdf).map_err(pdf_err)?;
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(pdf_err)?;
    let page: ObjectId = *doc
        .get_pages()
        .get(&1)
        .ok_or_else(|| SignError::Pdf("no first page".into()))?;
    let sig: ObjectId = (doc.max_id + 1, 0);
    let field: ObjectId = (doc.max_id + 2, 0);
    let size = doc.max_id + 3;

    let mut page_dict = doc
        .get_object(page)
        .and_then(Object::as_dict)
        .map_err(pdf_err)?
        .clone();
    let mut annots = match page_dict.get(b"Annots") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(Object::Reference(r)) => doc
            .get_object(*r)
            .and_then(Object::as_array)
            .map_err(pdf_err)?
            .clone(),
        _ => Vec::new(),
    };
    annots.push(Object::Reference(field));
    page_dict.set("Annots", Object::Array(annots));
    let mut catalog = doc.catalog().map_err(pdf_err)?.clone();
    let mut form = Dictionary::new();
    form.set("Fields", Object::Array(vec![Object::Reference(field)]));
    form.set("SigFlags", Object::Integer(3));
    catalog.set("AcroForm", Object::Dictionary(form));
    let mut widget = Dictionary::new();
    widget.set("FT", Object::Name(b"Sig".to_vec()));
    widget.set("T", Object::string_literal("Signature1"));
    widget.set("V", Object::Reference(sig));
    widget.set("Type", Object::Name(b"Annot".to_vec()));
    widget.set("Subtype", Object::Name(b"Widget".to_vec()));
    widget.set(
        "Rect",
        Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
    );
    widget.set("F", Object::Integer(132));
    widget.set("P", Object::Reference(page));

    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(ObjectId, usize)> = Vec::new();
    let mut object = |out: &mut Vec<u8>,
                      id: ObjectId,
                      body: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>|
     -> Result<(), SignError> {
        offsets.push((id, out.len()));
        writeln!(out, "{} {} obj", id.0, id.1).map_err(pdf_err)?;
        body(out).map_err(pdf_err)?;
        out.extend_from_slice(b"\nendobj\n");
        Ok(())
    };
    let write = |o: Object| {
        move |out: &mut Vec<u8>| Writer::write_object(out, &o).map_err(std::io::Error::other)
    };
    object(&mut out, page, &write(Object::Dictionary(page_dict)))?;
    object(&mut out, root, &write(Object::Dictionary(catalog)))?;
    object(&mut out, field, &write(Object::Dictionary(widget)))?;
    let date = pdf_date(at);
    object(&mut out, sig, &|out: &mut Vec<u8>| {
        out.extend_from_slice(
            b"<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached ",
        );
        out.extend_from_slice(BYTE_RANGE);
        out.extend_from_slice(b" /Contents <");
        out.extend(std::iter::repeat_n(b'0', CONTENTS_MAX * 2));
        write!(out, "> /M ({date})>>")
    })?;
    offsets.sort();
    let xref = out.len();
    out.extend_from_slice(b"xref\n");
    for (id, at) in &offsets {
        write!(out, "{} 1\n{at:010} {:05} n\r\n", id.0, id.1).map_err(pdf_err)?;
    }
    let mut trailer = Dictionary::new();
    trailer.set("Size", Object::Integer(i64::from(size)));
    trailer.set("Root", Object::Reference(root));
    for key in [b"Info".as_slice(), b"ID".as_slice()] {
        if let Ok(v) = doc.trailer.get(key) {
            trailer.set(key.to_vec(), v.clone());
        }
    }
    trailer.set(
        "Prev",
        Object::Integer(i64::try_from(doc.xref_start).map_err(pdf_err)?),
    );
    out.extend_from_slice(b"trailer\n");
    Writer::write_object(&mut out, &Object::Dictionary(trailer)).map_err(pdf_err)?;
    write!(out, "\nstartxref\n{xref}\n%%EOF\n").map_err(pdf_err)?;

    // Fill in the byte range, then sign what it covers.
    let update = pdf.len();
    let range_at = find(&out[update..], BYTE_RANGE)
        .map(|i| i + update)
        .ok_or_else(|| SignError::Pdf("placeholder lost".into()))?;
    let contents_at = find(&out[range_at..], b"/Contents <")
        .map(|i| i + range_at + b"/Contents ".len())
        .ok_or_else(|| SignError::Pdf("placeholder lost".into()))?;
    let a = contents_at;
    let b = contents_at + 2 + CONTENTS_MAX * 2;
    let c = out.len() - b;
    let mut filled = format!("/ByteRange [0 {a} {b} {c}").into_bytes();
    filled.resize(BYTE_RANGE.len() - 1, b' ');
    filled.push(b']');
    out[range_at..range_at + BYTE_RANGE.len()].copy_from_slice(&filled);
    let digest = covered_digest(&out, [0, a, b, c]);
    let der = cms::sign_detached(cert, key, &digest, at)?;
    if der.len() > CONTENTS_MAX {
        return Err(SignError::Pdf(format!(
            "the signature takes {} bytes, more than the {CONTENTS_MAX} reserved",
            der.len()
        )));
    }
    let hex: Vec<u8> = der
        .iter()
        .flat_map(|byte| format!("{byte:02X}").into_bytes())
        .collect();
    out[a + 1..a + 1 + hex.len()].copy_from_slice(&hex);
    Ok(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn covered_digest(pdf: &[u8], [a0, a1, b0, b1]: [usize; 4]) -> [u8; 32] {
    let mut covered = Vec::with_capacity(a1 + b1);
    covered.extend_from_slice(&pdf[a0..a0 + a1]);
    covered.extend_from_slice(&pdf[b0..b0 + b1]);
    baohan_gm::sm3::digest(&covered)
}

/// Verifies the document's (last) signature: it covers every byte but its
/// own value, the digest matches, and the signature verifies with the
/// certificate it carries. Whose certificate that is, is the caller's to
/// judge.
pub fn verify(pdf: &[u8]) -> Result<Signed, VerifyError> {
    let at = rfind(pdf, b"/ByteRange").ok_or(VerifyError::Unsigned)?;
    let rest = &pdf[at + b"/ByteRange".len()..];
    let open = rest
        .iter()
        .position(|&c| c == b'[')
        .ok_or_else(|| VerifyError::Malformed("ByteRange".into()))?;
    let close = rest
        .iter()
        .position(|&c| c == b']')
        .filter(|&c| c > open && c - open < 64)
        .ok_or_else(|| VerifyError::Malformed("ByteRange".into()))?;
    let numbers: Vec<usize> = std::str::from_utf8(&rest[open + 1..close])
        .map_err(|_| VerifyError::Malformed("ByteRange".into()))?
        .split_ascii_whitespace()
        .map(|n| n.parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|_| VerifyError::Malformed("ByteRange".into()))?;
    let [a0, a1, b0, b1] = numbers[..] else {
        return Err(VerifyError::Malformed(
            "ByteRange has not four numbers".into(),
        ));
    };
    if a0 != 0 || a1 >= b0 || b0.checked_add(b1) != Some(pdf.len()) {
        return Err(VerifyError::NotCovering);
    }
    let contents = &pdf[a1..b0];
    if contents.len() < 2 || contents[0] != b'<' || contents[contents.len() - 1] != b'>' {
        return Err(VerifyError::Malformed(
            "Contents is not a hex string".into(),
        ));
    }
    let hex = std::str::from_utf8(&contents[1..contents.len() - 1])
        .map_err(|_| VerifyError::Malformed("Contents".into()))?;
    let bytes = baohan_gm::encoding::decode_hex(hex)
        .map_err(|e| VerifyError::Malformed(format!("Contents: {e}")))?;
    let der =
        der_prefix(&bytes).ok_or_else(|| VerifyError::Malformed("Contents holds no DER".into()))?;
    cms::verify_detached(der, &covered_digest(pdf, [a0, a1, b0, b1]))
}

/// The DER value at the start of `bytes` (the rest is zero padding).
fn der_prefix(bytes: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = bytes.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, 2 + n)
    };
    bytes.get(..header.checked_add(len)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cms::tests::identity;

    /// A one-page PDF as the letter crate makes them (classic xref).
    fn sample() -> Vec<u8> {
        let dict = |pairs: Vec<(&str, Object)>| {
            let mut d = Dictionary::new();
            for (k, v) in pairs {
                d.set(k, v);
            }
            Object::Dictionary(d)
        };
        let name = |n: &str| Object::Name(n.as_bytes().to_vec());
        let mut doc = Document::with_version("1.7");
        let pages = doc.new_object_id();
        let page = doc.add_object(dict(vec![
            ("Type", name("Page")),
            ("Parent", Object::Reference(pages)),
            (
                "MediaBox",
                Object::Array(vec![0.into(), 0.into(), 595.into(), 842.into()]),
            ),
        ]));
        doc.objects.insert(
            pages,
            dict(vec![
                ("Type", name("Pages")),
                ("Kids", Object::Array(vec![Object::Reference(page)])),
                ("Count", Object::Integer(1)),
            ]),
        );
        let catalog = doc.add_object(dict(vec![
            ("Type", name("Catalog")),
            ("Pages", Object::Reference(pages)),
        ]));
        doc.trailer.set("Root", Object::Reference(catalog));
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn a_signed_pdf_verifies_and_any_changed_byte_does_not() {
        let (cert, key) = identity();
        let original = sample();
        let signed = sign(&original, &cert, &key, SystemTime::now()).unwrap();
        assert!(signed.starts_with(&original), "an incremental update");
        // Still a PDF a reader opens, with the signature field.
        let doc = Document::load_mem(&signed).unwrap();
        assert!(doc.catalog().unwrap().get(b"AcroForm").is_ok());
        let ok = verify(&signed).unwrap();
        assert_eq!(ok.cert, cert);
        // A changed byte in the original, in the update, or in the
        // signature value; and bytes appended after signing.
        for at in [10, original.len() + 5, signed.len() - 30] {
            let mut bad = signed.clone();
            bad[at] ^= 0x01;
            assert!(verify(&bad).is_err(), "byte {at}");
        }
        let mut longer = signed.clone();
        longer.extend_from_slice(b"\n% more\n");
        assert_eq!(verify(&longer), Err(VerifyError::NotCovering));
        assert_eq!(verify(&original), Err(VerifyError::Unsigned));
    }

    #[test]
    fn the_letter_as_issued_is_signed_and_verifies() {
        use baohan_letter::pdf::{Typeface, letter};
        use chrono::TimeZone;
        let face = Typeface::load("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0)
            .unwrap_or_else(|e| panic!("{e}: apt-get install fonts-wqy-microhei"));
        let tz = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        let at = tz.with_ymd_and_hms(2026, 4, 17, 10, 36, 52).unwrap();
        let terms = baohan_letter::Terms {
            kind: baohan_letter::Kind::Bid,
            guarantee_no: "TBBH20260417000001".into(),
            platform_id: "fujian-demo".into(),
            application_no: "FJBH1".into(),
            applicant: baohan_letter::Party {
                name: "福建闽榕示范建设工程有限公司".into(),
                credit_code: None,
            },
            beneficiary: baohan_letter::Party {
                name: "某招标人".into(),
                credit_code: None,
            },
            guarantor: "示范融资担保有限公司".into(),
            project_code: "P".into(),
            project_name: "示范工程".into(),
            section_code: "S".into(),
            section_name: "一标段".into(),
            amount_fen: 20_000_000,
            valid_from: at,
            valid_to: at + chrono::Duration::days(90),
            issued_at: at,
        };
        let pdf = letter(&face, &terms).unwrap();
        let (cert, key) = identity();
        let signed = sign(&pdf, &cert, &key, SystemTime::now()).unwrap();
        assert_eq!(verify(&signed).unwrap().cert, cert);
        // tests/run.sh hands it to an independent verifier
        // (tests/interop/verify_letter.py).
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("letter-signed.pdf"), &signed).unwrap();
    }

    #[test]
    fn dates_are_shanghai_time() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_776_393_412);
        assert_eq!(pdf_date(at), "D:20260417103652+08'00'");
    }
}
