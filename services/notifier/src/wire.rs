//! What the notifier keeps of a platform's answer. Sealing a callback and
//! judging the answer are the platform's adapter's
//! (`baohan_protocol::adapter`).

/// What may go in the attempts log of an answer: the first 300 characters,
/// with every run of 6 or more digits masked (account, ID and phone
/// numbers are digits).
pub fn excerpt(body: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(body).chars().take(300).collect();
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 6 {
            out.push_str(&"*".repeat(digits.len()));
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_cut_and_mask_long_numbers() {
        assert_eq!(
            excerpt(
                br#"{"code":0,"message":"account 6222020200112233 phone 13800138000 at 2026"}"#
            ),
            r#"{"code":0,"message":"account **************** phone *********** at 2026"}"#
        );
        assert_eq!(excerpt(&[b'x'; 1000]).len(), 300);
    }
}
