//! What an application keeps beyond its columns, typed: written by
//! underwriting, read by issuance, claims, refunds, the ingress's queries
//! and the portal through one accessor (`AppRow::details`). Stored as
//! jsonb with a version; rows written before it (v1: the wire's own keys,
//! one layout per spec) are read by the same accessor.
//!
//! Personal data is never here: it is in `personal_data`, by
//! [`PersonalField`].

use crate::command::{Apply, BidTerms, PayLink, PerformanceTerms, Terms};
use crate::money::Fen;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The version written now.
pub const VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Details {
    /// Always [`VERSION`] when written.
    pub v: u32,
    /// 标段: the store finds a bidder's earlier application by it.
    pub section: String,
    pub section_name: String,
    pub beneficiary: BeneficiaryDetails,
    pub terms: Terms,
    pub pay_link: PayLink,
    /// The number of the issued application this one extends (延期申请).
    pub extends: Option<String>,
    pub decision: DecisionRecord,
}

/// The beneficiary as the letter and the claims name it; its account
/// number is personal data, kept apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BeneficiaryDetails {
    pub name: String,
    pub code: Option<String>,
    pub open_bank: Option<String>,
    pub account_name: Option<String>,
}

/// What underwriting decided, for the bidder's page and the ops view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum DecisionRecord {
    Approve,
    /// `field` as the platform's wire names it.
    Reject {
        field: String,
        reason: String,
    },
    Refer {
        reason: String,
    },
}

impl DecisionRecord {
    pub fn reason(&self) -> Option<&str> {
        match self {
            DecisionRecord::Approve => None,
            DecisionRecord::Reject { reason, .. } | DecisionRecord::Refer { reason } => {
                Some(reason)
            }
        }
    }
}

impl Details {
    pub fn of(apply: &Apply, extends: Option<String>, decision: DecisionRecord) -> Details {
        let b = &apply.beneficiary;
        Details {
            v: VERSION,
            section: apply.project.section_code.clone(),
            section_name: apply.project.section_name.clone(),
            beneficiary: BeneficiaryDetails {
                name: b.name.clone(),
                code: b.code.clone(),
                open_bank: b.account.as_ref().map(|a| a.open_bank.clone()),
                account_name: b.account.as_ref().map(|a| a.name.clone()),
            },
            terms: apply.terms.clone(),
            pay_link: apply.pay_link,
            extends,
            decision,
        }
    }

    pub fn to_json(&self) -> Value {
        // A struct of strings, numbers and enums always serialises.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Reads what any version wrote.
    pub fn from_json(value: &Value) -> Result<Details, String> {
        match value.get("v").and_then(Value::as_u64) {
            Some(2) => serde_json::from_value(value.clone()).map_err(|e| e.to_string()),
            Some(v) => Err(format!("details version {v} is not known")),
            None => v1(value),
        }
    }

    pub fn bid(&self) -> Option<&BidTerms> {
        match &self.terms {
            Terms::Bid(b) => Some(b),
            Terms::Performance(_) => None,
        }
    }
}

/// Version 1 kept the wire's keys: Fujian's (`kaibiaotime`, `zbr`, …) or
/// ELY's (`purchaseName`, `guaranteeMonths`, …). It did not keep the
/// deposit deadline, which only underwriting reads; it reads as the bid
/// opening.
fn v1(d: &Value) -> Result<Details, String> {
    let text = |k: &str| d[k].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let need = |k: &str| text(k).ok_or_else(|| format!("details: {k} is missing"));
    let fen = |k: &str| {
        d[k].as_i64()
            .and_then(Fen::new)
            .ok_or_else(|| format!("details: {k} is missing"))
    };
    let count = |k: &str| {
        d[k].as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("details: {k} is missing"))
    };
    let decision = serde_json::from_value(d["decision"].clone())
        .map_err(|e| format!("details: decision: {e}"))?;
    let extends = text("extends");
    if d.get("kaibiaotime").is_some() {
        let opening: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(&need("kaibiaotime")?)
            .map_err(|e| format!("details: kaibiaotime: {e}"))?;
        Ok(Details {
            v: VERSION,
            section: need("section")?,
            section_name: text("biaoduanname").unwrap_or_default(),
            beneficiary: BeneficiaryDetails {
                name: need("zbr")?,
                code: text("zbrorgnum"),
                open_bank: text("tendereropenbank"),
                account_name: text("tendererbankaccount"),
            },
            terms: Terms::Bid(BidTerms {
                deposit_deadline: opening,
                bid_opening: opening,
                validity_days: count("tbyxq")?,
                city_code: text("citycode").unwrap_or_default(),
                project_type: text("projecttype").unwrap_or_default(),
                contract_estimate: fen("reckonpriceFen")?,
                tender_file_url: text("tenderfileurl").unwrap_or_default(),
            }),
            pay_link: PayLink::Answered,
            extends,
            decision,
        })
    } else {
        let date = |k: &str| {
            text(k)
                .map(|t| {
                    t.parse::<NaiveDate>()
                        .map_err(|e| format!("details: {k}: {e}"))
                })
                .transpose()
        };
        Ok(Details {
            v: VERSION,
            section: need("section")?,
            section_name: text("bidName").unwrap_or_default(),
            beneficiary: BeneficiaryDetails {
                name: need("purchaseName")?,
                code: text("purchaseSocCode"),
                open_bank: None,
                account_name: None,
            },
            terms: Terms::Performance(PerformanceTerms {
                purchase_nature: text("purchaseNature").unwrap_or_default(),
                bid_amount: fen("bidAmountFen")?,
                months: count("guaranteeMonths")?,
                start: date("guaranteeStartDate")?,
                end: date("guaranteeEndDate")?,
                need_paper: text("needPaper").as_deref() == Some("1"),
            }),
            pay_link: PayLink::Sms,
            extends,
            decision,
        })
    }
}

