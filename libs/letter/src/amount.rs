//! Amounts as a guarantee letter writes them: figures in yuan, and the
//! same amount in Chinese capitals (大写金额), as banks write them on
//! financial documents.

const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];
const IN_GROUP: [&str; 4] = ["", "拾", "佰", "仟"];
const GROUPS: [&str; 5] = ["", "万", "亿", "万亿", "亿亿"];

/// `119800.00` from 11980000 fen.
pub fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// The amount in capitals: `壹拾壹万玖仟捌佰元整`, `壹佰万元零伍分`,
/// `伍角整`, `零元整`.
pub fn capitals(fen: u64) -> String {
    let (whole, jiao, fen_digit) = (fen / 100, (fen / 10) % 10, fen % 10);
    let mut out = String::new();
    if whole > 0 {
        out.push_str(&integer(whole));
        out.push('元');
    }
    match (jiao, fen_digit) {
        (0, 0) if whole == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        (j, 0) => {
            out.push_str(DIGITS[j as usize]);
            out.push_str("角整");
        }
        (j, f) => {
            if j > 0 {
                out.push_str(DIGITS[j as usize]);
                out.push('角');
            } else if whole > 0 {
                out.push('零');
            }
            out.push_str(DIGITS[f as usize]);
            out.push('分');
        }
    }
    out
}

/// A positive integer in capitals, without a unit.
fn integer(n: u64) -> String {
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 10_000);
        rest /= 10_000;
    }
    let mut out = String::new();
    // A zero is written once for any run of zero digits between written
    // ones, across group boundaries too.
    let mut zero = false;
    for (i, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            zero = !out.is_empty();
            continue;
        }
        if !out.is_empty() && (zero || g < 1000) {
            out.push('零');
        }
        out.push_str(&group(g));
        out.push_str(GROUPS[i.min(GROUPS.len() - 1)]);
        zero = false;
    }
    out
}

/// One group of up to four digits, non-zero, without a leading zero.
fn group(g: u64) -> String {
    let mut out = String::new();
    let mut zero = false;
    for pos in (0..4).rev() {
        let d = (g / 10u64.pow(pos)) % 10;
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
        }
        out.push_str(DIGITS[d as usize]);
        out.push_str(IN_GROUP[pos as usize]);
        zero = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_as_banks_write_them() {
        let cases = [
            (11_980_000, "壹拾壹万玖仟捌佰元整"),
            (20_000_000, "贰拾万元整"),
            (10_000_000_000, "壹亿元整"),
            (1_001_000, "壹万零壹拾元整"),
            (100_000_005, "壹佰万元零伍分"),
            (101_000_000, "壹佰零壹万元整"),
            (10_000_100, "壹拾万零壹元整"),
            (10_100_000_000, "壹亿零壹佰万元整"),
            (100_010_000_000, "壹拾亿零壹拾万元整"),
            (50, "伍角整"),
            (5, "伍分"),
            (155, "壹元伍角伍分"),
            (105, "壹元零伍分"),
            (0, "零元整"),
            (123_456_789, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
            (100_000_000_000_000, "壹万亿元整"),
        ];
        for (fen, words) in cases {
            assert_eq!(capitals(fen), words, "{fen} fen");
        }
    }

    #[test]
    fn yuan_has_two_decimals() {
        assert_eq!(yuan(11_980_000), "119800.00");
        assert_eq!(yuan(5), "0.05");
    }
}
