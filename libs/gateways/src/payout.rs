//! Money going out of the institution: a claim's payment to the
//! beneficiary (见索即付) and a premium refunded to the payer.
//!
//! As with charges, the transfer's id is the idempotency key: asking twice
//! for one reference moves money once and returns the first receipt. The
//! workers rely on it, because a crash between the transfer and the commit
//! that records it makes them ask again.

use crate::GatewayError;
use crate::payment::{Receipt, SANDBOX_DECLINED_SUFFIX};
use baohan_masking::BankAccount;
use chrono::Utc;
use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use std::path::PathBuf;
use uuid::Uuid;

/// Why the money moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A claim paid on first demand.
    Claim,
    /// Premium returned after a surrender or a cancellation.
    Refund,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Claim => "claim",
            Purpose::Refund => "refund",
        }
    }
}

/// One transfer to make.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// The claim's or the refund's id.
    pub reference: Uuid,
    pub purpose: Purpose,
    pub amount_fen: i64,
    pub payee_name: String,
    pub payee_account: BankAccount,
}

pub trait Payouts: Send + Sync {
    fn name(&self) -> &'static str;
    fn transfer<'a>(&'a self, t: &'a Transfer) -> BoxFuture<'a, Result<Receipt, GatewayError>>;
}

/// A local payout provider: pays at once, declines accounts ending in
/// `4444` (as the payment sandbox does), and writes every transfer it
/// makes to a JSON-lines ledger (the account masked), which the tests and
/// an operator read. The ledger is read again before each transfer, so a
/// restart, or a replica that takes over a redelivered command, finds the
/// reference paid and returns its receipt.
#[derive(Debug)]
pub struct Sandbox {
    ledger: PathBuf,
    lock: tokio::sync::Mutex<()>,
}

impl Sandbox {
    pub fn new(ledger: impl Into<PathBuf>) -> Sandbox {
        Sandbox {
            ledger: ledger.into(),
            lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Every transfer made so far, in order.
    pub async fn entries(&self) -> Result<Vec<Value>, GatewayError> {
        read_ledger(&self.ledger).await
    }
}

async fn read_ledger(path: &PathBuf) -> Result<Vec<Value>, GatewayError> {
    match tokio::fs::read_to_string(path).await {
        Ok(text) => Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(GatewayError::Unavailable(format!(
            "ledger {}: {e}",
            path.display()
        ))),
    }
}

fn receipt_of(entry: &Value) -> Option<Receipt> {
    Some(Receipt {
        gateway_ref: entry.get("gateway_ref")?.as_str()?.to_owned(),
        paid_at: entry.get("paid_at")?.as_str()?.parse().ok()?,
    })
}

impl Payouts for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn transfer<'a>(&'a self, t: &'a Transfer) -> BoxFuture<'a, Result<Receipt, GatewayError>> {
        Box::pin(async move {
            if t.amount_fen <= 0 {
                return Err(GatewayError::Declined("amount must be above 0".into()));
            }
            if t.payee_account.expose().ends_with(SANDBOX_DECLINED_SUFFIX) {
                return Err(GatewayError::Declined(
                    "sandbox: payee account declined".into(),
                ));
            }
            let _held = self.lock.lock().await;
            let reference = t.reference.to_string();
            let earlier = read_ledger(&self.ledger).await?;
            if let Some(first) = earlier
                .iter()
                .find(|e| e.get("reference").and_then(Value::as_str) == Some(reference.as_str()))
            {
                return receipt_of(first).ok_or_else(|| {
                    GatewayError::Unavailable(format!("ledger entry for {reference} unreadable"))
                });
            }
            let receipt = Receipt {
                gateway_ref: format!("SBXP{}", t.reference.simple()),
                paid_at: Utc::now(),
            };
            let line = json!({
                "reference": reference,
                "purpose": t.purpose.as_str(),
                "amount_fen": t.amount_fen,
                "payee_name": t.payee_name,
                "payee_account": t.payee_account.to_string(),
                "gateway_ref": receipt.gateway_ref,
                "paid_at": receipt.paid_at.to_rfc3339(),
            });
            append(&self.ledger, &line).await?;
            tracing::info!(
                reference = %t.reference,
                purpose = t.purpose.as_str(),
                amount_fen = t.amount_fen,
                account = %t.payee_account,
                "sandbox: transferred"
            );
            Ok(receipt)
        })
    }
}

async fn append(path: &PathBuf, line: &Value) -> Result<(), GatewayError> {
    use tokio::io::AsyncWriteExt;
    let fail =
        |e: std::io::Error| GatewayError::Unavailable(format!("ledger {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(dir).await.map_err(fail)?;
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await
        .map_err(fail)?;
    file.write_all(format!("{line}\n").as_bytes())
        .await
        .map_err(fail)?;
    file.flush().await.map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transfer(account: &str) -> Transfer {
        Transfer {
            reference: Uuid::new_v4(),
            purpose: Purpose::Claim,
            amount_fen: 500_000,
            payee_name: "某招标人".into(),
            payee_account: BankAccount::new(account),
        }
    }

    fn ledger() -> PathBuf {
        std::env::temp_dir().join(format!("baohan-payouts-{}.jsonl", Uuid::new_v4()))
    }

    #[tokio::test]
    async fn one_reference_is_paid_once_even_by_another_instance() {
        let path = ledger();
        let t = transfer("6222020200112233");
        let first = Sandbox::new(&path).transfer(&t).await.unwrap();
        // A second process (a replica, a restart) reads the same ledger.
        let again = Sandbox::new(&path).transfer(&t).await.unwrap();
        assert_eq!(first, again);
        let entries = Sandbox::new(&path).entries().await.unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["amount_fen"], json!(500_000));
        assert_eq!(entries[0]["purpose"], json!("claim"));
        // The ledger never holds the account in clear.
        assert!(
            !entries[0]["payee_account"]
                .as_str()
                .unwrap()
                .contains("020200112")
        );
        std::fs::remove_file(path).ok();
    }

    #[tokio::test]
    async fn a_declined_account_moves_nothing() {
        let path = ledger();
        let s = Sandbox::new(&path);
        let e = s.transfer(&transfer("6222020200114444")).await.unwrap_err();
        assert!(matches!(e, GatewayError::Declined(_)));
        assert!(s.entries().await.unwrap().is_empty());
    }
}
