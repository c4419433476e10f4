//! The SMS gateway, through which ELY bidders get their payment link (the
//! ELY spec has no field for one).
//!
//! Locally there is no gateway: [`LogSink`] writes a line to the log, and
//! [`FileSink`] appends each message to a JSON-lines file, which is where
//! the tests (and a developer) read the link. Neither writes the number in
//! clear: the masked number and its SM3 identify the recipient.

use crate::GatewayError;
use baohan_masking::Phone;
use futures_util::future::BoxFuture;
use serde_json::json;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// The text that takes an approved ELY bidder to the portal.
pub fn payment_link_text(
    institution: &str,
    portal_base_url: &str,
    application_id: &str,
    premium_fen: Option<i64>,
    token: &str,
) -> String {
    let premium = premium_fen
        .filter(|f| *f >= 0)
        .map(|f| format!("，保费 {}.{:02} 元", f / 100, f % 100))
        .unwrap_or_default();
    format!(
        "【{institution}】您的履约保函申请 {application_id} 已审核通过{premium}。\
         请打开以下链接填写资料并缴费：{}/pay/{token}",
        portal_base_url.trim_end_matches('/')
    )
}

pub trait SmsGateway: Send + Sync {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a str) -> BoxFuture<'a, Result<(), GatewayError>>;
}

/// Logs that a message was sent: the masked number and the length only,
/// since the text carries the bidder's link.
#[derive(Debug, Default)]
pub struct LogSink;

impl SmsGateway for LogSink {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a str) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(async move {
            tracing::info!(%to, chars = text.chars().count(), "sms (log sink)");
            Ok(())
        })
    }
}

/// Appends `{"at", "to", "to_sm3", "text"}` lines to a file.
#[derive(Debug)]
pub struct FileSink {
    path: PathBuf,
    lock: tokio::sync::Mutex<()>,
}

impl FileSink {
    pub fn new(path: PathBuf) -> FileSink {
        FileSink {
            path,
            lock: tokio::sync::Mutex::new(()),
        }
    }
}

impl SmsGateway for FileSink {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a str) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(async move {
            let line = json!({
                "at": chrono::Utc::now().to_rfc3339(),
                "to": to.to_string(),
                "to_sm3": baohan_gm::sm3::hex_digest(to.expose().as_bytes()),
                "text": text,
            });
            let _one_writer = self.lock.lock().await;
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .await
                .map_err(|e| GatewayError::Unavailable(format!("{}: {e}", self.path.display())))?;
            // tokio writes in the background: without the flush the last
            // line can still be in flight when the file is dropped.
            file.write_all(format!("{line}\n").as_bytes())
                .await
                .map_err(|e| GatewayError::Unavailable(e.to_string()))?;
            file.flush()
                .await
                .map_err(|e| GatewayError::Unavailable(e.to_string()))?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payment_link_text_carries_the_premium_and_the_link() {
        assert_eq!(
            payment_link_text("某担保", "http://p/", "A1", Some(40_005), "abc"),
            "【某担保】您的履约保函申请 A1 已审核通过，保费 400.05 元。请打开以下链接填写资料并缴费：http://p/pay/abc"
        );
    }

    #[tokio::test]
    async fn the_file_sink_keeps_the_text_and_masks_the_number() {
        let path = std::env::temp_dir().join(format!("sms-{}.jsonl", uuid::Uuid::new_v4()));
        let sink = FileSink::new(path.clone());
        let phone = Phone::new("13800138000");
        sink.send(&phone, "请支付: http://x/pay/abc").await.unwrap();
        sink.send(&phone, "second").await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["to"], "138****8000");
        assert_eq!(lines[0]["text"], "请支付: http://x/pay/abc");
        assert!(!text.contains("13800138000"));
    }
}
