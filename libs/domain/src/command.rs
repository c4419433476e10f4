//! What a platform can ask of the institution, in business terms: the
//! commands the ingress puts on the bus once a call is verified and read.
//!
//! Each protocol adapter maps its interfaces here, one function per
//! interface (`baohan_protocol::fujian::messages::baohanapply::to_command`,
//! `…::ely::messages::ely109::to_command`). Past the ingress nothing knows
//! which spec a command came by, except through the `Protocol` and the
//! platform id beside it. A [`Query`] (getbaohaninfo, ELY103, ELY104) is
//! answered by the ingress at once and never goes on the bus.

use crate::ids::{Checked, CreditCode, ResidentId};
use crate::money::Fen;
use baohan_masking::{BankAccount, IdNumber, PersonName, Phone};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Command {
    /// 投保申请: a guarantee is asked for (baohanapply, ELY101).
    Apply(Box<Apply>),
    /// Ended before issue: given up (giveupnotice) or cancelled (ELY109
    /// `02`); the same act, with any premium paid refunded.
    Withdraw(Ending),
    /// 退保: the issued guarantee is surrendered (quitapply, ELY109 `01`).
    Surrender(Ending),
    /// 保函失效: the beneficiary released the guarantee (ELY107).
    Invalidate(Invalidation),
    /// 索赔 (claimsnotice, ELY105).
    Claim(Box<Claim>),
}

impl Command {
    /// What the bus routes on (`command.apply`, …): a new platform's
    /// commands reach the same workers without a new binding.
    pub fn kind(&self) -> &'static str {
        match self {
            Command::Apply(_) => "apply",
            Command::Withdraw(_) => "withdraw",
            Command::Surrender(_) => "surrender",
            Command::Invalidate(_) => "invalidate",
            Command::Claim(_) => "claim",
        }
    }
}

/// What a platform may ask to know, answered at once from what issuance
/// wrote, never put on the bus (getbaohaninfo, ELY103, ELY104). Each
/// spec's answer is its own; the question is the same.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Everything about an issued guarantee: the letter, its files, the
    /// premium, the bidder's profile (getbaohaninfo).
    Guarantee {
        application: String,
        guarantee_no: String,
    },
    /// The signed letter itself (ELY103).
    Letter { application: String },
    /// Is this letter one we signed, for this guarantee (ELY104)? The
    /// letter as sent: Base64 of the PDF.
    Verify {
        guarantee_no: String,
        letter_base64: String,
    },
}

/// How the platform hears that we refuse what it asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// In the answer to its call: the ingress asks the state machines
    /// before accepting (Fujian giveupnotice, quitapply; ELY107).
    InAnswer,
    /// By a callback later (ELY109: ELY102 `06`/`09`); the call is
    /// accepted once the application exists.
    ByCallback,
}

/// A guarantee asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Apply {
    /// The platform's number for the application (applyno, applicationId).
    pub application: String,
    pub applicant: Applicant,
    pub beneficiary: Beneficiary,
    pub project: Project,
    /// The guaranteed amount.
    pub amount: Fen,
    pub terms: Terms,
    /// How the bidder is given the link to the payment page.
    pub pay_link: PayLink,
}

/// The principal (投标人, 供应商): whose obligation is guaranteed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Applicant {
    pub name: String,
    pub credit_code: Checked<CreditCode>,
    /// 法定代表人, where the platform sends one.
    pub legal_rep: Option<Person>,
    /// 经办人, where the platform sends one.
    pub contact: Option<Person>,
}

/// A person, with what the platform sent of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub name: PersonName,
    pub phone: Option<Phone>,
    pub id: Option<Checked<ResidentId>>,
}

/// The beneficiary (招标人, 采购人): who may claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Beneficiary {
    pub name: String,
    /// 统一社会信用代码 or 组织机构代码, as the platform has it: not always a
    /// credit code, so kept as text.
    pub code: Option<String>,
    /// Where a claim is paid when it names no account (Fujian's
    /// 招标人 account).
    pub account: Option<Account>,
    pub contact: Option<Person>,
}

/// A bank account: the number is personal data, the rest is not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub number: BankAccount,
    pub open_bank: String,
    /// The account's name.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub code: String,
    pub name: String,
    /// 标段: a bidder's applications are told apart per section.
    pub section_code: String,
    pub section_name: String,
}

