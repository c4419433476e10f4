//! One command, handled: decode, decide, record. The loop around it is
//! `baohan_bus::consume::run`; tests call [`Underwriter::step`] directly.

use crate::decide;
use baohan_bus::{Handler, Incoming, Outcome};
use baohan_config::Underwriting;
use baohan_domain::application::Status;
use baohan_protocol::ely::{ElyRequest, Transcode};
use baohan_protocol::fujian::{FujianRequest, Interface};
use baohan_store::Store;
use baohan_store::applications::Written;
use baohan_worker::step::{StepError, inbound};

/// The name this consumer's processed marks go under.
pub const CONSUMER: &str = "underwriting";

pub struct Underwriter {
    pub store: Store,
    pub underwriting: Underwriting,
    /// baohannotice `instname`, and the SMS signature.
    pub institution: String,
    pub portal_base_url: String,
}

impl Handler for Underwriter {
    async fn handle(&self, message: Incoming) -> Outcome {
        match self.step(&message).await {
            Ok(()) => Outcome::Done,
            Err(e) => e.outcome(),
        }
    }
}

impl Underwriter {
    fn context(
        &self,
        earlier: Option<(String, Status)>,
        now: chrono::DateTime<chrono::FixedOffset>,
    ) -> decide::Context<'_> {
        decide::Context {
            underwriting: &self.underwriting,
            institution: &self.institution,
            portal_base_url: &self.portal_base_url,
            earlier,
            now,
        }
    }

    pub async fn step(&self, message: &Incoming) -> Result<(), StepError> {
        let call = inbound(message)?;
        let now = baohan_protocol::time::now();
        let decided = match call.interface.as_str() {
            "baohanapply" => {
                let FujianRequest::Baohanapply(a) = Interface::Baohanapply
                    .parse_request(&call.fields)
                    .map_err(|e| StepError::Unreadable(e.to_string()))?
                else {
                    return Err(StepError::Unreadable("not a baohanapply".into()));
                };
                let earlier = self
                    .store
                    .earlier_application(
                        &call.platform_id,
                        &a.biddercode,
                        &a.biaoduanno,
                        &a.applyno,
                    )
                    .await?;
                decide::baohanapply(
                    &call.platform_id,
                    &a,
                    call.pay_token.as_deref(),
                    &self.context(earlier, now),
                )
            }
            "ELY101" => {
                let ElyRequest::Ely101(a) = Transcode::Ely101
                    .parse_request(&call.fields)
                    .map_err(|e| StepError::Unreadable(e.to_string()))?
                else {
                    return Err(StepError::Unreadable("not an ELY101".into()));
                };
                let earlier = self
                    .store
                    .earlier_application(
                        &call.platform_id,
                        &a.social_credit_code,
                        &a.bid_code,
                        &a.application_id,
                    )
                    .await?;
                decide::ely101(
                    &call.platform_id,
                    &a,
                    call.pay_token.as_deref(),
                    &self.context(earlier, now),
                )
            }
            other => return Err(StepError::Unreadable(format!("interface {other}"))),
        };
        let written = self
            .store
            .write_application(
                CONSUMER,
                message.id,
                &decided.application,
                &decided.callbacks,
            )
            .await?;
        tracing::info!(
            platform = %call.platform_id,
            external_no = %decided.application.external_no,
            status = %decided.application.status,
            ?written,
            "application decided"
        );
        if written == Written::Exists {
            tracing::warn!(external_no = %decided.application.external_no, "a second command for an existing application; ignored");
        }
        Ok(())
    }
}
