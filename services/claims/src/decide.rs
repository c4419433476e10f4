//! A claim, checked and described: pure functions of the guarantee, the
//! application and the demand.
//!
//! The checks, in the order a refusal names them:
//! 1. in force: the demand arrives within the validity period;
//! 2. the principal (ELY `socialCreditCode`) is the guarantee's applicant;
//! 3. the beneficiary is the guarantee's: Fujian by the account to pay
//!    (`payeraccount`, when given, is the 招标人's account from the
//!    application), ELY by `purchaseName` and `purchaseSocCode`;
//! 4. the amount is above zero and at most the guaranteed amount.
//!
//! Whether the guarantee may be claimed on at all (issued, not cancelled
//! or claimed) is the state machine's, asked by the store.

use baohan_config::Institution;
use baohan_masking::{BankAccount, IdNumber, PersonName, Phone};
use baohan_protocol::ely::messages::Ely105;
use baohan_protocol::fujian::messages::ClaimsNotice;
use baohan_protocol::money::Fen;
use baohan_protocol::notices::{self, ClaimStage, Notice, Party};
use baohan_store::applications::{NewCallback, Personal};
use baohan_store::claims::{ClaimPlan, ClaimRow, PAYEE_ACCOUNT, Subject};
use chrono::{DateTime, FixedOffset};

/// The personal_data fields a claim keeps for its claimant.
const CONTACT: &str = "contact";
const CONTACT_TEL: &str = "contactTel";

/// A claim as either platform makes it.
#[derive(Debug, Clone)]
pub struct Demand {
    /// None: the whole guaranteed amount (Fujian `payeramount` is optional).
    pub amount_fen: Option<i64>,
    pub reason: Option<String>,
    pub payee_account: Option<BankAccount>,
    pub payee_open_bank: Option<String>,
    /// ELY: who claims to be the beneficiary (name, code).
    pub beneficiary: Option<(String, String)>,
    /// ELY: whose guarantee it claims to be (the supplier's code).
    pub principal_code: Option<String>,
    pub contact: PersonName,
    pub contact_tel: Phone,
    pub contact_id: Option<IdNumber>,
}

impl Demand {
    pub fn fujian(c: &ClaimsNotice) -> Demand {
        let mut reason = c.reason.clone();
        let files = c.file_urls();
        if !files.is_empty() {
            // The evidence stays where the platform keeps it; its
            // addresses go with the reason into the timeline.
            let list = files.join(" ");
            reason = Some(match reason {
                Some(r) => format!("{r}（理赔文件: {list}）"),
                None => format!("理赔文件: {list}"),
            });
        }
        Demand {
            amount_fen: c.payeramount.map(Fen::get),
            reason,
            payee_account: c.payeraccount.clone(),
            payee_open_bank: None,
            beneficiary: None,
            principal_code: None,
            contact: c.applyusername.clone(),
            contact_tel: c.applyuserphone.clone(),
            contact_id: None,
        }
    }

    pub fn ely(c: &Ely105) -> Demand {
        Demand {
            amount_fen: Some(c.claim_amount.get()),
            reason: Some(c.claim_reason.clone()),
            payee_account: Some(c.bank_account.clone()),
            payee_open_bank: Some(c.open_bank.clone()),
            beneficiary: Some((c.purchase_name.clone(), c.purchase_soc_code.clone())),
            principal_code: Some(c.social_credit_code.clone()),
            contact: c.contract.clone(),
            contact_tel: c.contract_way.clone(),
            contact_id: Some(c.contract_cert_code.clone()),
        }
    }
}

/// The institution as the payer; every field is required on the wire.
pub fn payer(i: &Institution) -> Result<Party, &'static str> {
    let need = |v: &str, name: &'static str| {
        if v.trim().is_empty() {
            Err(name)
        } else {
            Ok(v.to_owned())
        }
    };
    Ok(Party {
        name: need(&i.name, "name")?,
        org_num: need(&i.credit_code, "credit_code")?,
        contact: need(&i.contact, "contact")?,
        contact_tel: need(i.contact_phone.expose(), "contact_phone")?,
        bank_account: need(i.bank_account.expose(), "bank_account")?,
        open_bank: need(&i.open_bank, "open_bank")?,
    })
}

fn detail(s: &Subject, key: &str) -> String {
    s.app.details[key].as_str().unwrap_or_default().to_owned()
}

fn is_ely(s: &Subject) -> bool {
    s.app.protocol == "ely"
}

/// The account a Fujian claim is paid to when it names none: the
/// 招标人's, as the application gave it.
fn beneficiary_account(s: &Subject) -> String {
    s.personal
        .get("tendererbankcode")
        .cloned()
        .unwrap_or_default()
}