/// What kind of guarantee, with the terms only that kind has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Terms {
    /// 投标保函: secures a bid until the bid validity ends.
    Bid(BidTerms),
    /// 履约保函: secures the performance of a contract for a period.
    Performance(PerformanceTerms),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BidTerms {
    /// 保证金截止时间: the guarantee must be in hand by then.
    pub deposit_deadline: DateTime<FixedOffset>,
    /// 开标时间: the bid validity counts from it.
    pub bid_opening: DateTime<FixedOffset>,
    /// 投标有效期, in days.
    pub validity_days: u32,
    /// 项目所在地 (行政区划代码).
    pub city_code: String,
    /// 招标项目类型: picks the tariff.
    pub project_type: String,
    /// 合同估算价.
    pub contract_estimate: Fen,
    /// 招标文件下载地址.
    pub tender_file_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformanceTerms {
    /// 采购品目, as its code: picks the tariff.
    pub purchase_nature: String,
    /// 中标金额.
    pub bid_amount: Fen,
    /// 担保期限, in months: from the issue, unless dates are given.
    pub months: u32,
    pub start: Option<NaiveDate>,
    /// The last day covered.
    pub end: Option<NaiveDate>,
    /// 是否需要纸质保函.
    pub need_paper: bool,
}

impl Terms {
    /// What the tariff is chosen by (Fujian `projecttype`, ELY
    /// `purchaseNature`).
    pub fn tariff_class(&self) -> &str {
        match self {
            Terms::Bid(b) => &b.project_type,
            Terms::Performance(p) => &p.purchase_nature,
        }
    }
}

/// How the bidder reaches the payment page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayLink {
    /// The platform shows the link we answered with (Fujian `Payurl`).
    Answered,
    /// The platform has no field for it: an SMS to the applicant's
    /// contact, once approved (ELY).
    Sms,
}

/// The end of an application, as the platform asks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ending {
    /// The platform's number for the application.
    pub application: String,
    /// Our guarantee number, where the platform names it (quitapply): it
    /// must be the application's.
    pub guarantee_no: Option<String>,
    pub reason: Option<String>,
    pub refusal: Refusal,
}

/// 保函失效: named by our guarantee number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invalidation {
    pub guarantee_no: String,
    /// Why, in the platform's words, for the timeline and the notice.
    pub why: String,
}

/// A claim (索赔) against an issued guarantee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub guarantee_no: String,
    /// The platform's number for the application, where it names it: it
    /// must be the guarantee's.
    pub application: Option<String>,
    /// `None`: the whole guaranteed amount.
    pub amount: Option<Fen>,
    pub reason: Option<String>,
    /// The account to pay; `None`: the beneficiary's, from the application.
    pub payee_account: Option<BankAccount>,
    pub payee_open_bank: Option<String>,
    /// Who claims to be the beneficiary (name, code), where the platform
    /// says: it must be the guarantee's.
    pub beneficiary: Option<(String, String)>,
    /// Whose guarantee the claimant says it is (the principal's credit
    /// code): it must be the guarantee's.
    pub principal: Option<Checked<CreditCode>>,
    pub claimant: Claimant,
}

/// Who makes the claim, for the callbacks and the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claimant {
    pub name: PersonName,
    pub phone: Phone,
    pub id: Option<IdNumber>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_round_trips_with_its_kind_and_parses_its_identifiers() {
        let c = Command::Surrender(Ending {
            application: "A1".into(),
            guarantee_no: Some("BH1".into()),
            reason: Some("不再需要".into()),
            refusal: Refusal::InAnswer,
        });
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["kind"], "surrender");
        assert_eq!(serde_json::from_value::<Command>(v).unwrap(), c);
        assert_eq!(c.kind(), "surrender");

        let claimant = Claimant {
            name: PersonName::new("张三"),
            phone: Phone::new("13800000000"),
            id: None,
        };
        let claim = Command::Claim(Box::new(Claim {
            guarantee_no: "BH1".into(),
            application: None,
            amount: Some(Fen::new(100).unwrap()),
            reason: None,
            payee_account: None,
            payee_open_bank: None,
            beneficiary: None,
            principal: Some(Checked::parse("91350100M000100Y4Z")),
            claimant,
        }));
        let text = serde_json::to_string(&claim).unwrap();
        let back: Command = serde_json::from_str(&text).unwrap();
        let Command::Claim(back) = back else {
            panic!("{back:?}")
        };
        assert!(back.principal.unwrap().valid().is_err());
        // Money is integer fen on the bus, and never negative.
        assert!(text.contains(r#""amount":100"#), "{text}");
        assert!(serde_json::from_str::<Fen>("-1").is_err());
    }
}
