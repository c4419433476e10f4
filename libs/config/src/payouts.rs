//! `[payouts]`: the payout provider.

use serde::Deserialize;

/// Where money goes out (claims paid, premiums refunded). Locally a
/// sandbox that writes a ledger; a bank's API is another implementation
/// of `baohan_gateways::payout::Payouts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payouts {
    #[serde(default = "Payouts::default_ledger")]
    pub sandbox_ledger: String,
}

impl Default for Payouts {
    fn default() -> Self {
        Payouts {
            sandbox_ledger: Payouts::default_ledger(),
        }
    }
}

impl Payouts {
    fn default_ledger() -> String {
        ".local/payouts.jsonl".into()
    }
}
