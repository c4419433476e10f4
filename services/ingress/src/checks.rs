//! What a call asks that the state machines may refuse at once, asked
//! before it is accepted: the domain's rules (`baohan_domain::application`,
//! `guarantee::may_end`, `guarantee::may_claim`) on what the store holds.

use crate::State;
use crate::refusal::Refusal;
use baohan_domain::application::Event;
use baohan_domain::guarantee::{self, Guarantee, GuaranteeEvent};
use baohan_store::applications::Find;
use baohan_store::guarantees::IssuedGuarantee;

/// What a call asks that the state machines may refuse at once. The
/// platform hears the refusal now (Fujian code 0, ELY 203, with the
/// reason in Chinese) and nothing is recorded; the worker asks the same
/// machines again when it applies the command.
#[derive(Debug, Clone, Copy)]
pub enum Check<'a> {
    /// giveupnotice: withdraw before issue.
    Withdraw { applyno: &'a str },
    /// quitapply: surrender the issued guarantee.
    Surrender { applyno: &'a str, baohanno: &'a str },
    /// claimsnotice (with its applyno), ELY105.
    Claim {
        guarantee_no: &'a str,
        applyno: Option<&'a str>,
    },
    /// ELY107.
    Invalidate { guarantee_no: &'a str },
    /// ELY109: the answer (07/08, or 06/09) comes by ELY102; only an
    /// unknown application is refused now.
    Exists { application_id: &'a str },
}

pub async fn check(state: &State, platform_id: &str, check: Check<'_>) -> Result<(), Refusal> {
    let by_no = |external_no| Find::External {
        platform_id,
        external_no,
    };
    match check {
        Check::Withdraw { applyno } => match state.store.application(by_no(applyno)).await? {
            Some(app) => app
                .status
                .apply(Event::Withdraw)
                .map(drop)
                .map_err(|e| Refusal::IllegalState(format!("applyno {applyno}: {}", e.zh()))),
            // Accepted, maybe not decided yet: the journal knows it.
            None => match state.store.pay_token_of(platform_id, applyno).await? {
                Some(_) => Ok(()),
                None => Err(Refusal::NotFound(format!(
                    "applyno {applyno}: no such application"
                ))),
            },
        },
        Check::Exists { application_id } => {
            if state
                .store
                .application(by_no(application_id))
                .await?
                .is_some()
                || state
                    .store
                    .pay_token_of(platform_id, application_id)
                    .await?
                    .is_some()
            {
                Ok(())
            } else {
                Err(Refusal::NotFound(format!(
                    "applicationId {application_id}: no such application"
                )))
            }
        }
        Check::Surrender { applyno, baohanno } => {
            let g = issued(state, platform_id, baohanno, "baohanno").await?;
            if g.external_no != applyno {
                return Err(Refusal::NotFound(format!(
                    "baohanno {baohanno}: not the guarantee of applyno {applyno}"
                )));
            }
            may_end(
                state,
                platform_id,
                &g,
                GuaranteeEvent::Surrender,
                "baohanno",
            )
            .await
        }
        Check::Claim {
            guarantee_no,
            applyno,
        } => {
            let field = if applyno.is_some() {
                "baohanno"
            } else {
                "guaranteeId"
            };
            let g = issued(state, platform_id, guarantee_no, field).await?;
            if let Some(applyno) = applyno
                && g.external_no != applyno
            {
                return Err(Refusal::NotFound(format!(
                    "baohanno {guarantee_no}: not the guarantee of applyno {applyno}"
                )));
            }
            let status = guarantee_status(&g)?;
            guarantee::may_claim(status)
                .map_err(|e| Refusal::IllegalState(format!("{field} {guarantee_no}: {}", e.zh())))
        }
        Check::Invalidate { guarantee_no } => {
            let g = issued(state, platform_id, guarantee_no, "guaranteeId").await?;
            may_end(
                state,
                platform_id,
                &g,
                GuaranteeEvent::Invalidate,
                "guaranteeId",
            )
            .await
        }
    }
}

/// The domain's rule for an end: the guarantee's state allows it and no
/// claim on it is open.
async fn may_end(
    state: &State,
    platform_id: &str,
    g: &IssuedGuarantee,
    event: GuaranteeEvent,
    field: &str,
) -> Result<(), Refusal> {
    let open = state
        .store
        .claim_in_progress(platform_id, &g.guarantee_no)
        .await?;
    guarantee::may_end(guarantee_status(g)?, event, open)
        .map(drop)
        .map_err(|e| Refusal::IllegalState(format!("{field} {}: {}", g.guarantee_no, e.zh())))
}

async fn issued(
    state: &State,
    platform_id: &str,
    guarantee_no: &str,
    field: &str,
) -> Result<IssuedGuarantee, Refusal> {
    state
        .store
        .guarantee_by_no(platform_id, guarantee_no)
        .await?
        .ok_or_else(|| Refusal::NotFound(format!("{field} {guarantee_no}: no such guarantee")))
}

fn guarantee_status(g: &IssuedGuarantee) -> Result<Guarantee, Refusal> {
    Guarantee::parse(&g.status).ok_or_else(|| {
        tracing::error!(status = g.status, "unknown guarantee status in the store");
        Refusal::Internal
    })
}