/// A personal value an application keeps, by what it is. The stored names
/// are those the first release wrote (the wire fields they came from), so
/// rows of either age read the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonalField {
    LegalRepName,
    LegalRepId,
    ContactName,
    /// Where an SMS to the applicant goes.
    ContactPhone,
    ContactId,
    /// Where a claim that names no account is paid.
    BeneficiaryAccount,
    BeneficiaryContact,
    BeneficiaryPhone,
}

impl PersonalField {
    pub const ALL: [PersonalField; 8] = [
        PersonalField::LegalRepName,
        PersonalField::LegalRepId,
        PersonalField::ContactName,
        PersonalField::ContactPhone,
        PersonalField::ContactId,
        PersonalField::BeneficiaryAccount,
        PersonalField::BeneficiaryContact,
        PersonalField::BeneficiaryPhone,
    ];

    /// The name in `personal_data.field`.
    pub fn stored_name(self) -> &'static str {
        match self {
            PersonalField::LegalRepName => "legalName",
            PersonalField::LegalRepId => "legalIdNo",
            PersonalField::ContactName => "contacts",
            PersonalField::ContactPhone => "contactsWay",
            PersonalField::ContactId => "contractCerNo",
            PersonalField::BeneficiaryAccount => "tendererbankcode",
            PersonalField::BeneficiaryContact => "tenderercontact",
            PersonalField::BeneficiaryPhone => "tenderercontacttel",
        }
    }

    /// How it is masked (`personal_data.kind`).
    pub fn kind(self) -> &'static str {
        match self {
            PersonalField::LegalRepName
            | PersonalField::ContactName
            | PersonalField::BeneficiaryContact => "person_name",
            PersonalField::LegalRepId | PersonalField::ContactId => "id_number",
            PersonalField::ContactPhone | PersonalField::BeneficiaryPhone => "phone",
            PersonalField::BeneficiaryAccount => "bank_account",
        }
    }

    /// Every personal value of an application, in clear, for the store.
    pub fn of(a: &Apply) -> Vec<(PersonalField, String)> {
        use PersonalField as P;
        let mut out = Vec::new();
        let mut push = |f, v: &str| out.push((f, v.to_owned()));
        if let Some(p) = &a.applicant.legal_rep {
            push(P::LegalRepName, p.name.expose());
            if let Some(id) = &p.id {
                push(P::LegalRepId, id.text());
            }
        }
        if let Some(p) = &a.applicant.contact {
            push(P::ContactName, p.name.expose());
            if let Some(phone) = &p.phone {
                push(P::ContactPhone, phone.expose());
            }
            if let Some(id) = &p.id {
                push(P::ContactId, id.text());
            }
        }
        if let Some(acct) = &a.beneficiary.account {
            push(P::BeneficiaryAccount, acct.number.expose());
        }
        if let Some(p) = &a.beneficiary.contact {
            push(P::BeneficiaryContact, p.name.expose());
            if let Some(phone) = &p.phone {
                push(P::BeneficiaryPhone, phone.expose());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn version_1_rows_of_either_layout_read_as_typed_details() {
        let fujian = json!({
            "section": "S1", "biaoduanno": "S1", "biaoduanname": "一标段", "zbr": "某招标人",
            "zbrorgnum": "12350000MB0000000X", "kaibiaotime": "2026-05-06T09:00:00+08:00",
            "citycode": "350100", "projecttype": "A01", "reckonpriceFen": 100000000,
            "tbyxq": 90, "tenderfileurl": "https://x/f", "tendereropenbank": "某银行",
            "tendererbankaccount": "某招标人", "decision": {"outcome": "approve"}
        });
        let d = Details::from_json(&fujian).unwrap();
        let bid = d.bid().unwrap();
        assert_eq!(bid.validity_days, 90);
        assert_eq!(bid.bid_opening.to_rfc3339(), "2026-05-06T09:00:00+08:00");
        assert_eq!(d.beneficiary.open_bank.as_deref(), Some("某银行"));
        assert_eq!(d.pay_link, PayLink::Answered);
        assert_eq!(d.decision, DecisionRecord::Approve);

        let ely = json!({
            "section": "B1", "bidCode": "B1", "bidName": "包1", "purchaseNature": "服务类",
            "purchaseName": "某采购人", "purchaseSocCode": "11350000003591456H",
            "bidAmountFen": 11980000000i64, "guaranteeMonths": 12,
            "guaranteeStartDate": null, "guaranteeEndDate": "2027-04-19", "needPaper": "0",
            "extends": "E0", "decision": {"outcome": "reject", "field": "legalIdNo", "reason": "x"}
        });
        let d = Details::from_json(&ely).unwrap();
        let Terms::Performance(p) = &d.terms else {
            panic!("{d:?}")
        };
        assert_eq!((p.months, p.start, p.need_paper), (12, None, false));
        assert_eq!(p.end, NaiveDate::from_ymd_opt(2027, 4, 19));
        assert_eq!(d.extends.as_deref(), Some("E0"));
        assert_eq!(d.pay_link, PayLink::Sms);
        assert_eq!(d.decision.reason(), Some("x"));

        // What is written now reads back as it was.
        assert_eq!(Details::from_json(&d.to_json()).unwrap(), d);
        assert_eq!(d.to_json()["v"], json!(2));
        assert!(Details::from_json(&json!({"v": 3})).is_err());
        assert!(Details::from_json(&json!({"section": "S"})).is_err());
    }
}
