//! One command, handled: read, decide, record. The loop around it is
//! `baohan_bus::consume::run`; tests call [`Underwriter::step`] directly.

use crate::decide;
use baohan_bus::{Handler, Incoming, Outcome};
use baohan_config::Underwriting;
use baohan_domain::application::Status;
use baohan_domain::command::Command;
use baohan_protocol::adapter::Adapters;
use baohan_store::Store;
use baohan_store::applications::Written;
use baohan_worker::step::{StepError, call};

/// The name this consumer's processed marks go under.
pub const CONSUMER: &str = "underwriting";

pub struct Underwriter {
    pub store: Store,
    pub underwriting: Underwriting,
    /// Each platform's adapter: renders what an application is owed.
    pub adapters: Adapters,
    /// The SMS signature.
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
        let call = call(message)?;
        let Command::Apply(apply) = &call.command else {
            return Err(StepError::Unreadable(format!(
                "{} is not an application",
                call.command.kind()
            )));
        };
        let adapter = self.adapters.get(&call.platform_id)?;
        let earlier = self
            .store
            .earlier_application(
                &call.platform_id,
                apply.applicant.credit_code.text(),
                &apply.project.section_code,
                &apply.application,
            )
            .await?;
        let now = baohan_protocol::time::now();
        let decided = decide::apply(
            &call.platform_id,
            &call.protocol,
            apply,
            call.pay_token.as_deref(),
            adapter,
            &self.context(earlier, now),
        );
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
