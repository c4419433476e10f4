//! The bank's payment gateway.
//!
//! A real gateway takes the payment's id as its idempotency key: charging
//! the same reference twice returns the first receipt and moves no money
//! twice. [`Sandbox`] keeps that promise too, in memory, so the portal's
//! retry paths are exercised locally.

use crate::GatewayError;
use baohan_masking::BankAccount;
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

/// One premium to collect.
#[derive(Debug, Clone)]
pub struct Charge {
    /// Our payment id: the gateway's idempotency key.
    pub reference: Uuid,
    pub amount_fen: i64,
    /// The bidder's basic account, which the spec requires it pay from.
    pub payer_name: String,
    pub payer_account: BankAccount,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The gateway's own reference, kept with the payment.
    pub gateway_ref: String,
    pub paid_at: DateTime<Utc>,
}

pub trait PaymentGateway: Send + Sync {
    /// `sandbox`, or the bank's name: kept as the payment's channel.
    fn name(&self) -> &'static str;
    fn charge<'a>(&'a self, charge: &'a Charge) -> BoxFuture<'a, Result<Receipt, GatewayError>>;
}

/// A local gateway: pays at once, except that an account ending in
/// `4444` is declined, as test card numbers are, so the refusal path can
/// be driven from the page.
#[derive(Debug, Default)]
pub struct Sandbox {
    receipts: Mutex<HashMap<Uuid, Receipt>>,
}

/// Accounts ending in this are declined by the sandbox.
pub const SANDBOX_DECLINED_SUFFIX: &str = "4444";

impl PaymentGateway for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn charge<'a>(&'a self, charge: &'a Charge) -> BoxFuture<'a, Result<Receipt, GatewayError>> {
        Box::pin(async move {
            if charge.amount_fen <= 0 {
                return Err(GatewayError::Declined("amount must be above 0".into()));
            }
            if charge
                .payer_account
                .expose()
                .ends_with(SANDBOX_DECLINED_SUFFIX)
            {
                return Err(GatewayError::Declined("sandbox: account declined".into()));
            }
            let mut receipts = self
                .receipts
                .lock()
                .map_err(|_| GatewayError::Unavailable("sandbox ledger poisoned".into()))?;
            let receipt = receipts
                .entry(charge.reference)
                .or_insert_with(|| Receipt {
                    gateway_ref: format!("SBX{}", charge.reference.simple()),
                    paid_at: Utc::now(),
                })
                .clone();
            tracing::info!(
                reference = %charge.reference,
                amount_fen = charge.amount_fen,
                account = %charge.payer_account,
                "sandbox: charged"
            );
            Ok(receipt)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(account: &str) -> Charge {
        Charge {
            reference: Uuid::new_v4(),
            amount_fen: 40_000,
            payer_name: "某公司".into(),
            payer_account: BankAccount::new(account),
        }
    }

    #[tokio::test]
    async fn the_same_reference_is_charged_once() {
        let g = Sandbox::default();
        let c = charge("6222020200112233");
        let first = g.charge(&c).await.unwrap();
        let again = g.charge(&c).await.unwrap();
        assert_eq!(first, again);
        assert!(first.gateway_ref.starts_with("SBX"));
        let other = g.charge(&charge("6222020200112233")).await.unwrap();
        assert_ne!(other.gateway_ref, first.gateway_ref);
    }

    #[tokio::test]
    async fn a_declined_account_is_refused() {
        let g = Sandbox::default();
        let e = g.charge(&charge("6222020200114444")).await.unwrap_err();
        assert!(matches!(e, GatewayError::Declined(_)));
    }
}
