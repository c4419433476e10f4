//! The guarantee's structured data as XML (schema: docs/guarantee-xml.md).
//! Written by hand: the document is small and flat, and every value goes
//! through [`escape`].

use crate::amount::{capitals, yuan};
use crate::terms::Terms;
use std::fmt::Write;

/// The namespace, which names the schema's version.
pub const NAMESPACE: &str = "urn:baohan:guarantee:1";

pub fn guarantee_xml(t: &Terms) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(x, "<Guarantee xmlns=\"{NAMESPACE}\">");
    let mut el = |indent: usize, name: &str, value: &str| {
        let _ = writeln!(
            x,
            "{:indent$}<{name}>{}</{name}>",
            "",
            escape(value),
            indent = indent
        );
    };
    el(2, "GuaranteeNo", &t.guarantee_no);
    el(2, "Kind", t.kind.code());
    el(2, "Title", t.kind.title());
    el(2, "Platform", &t.platform_id);
    el(2, "ApplicationNo", &t.application_no);
    let party = |x: &mut String, tag: &str, name: &str, code: Option<&str>| {
        let _ = writeln!(x, "  <{tag}>");
        let _ = writeln!(x, "    <Name>{}</Name>", escape(name));
        if let Some(code) = code {
            let _ = writeln!(x, "    <CreditCode>{}</CreditCode>", escape(code));
        }
        let _ = writeln!(x, "  </{tag}>");
    };
    party(
        &mut x,
        "Applicant",
        &t.applicant.name,
        t.applicant.credit_code.as_deref(),
    );
    party(
        &mut x,
        "Beneficiary",
        &t.beneficiary.name,
        t.beneficiary.credit_code.as_deref(),
    );
    party(&mut x, "Guarantor", &t.guarantor, None);
    let _ = writeln!(x, "  <Project>");
    for (tag, value) in [
        ("Code", &t.project_code),
        ("Name", &t.project_name),
        ("SectionCode", &t.section_code),
        ("SectionName", &t.section_name),
    ] {
        let _ = writeln!(x, "    <{tag}>{}</{tag}>", escape(value));
    }
    let _ = writeln!(x, "  </Project>");
    let _ = writeln!(
        x,
        "  <Amount currency=\"CNY\">{}</Amount>",
        yuan(t.amount_fen)
    );
    let _ = writeln!(
        x,
        "  <AmountInWords>{}</AmountInWords>",
        capitals(t.amount_fen)
    );
    for (tag, at) in [
        ("ValidFrom", &t.valid_from),
        ("ValidTo", &t.valid_to),
        ("IssuedAt", &t.issued_at),
    ] {
        let _ = writeln!(x, "  <{tag}>{}</{tag}>", at.to_rfc3339());
    }
    x.push_str("</Guarantee>\n");
    x
}

/// XML character escaping, and control characters (which XML 1.0 cannot
/// carry) dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::terms::{Kind, Party};
    use chrono::TimeZone;

    pub fn terms() -> Terms {
        let tz = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        Terms {
            kind: Kind::Performance,
            guarantee_no: "LYBH-20260417-000019".into(),
            platform_id: "ely-demo".into(),
            application_no: "ZCLY2026041500000731".into(),
            applicant: Party {
                name: "福建榕信示范信息技术有限公司".into(),
                credit_code: Some("91350100MA2Y8K3X1B".into()),
            },
            beneficiary: Party {
                name: "福州市示范采购中心".into(),
                credit_code: Some("12350100MB0123456X".into()),
            },
            guarantor: "福建海峡示范银行股份有限公司福州分行".into(),
            project_code: "FJZC-2026-0415".into(),
            project_name: "示范信息化<运维>服务项目".into(),
            section_code: "FJZC-2026-0415-01".into(),
            section_name: "第一包 & 运维".into(),
            amount_fen: 11_980_000,
            valid_from: tz.with_ymd_and_hms(2026, 4, 20, 0, 0, 0).unwrap(),
            valid_to: tz.with_ymd_and_hms(2027, 4, 19, 23, 59, 59).unwrap(),
            issued_at: tz.with_ymd_and_hms(2026, 4, 17, 10, 36, 52).unwrap(),
        }
    }

    #[test]
    fn the_xml_names_every_party_and_escapes_what_it_must() {
        let x = guarantee_xml(&terms());
        assert!(x.contains("<GuaranteeNo>LYBH-20260417-000019</GuaranteeNo>"));
        assert!(x.contains("<Kind>performance</Kind>"));
        assert!(x.contains("<Name>福州市示范采购中心</Name>"));
        assert!(x.contains("<Name>示范信息化&lt;运维&gt;服务项目</Name>"));
        assert!(x.contains("<SectionName>第一包 &amp; 运维</SectionName>"));
        assert!(x.contains("<Amount currency=\"CNY\">119800.00</Amount>"));
        assert!(x.contains("<AmountInWords>壹拾壹万玖仟捌佰元整</AmountInWords>"));
        assert!(x.contains("<ValidTo>2027-04-19T23:59:59+08:00</ValidTo>"));
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(escape("a\u{1}b\tc"), "ab\tc");
    }
}
