//! What a guarantee says, in one shape for both platforms: the issuance
//! worker builds it from the application, and every document is made
//! from it alone, so the letter, the XML and the notices cannot disagree.

use chrono::{DateTime, FixedOffset};

/// Which guarantee, and so which wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 投标保函 (Fujian bid guarantees).
    Bid,
    /// 履约保函 (ELY government-procurement performance guarantees).
    Performance,
}

impl Kind {
    pub fn title(self) -> &'static str {
        match self {
            Kind::Bid => "投标保函",
            Kind::Performance => "履约保函",
        }
    }

    /// The XML's `Kind`.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Bid => "bid",
            Kind::Performance => "performance",
        }
    }
}

/// A party the letter names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    /// 统一社会信用代码, where the platform sent it.
    pub credit_code: Option<String>,
}

/// A guarantee's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub kind: Kind,
    pub guarantee_no: String,
    /// The platform's id, and its number for the application (applyno,
    /// applicationId).
    pub platform_id: String,
    pub application_no: String,
    /// The bidder or supplier (申请人).
    pub applicant: Party,
    /// The tenderer or purchaser (受益人).
    pub beneficiary: Party,
    /// The institution (担保人).
    pub guarantor: String,
    pub project_code: String,
    pub project_name: String,
    /// 标段编号 and 标段名称.
    pub section_code: String,
    pub section_name: String,
    pub amount_fen: u64,
    pub valid_from: DateTime<FixedOffset>,
    pub valid_to: DateTime<FixedOffset>,
    pub issued_at: DateTime<FixedOffset>,
}

/// The electronic application form (申请单): what the applicant asked
/// for, as it was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub terms: Terms,
    pub premium_fen: u64,
    pub applied_at: DateTime<FixedOffset>,
    pub paid_at: Option<DateTime<FixedOffset>>,
}

/// `2026年04月20日`.
pub fn date_zh(t: &DateTime<FixedOffset>) -> String {
    t.format("%Y年%m月%d日").to_string()
}

/// `2026年04月20日 00时00分`.
pub fn datetime_zh(t: &DateTime<FixedOffset>) -> String {
    t.format("%Y年%m月%d日 %H时%M分").to_string()
}
