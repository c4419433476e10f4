//! `[institution]`: the guarantor, as letters and callbacks name it.

use crate::de::*;
use serde::Deserialize;

/// Who we are, where the specs ask (baohannotice `instname`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Institution {
    pub name: String,
    /// The rest is claimsresultnotice's `compensate*`: the institution as
    /// the payer of a claim. Required by the claims worker.
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default = "empty_masked", deserialize_with = "masked")]
    pub contact_phone: baohan_masking::Phone,
    #[serde(default = "empty_masked", deserialize_with = "masked")]
    pub bank_account: baohan_masking::BankAccount,
    #[serde(default)]
    pub open_bank: String,
}