/// The checks above; `Err` is the refusal's reason, in Chinese.
pub fn check(s: &Subject, d: &Demand, now: DateTime<FixedOffset>) -> Result<(), String> {
    let tz = baohan_protocol::time::shanghai();
    let (from, to) = (
        s.guarantee.valid_from.with_timezone(&tz),
        s.guarantee.valid_to.with_timezone(&tz),
    );
    if now < from || now > to {
        return Err(format!(
            "索赔时保函不在有效期内（有效期 {} 至 {}）",
            from.format("%Y-%m-%d %H:%M:%S"),
            to.format("%Y-%m-%d %H:%M:%S")
        ));
    }
    if let Some(code) = &d.principal_code
        && code.trim() != s.app.applicant_credit_code
    {
        return Err("socialCreditCode: 被保证人与保函不符".into());
    }
    match (&d.beneficiary, is_ely(s)) {
        (Some((name, code)), true) => {
            if name.trim() != detail(s, "purchaseName")
                || code.trim() != detail(s, "purchaseSocCode")
            {
                return Err("purchaseName/purchaseSocCode: 索赔人不是保函受益人".into());
            }
        }
        _ => {
            if let Some(account) = &d.payee_account
                && account.expose().trim() != beneficiary_account(s)
            {
                return Err("payeraccount: 收款账号不是保函受益人（招标人）的账号".into());
            }
        }
    }
    let amount = d.amount_fen.unwrap_or(s.guarantee.amount_fen);
    if amount <= 0 {
        return Err("索赔金额必须大于零".into());
    }
    if amount > s.guarantee.amount_fen {
        return Err(format!(
            "索赔金额 {} 元超过担保金额 {} 元",
            yuan(amount),
            yuan(s.guarantee.amount_fen)
        ));
    }
    Ok(())
}

fn yuan(fen: i64) -> String {
    Fen::new(fen).map_or_else(|| fen.to_string(), Fen::to_yuan)
}

/// The beneficiary as the callbacks name it.
fn beneficiary(s: &Subject, claim: &ClaimRow) -> Party {
    let contact = claim.personal.get(CONTACT).cloned().unwrap_or_default();
    let contact_tel = claim.personal.get(CONTACT_TEL).cloned().unwrap_or_default();
    let (name, org_num, open_bank) = if is_ely(s) {
        (
            detail(s, "purchaseName"),
            detail(s, "purchaseSocCode"),
            claim.payee_open_bank.clone(),
        )
    } else {
        let open_bank = if claim.payee_open_bank.is_empty() {
            detail(s, "tendereropenbank")
        } else {
            claim.payee_open_bank.clone()
        };
        (detail(s, "zbr"), detail(s, "zbrorgnum"), open_bank)
    };
    Party {
        name,
        org_num,
        contact,
        contact_tel,
        bank_account: claim.payee_account.clone(),
        open_bank,
    }
}

fn owed(
    s: &Subject,
    claim: &ClaimRow,
    stage: ClaimStage,
    payer: &Party,
    now: DateTime<FixedOffset>,
) -> Vec<NewCallback> {
    let notice = Notice::Claim {
        guarantee_no: s.guarantee.guarantee_no.clone(),
        stage,
        amount: Fen::new(claim.amount_fen).unwrap_or(Fen::ZERO),
        payer: payer.clone(),
        beneficiary: beneficiary(s, claim),
    };
    notices::owed(
        &s.app.protocol,
        &s.app.external_no,
        &notice,
        &payer.name,
        now,
    )
}

/// The new claim: checked, with what it owes.
pub fn plan(s: &Subject, d: &Demand, payer: &Party, now: DateTime<FixedOffset>) -> ClaimPlan {
    let decision = check(s, d, now);
    let amount_fen = d.amount_fen.unwrap_or(s.guarantee.amount_fen);
    let payee_account = d
        .payee_account
        .as_ref()
        .map(|a| a.expose().trim().to_owned())
        .unwrap_or_else(|| beneficiary_account(s));
    let payee_name = if is_ely(s) {
        detail(s, "purchaseName")
    } else {
        detail(s, "zbr")
    };
    let mut personal = vec![
        Personal {
            field: CONTACT.into(),
            kind: "person_name",
            value: d.contact.expose().to_owned(),
        },
        Personal {
            field: CONTACT_TEL.into(),
            kind: "phone",
            value: d.contact_tel.expose().to_owned(),
        },
    ];
    if let Some(id) = &d.contact_id {
        personal.push(Personal {
            field: "contactId".into(),
            kind: "id_number",
            value: id.expose().to_owned(),
        });
    }
    // The row as it will be stored, to describe it in the callback.
    let row = ClaimRow {
        id: uuid::Uuid::nil(),
        status: baohan_domain::guarantee::Claim::Received,
        amount_fen,
        reason: d.reason.clone(),
        payee_name: payee_name.clone(),
        payee_open_bank: d.payee_open_bank.clone().unwrap_or_default(),
        payee_account: payee_account.clone(),
        personal: personal
            .iter()
            .map(|p| (p.field.clone(), p.value.clone()))
            .chain([(PAYEE_ACCOUNT.to_owned(), payee_account.clone())])
            .collect(),
    };
    let stage = match &decision {
        Ok(()) => ClaimStage::Accepted,
        Err(reason) => ClaimStage::Refused {
            reason: reason.clone(),
        },
    };
    ClaimPlan {
        amount_fen,
        reason: d.reason.clone(),
        payee_name,
        payee_open_bank: row.payee_open_bank.clone(),
        payee_account,
        personal,
        decision,
        callbacks: owed(s, &row, stage, payer, now),
    }
}

/// What a settled claim owes: paid (`2`, `01`) or declined by the bank
/// (`3`, `02`, with why).
pub fn settled(
    s: &Subject,
    claim: &ClaimRow,
    outcome: &Result<DateTime<FixedOffset>, String>,
    payer: &Party,
    now: DateTime<FixedOffset>,
) -> Vec<NewCallback> {
    let stage = match outcome {
        Ok(at) => ClaimStage::Paid { at: *at },
        Err(why) => ClaimStage::Refused {
            reason: format!("赔付失败: {why}"),
        },
    };
    owed(s, claim, stage, payer, now)
}
