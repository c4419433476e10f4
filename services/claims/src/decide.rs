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
use baohan_domain::command::Claim;
use baohan_domain::details::PersonalField;
use baohan_domain::field::Field;
use baohan_protocol::adapter::{self, Adapter};
use baohan_protocol::money::Fen;
use baohan_protocol::notices::{ClaimStage, Notice, Party};
use baohan_store::applications::{NewCallback, Personal};
use baohan_store::claims::{ClaimPlan, ClaimRow, PAYEE_ACCOUNT, Subject};
use chrono::{DateTime, FixedOffset};

/// The personal_data fields a claim keeps for its claimant.
const CONTACT: &str = "contact";
const CONTACT_TEL: &str = "contactTel";

/// The institution as the payer; every field is required on the wire.
/// `Err` names the missing key.
pub fn payer(i: &Institution) -> Result<Party, &'static str> {
    let need = |v: &str, name: &'static str| {
        if v.trim().is_empty() {
            Err(name)
        } else {
            Ok(v.to_owned())
        }
    };
    Ok(Party {
        name: need(&i.name, "institution.name")?,
        org_num: need(&i.credit_code, "institution.credit_code")?,
        contact: need(&i.contact, "institution.contact")?,
        contact_tel: need(i.contact_phone.expose(), "institution.contact_phone")?,
        bank_account: need(i.bank_account.expose(), "institution.bank_account")?,
        open_bank: need(&i.open_bank, "institution.open_bank")?,
    })
}

/// The account a claim is paid to when it names none: the beneficiary's,
/// as the application gave it.
fn beneficiary_account(s: &Subject) -> String {
    s.personal
        .get(PersonalField::BeneficiaryAccount.stored_name())
        .cloned()
        .unwrap_or_default()
}

/// The checks above; `Err` is the refusal's reason, in Chinese, naming the
/// field as the platform's wire does.
pub fn check(
    s: &Subject,
    c: &Claim,
    adapter: &dyn Adapter,
    now: DateTime<FixedOffset>,
) -> Result<(), String> {
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
    let refuse = |field, why: &str| Err(adapter::reason(adapter, field, why));
    if let Some(code) = &c.principal
        && code.text().trim() != s.app.applicant_credit_code
    {
        return refuse(Field::ClaimPrincipal, "被保证人与保函不符");
    }
    let named = &s.app.details.beneficiary;
    match &c.beneficiary {
        Some((name, code)) => {
            if name.trim() != named.name || Some(code.trim()) != named.code.as_deref() {
                return refuse(Field::ClaimBeneficiary, "索赔人不是保函受益人");
            }
        }
        None => {
            if let Some(account) = &c.payee_account
                && account.expose().trim() != beneficiary_account(s)
            {
                return refuse(
                    Field::ClaimPayeeAccount,
                    "收款账号不是保函受益人（招标人）的账号",
                );
            }
        }
    }
    let amount = c.amount.map_or(s.guarantee.amount_fen, Fen::get);
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

/// The beneficiary as the callbacks name it: the application's, paid to
/// the claim's account (at the claim's bank, else the application's).
fn beneficiary(s: &Subject, claim: &ClaimRow) -> Party {
    let named = &s.app.details.beneficiary;
    let open_bank = if claim.payee_open_bank.is_empty() {
        named.open_bank.clone().unwrap_or_default()
    } else {
        claim.payee_open_bank.clone()
    };
    Party {
        name: named.name.clone(),
        org_num: named.code.clone().unwrap_or_default(),
        contact: claim.personal.get(CONTACT).cloned().unwrap_or_default(),
        contact_tel: claim.personal.get(CONTACT_TEL).cloned().unwrap_or_default(),
        bank_account: claim.payee_account.clone(),
        open_bank,
    }
}

/// What a claim at `stage` owes its platform, as its adapter renders it.
pub struct Owing<'a> {
    pub adapter: &'a dyn Adapter,
    pub payer: &'a Party,
    pub now: DateTime<FixedOffset>,
}

fn owed(s: &Subject, claim: &ClaimRow, stage: ClaimStage, o: &Owing) -> Vec<NewCallback> {
    let notice = Notice::Claim {
        guarantee_no: s.guarantee.guarantee_no.clone(),
        stage,
        amount: Fen::new(claim.amount_fen).unwrap_or(Fen::ZERO),
        payer: o.payer.clone(),
        beneficiary: beneficiary(s, claim),
    };
    o.adapter.render(&s.app.external_no, &notice, o.now)
}

/// The new claim: checked, with what it owes.
pub fn plan(s: &Subject, d: &Claim, o: &Owing) -> ClaimPlan {
    let decision = check(s, d, o.adapter, o.now);
    let amount_fen = d.amount.map_or(s.guarantee.amount_fen, Fen::get);
    let payee_account = d
        .payee_account
        .as_ref()
        .map(|a| a.expose().trim().to_owned())
        .unwrap_or_else(|| beneficiary_account(s));
    let payee_name = s.app.details.beneficiary.name.clone();
    let mut personal = vec![
        Personal {
            field: CONTACT.into(),
            kind: "person_name",
            value: d.claimant.name.expose().to_owned(),
        },
        Personal {
            field: CONTACT_TEL.into(),
            kind: "phone",
            value: d.claimant.phone.expose().to_owned(),
        },
    ];
    if let Some(id) = &d.claimant.id {
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
        callbacks: owed(s, &row, stage, o),
    }
}

/// What a settled claim owes: paid (`2`, `01`) or declined by the bank
/// (`3`, `02`, with why).
pub fn settled(
    s: &Subject,
    claim: &ClaimRow,
    outcome: &Result<DateTime<FixedOffset>, String>,
    o: &Owing,
) -> Vec<NewCallback> {
    let stage = match outcome {
        Ok(at) => ClaimStage::Paid { at: *at },
        Err(why) => ClaimStage::Refused {
            reason: format!("赔付失败: {why}"),
        },
    };
    owed(s, claim, stage, o)
}
