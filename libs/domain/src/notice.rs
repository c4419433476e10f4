//! What happened to an application that its platform is owed a callback
//! for, in business terms. Workers record these; each platform's adapter
//! renders one into its callback (`baohan_protocol::notices`), or into
//! nothing where its spec has no callback for it.

use crate::money::Fen;
use chrono::{DateTime, FixedOffset};

// A claim's two parties make that variant large; notices are made one or
// two at a time and never held in bulk, so boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Approved,
    Rejected {
        /// `field: reason`, the field as the platform's wire names it.
        reason: String,
    },
    Paid {
        at: DateTime<FixedOffset>,
        amount: Fen,
        by: PaidBy,
    },
    Issued {
        guarantee_no: String,
        amount: Fen,
        valid_from: DateTime<FixedOffset>,
        valid_to: DateTime<FixedOffset>,
        issued_at: DateTime<FixedOffset>,
        /// The principal (投标人, 供应商): whose obligation it secures.
        principal: String,
    },
    /// A claim (索赔) against the guarantee moved.
    Claim {
        guarantee_no: String,
        stage: ClaimStage,
        /// What was claimed (accepted, refused) or paid.
        amount: Fen,
        /// Who pays: the institution.
        payer: Party,
        /// Who is paid: the beneficiary (招标人, 采购人).
        beneficiary: Party,
    },
    /// Withdrawn before issue (given up, cancelled).
    Cancelled,
    /// A withdrawal refused: the guarantee is issued, say.
    CancelRefused {
        reason: String,
    },
    /// 退保 done, after the premium's refund if one was due.
    Surrendered {
        guarantee_no: String,
    },
    SurrenderRefused {
        reason: String,
    },
    /// 保函失效 recorded: the guarantee is cancelled (注销).
    Invalidated {
        guarantee_no: String,
        at: DateTime<FixedOffset>,
        /// What the notice says, in full; an adapter cuts it to its field.
        notice: String,
    },
}

/// How a premium was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaidBy {
    /// From the bidder's bank account (网银, 对公转账).
    BankTransfer,
}

/// Where a claim stands, as the callbacks tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimStage {
    /// 待赔付 / 理赔受理中.
    Accepted,
    Paid {
        at: DateTime<FixedOffset>,
    },
    /// 不予赔付 / 理赔失败, and why.
    Refused {
        reason: String,
    },
}

/// One side of a claim's payment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Party {
    pub name: String,
    /// 统一社会信用代码.
    pub org_num: String,
    pub contact: String,
    pub contact_tel: String,
    pub bank_account: String,
    pub open_bank: String,
}
