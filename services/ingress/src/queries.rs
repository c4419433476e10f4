//! The synchronous queries, answered from the store: Fujian getbaohaninfo,
//! ELY103 (file query) and ELY104 (verification).
//!
//! They answer from what issuance has written. A guarantee that is not
//! issued is a business error the platform understands (ELY 203; Fujian
//! code 0 with the reason), never an empty success. ELY103 serves the
//! stored (signed) letter; ELY104 verifies a submitted one.

use crate::State;
use crate::refusal::Refusal;
use baohan_domain::application::{Event, Status};
use baohan_gm::Encoding;
use baohan_pdfsign::{cert, pdf};
use baohan_protocol::ely::messages::{
    Ely103, Ely103Response, Ely104, Ely104Response, VerifyStatus,
};
use baohan_protocol::ely::{ElyProfile, ResponseCode, codec};
use baohan_protocol::fujian::messages::GetBaohanInfo;
use baohan_protocol::wire::Map;
use baohan_protocol::wire::WireMessage;
use baohan_protocol::wire::{DashedDate, DateTimeSec};
use baohan_store::applications::Find;

/// giveupnotice is answered at once, so whether the application may still
/// be withdrawn is checked here: an unknown applyno, or one already issued
/// or rejected, is refused (code 0 with the reason) and nothing recorded.
/// The worker applies the same state machine again; this check only lets
/// the platform hear the answer now. An application already withdrawn
/// passes, so that an identical retry gets its first answer.
pub async fn may_withdraw(state: &State, platform_id: &str, applyno: &str) -> Result<(), Refusal> {
    let key = Find::External {
        platform_id,
        external_no: applyno,
    };
    match state.store.application(key).await? {
        Some(app) if app.status == Status::Withdrawn => Ok(()),
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
    }
}

pub async fn getbaohaninfo(
    state: &State,
    platform_id: &str,
    q: &GetBaohanInfo,
) -> Result<Map, Refusal> {
    match state
        .store
        .guarantee_by_application(platform_id, &q.applyno)
        .await?
    {
        Some(g) if g.guarantee_no == q.baohanno => Err(Refusal::NotFound(format!(
            "baohanno {}: the letter file is not available yet",
            q.baohanno
        ))),
        _ => Err(Refusal::NotFound(format!(
            "applyno {} / baohanno {}: no such issued guarantee",
            q.applyno, q.baohanno
        ))),
    }
}

/// ELY103: the signed letter, Base64, in a digital envelope (the spec
/// asks for one: the file is large, and SM4 carries it).
pub async fn ely103(
    state: &State,
    platform_id: &str,
    profile: &ElyProfile,
    q: &Ely103,
) -> Result<Map, Refusal> {
    let letter = state
        .store
        .issued_document(platform_id, &q.application_id, "letter")
        .await?;
    let Some((_, file_name, content, _)) = letter else {
        return Err(Refusal::NotFound(format!(
            "applicationId {}: no issued guarantee",
            q.application_id
        )));
    };
    let business = Ely103Response {
        guarantee_file_name: file_name,
        guarantee_file_content: Encoding::Base64.encode(&content),
    }
    .to_map();
    sealed(&business, profile, "ELY103")
}

/// ELY104: is this letter genuine? Status `01` when the file's signature
/// covers every byte, verifies, and was made with our certificate; `02`
/// otherwise. The certificate fields describe the certificate that signed
/// it, or, when it does not verify, ours (what a genuine letter carries),
/// with the guarantee's issue time as the signing time.
pub async fn ely104(
    state: &State,
    platform_id: &str,
    profile: &ElyProfile,
    q: &Ely104,
) -> Result<Map, Refusal> {
    let Some(g) = state
        .store
        .guarantee_by_no(platform_id, &q.guarantee_id)
        .await?
    else {
        return Err(Refusal::NotFound(format!(
            "guaranteeId {}: no such guarantee",
            q.guarantee_id
        )));
    };
    let verified = Encoding::Base64
        .decode(q.guarantee_data.trim())
        .map_err(|e| e.to_string())
        .and_then(|pdf| pdf::verify(&pdf).map_err(|e| e.to_string()))
        .and_then(|signed| match &state.signing_cert {
            Some(ours) if *ours == signed.cert => Ok(signed),
            _ => Err("signed, but not with our certificate".to_owned()),
        });
    let (status, cert, signed_at) = match &verified {
        Ok(signed) => (
            VerifyStatus::Valid,
            Some(&signed.cert),
            signed
                .signing_time
                .map(chrono::DateTime::<chrono::Utc>::from),
        ),
        Err(why) => {
            tracing::info!(platform = platform_id, guarantee = %q.guarantee_id, why, "ELY104: not genuine");
            (
                VerifyStatus::Invalid,
                state.signing_cert.as_ref(),
                Some(g.issued_at),
            )
        }
    };
    let Some(cert) = cert else {
        tracing::error!("ELY104 without issuance.signing_cert configured");
        return Err(Refusal::Internal);
    };
    let s = cert::summary(cert);
    let tz = baohan_protocol::time::shanghai();
    let date = |t: std::time::SystemTime| {
        DashedDate(
            chrono::DateTime::<chrono::Utc>::from(t)
                .with_timezone(&tz)
                .date_naive(),
        )
    };
    let business = Ely104Response {
        guarantee_id: q.guarantee_id.clone(),
        status,
        cert_num: s.serial,
        cert_owner: cert::common_name(&s.subject).chars().take(100).collect(),
        cert_begin_time: date(s.not_before),
        cert_end_time: date(s.not_after),
        cert_author: cert::common_name(&s.issuer).chars().take(100).collect(),
        sign_time: DateTimeSec(signed_at.unwrap_or(g.issued_at).with_timezone(&tz)),
    }
    .to_map();
    sealed(&business, profile, "ELY104")
}

/// A query's answer: success, with the business data in a digital
/// envelope (SM4 data, SM2-wrapped key), as ELY103 and ELY104 ask.
fn sealed(business: &Map, profile: &ElyProfile, what: &str) -> Result<Map, Refusal> {
    codec::seal_response(ResponseCode::Success, None, Some(business), true, profile)
        .map(|r| r.to_map())
        .map_err(|e| {
            tracing::error!(error = %e, "sealing the {what} answer");
            Refusal::Internal
        })
}
