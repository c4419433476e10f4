//! The synchronous queries, answered from the store: Fujian getbaohaninfo,
//! ELY103 (file query) and ELY104 (verification). The state checks made
//! before a command is accepted are `checks`.
//!
//! They answer from what issuance has written. A guarantee that is not
//! issued is a business error the platform understands (ELY 203; Fujian
//! code 0 with the reason), never an empty success. ELY103 serves the
//! stored (signed) letter; ELY104 verifies a submitted one.

use crate::State;
use crate::pool::Size;
use crate::refusal::Refusal;
use baohan_config::{Platform, PlatformKind};
use baohan_domain::command::Query;
use baohan_gm::Encoding;
use baohan_masking::{BankAccount, IdNumber, PersonName, Phone};
use baohan_pdfsign::{cert, pdf};
use baohan_protocol::Fen;
use baohan_protocol::ely::messages::{Ely103Response, Ely104Response, VerifyStatus};
use baohan_protocol::ely::{ResponseCode, codec};
use baohan_protocol::fujian::messages::{BaohanInfo, GetBaohanInfoReply, ResultCode};
use baohan_protocol::wire::Map;
use baohan_protocol::wire::Nested;
use baohan_protocol::wire::WireMessage;
use baohan_protocol::wire::{DashedDate, DateTimeSec};
use baohan_store::guarantees::GuaranteeFiles;
use std::sync::Arc;

/// Answers the domain's question, each in the spec that asks it: the
/// guarantee (getbaohaninfo, Fujian's `BaohanInfo`), the letter (ELY103)
/// and its verification (ELY104), the last two sealed for an ELY platform.
pub async fn answer(state: &State, platform: &Arc<Platform>, query: Query) -> Result<Map, Refusal> {
    match query {
        Query::Guarantee {
            application,
            guarantee_no,
        } => getbaohaninfo(state, platform.id.as_str(), &application, &guarantee_no).await,
        Query::Letter { application } => ely103(state, platform, &application).await,
        Query::Verify {
            guarantee_no,
            letter_base64,
        } => ely104(state, platform, &guarantee_no, letter_base64).await,
    }
}

/// getbaohaninfo: every field of the spec, from the issued guarantee, the
/// application, the bidder's profile and documents. The letter comes as
/// Base64 in `baohanfile` and, like every other file, as a signed URL
/// that expires (docs/protocol.md, "Downloads").
async fn getbaohaninfo(
    state: &State,
    platform_id: &str,
    applyno: &str,
    baohanno: &str,
) -> Result<Map, Refusal> {
    let Some(found) = state
        .store
        .guarantee_files(platform_id, applyno, baohanno)
        .await?
    else {
        return Err(Refusal::NotFound(format!(
            "applyno {applyno} / baohanno {baohanno}: no such issued guarantee"
        )));
    };
    let info = baohan_info(state, platform_id, &found).map_err(|missing| {
        // Issued letters always have these; a gap is ours, not the caller's.
        tracing::error!(%applyno, missing, "getbaohaninfo: stored data incomplete");
        Refusal::Internal
    })?;
    Ok(GetBaohanInfoReply {
        code: ResultCode::Success,
        message: Some("成功".into()),
        data: Some(Nested(info)),
    }
    .to_map())
}

/// The data object; `Err(field)` if an issued guarantee lacks what it needs.
fn baohan_info(
    state: &State,
    platform_id: &str,
    f: &GuaranteeFiles,
) -> Result<BaohanInfo, &'static str> {
    let no = &f.app.external_no;
    let file = |kind: &str| f.files.iter().find(|d| d.kind == kind);
    let url = |kind: &str| {
        file(kind)
            .map(|_| state.download_url(platform_id, no, kind))
            .unwrap_or_default()
    };
    let md5 = |kind: &str| file(kind).map(|d| d.md5.clone()).unwrap_or_default();
    let personal = |field: &str| f.personal.get(field).cloned().unwrap_or_default();
    let tz = baohan_protocol::time::shanghai();
    let at = |t: chrono::DateTime<chrono::Utc>| {
        baohan_protocol::time::Shape::Dashed.format(&t.with_timezone(&tz))
    };
    let premium = f.app.premium_fen.ok_or("premium")?;
    if file("letter").is_none() || f.letter.is_empty() {
        return Err("letter");
    }
    Ok(BaohanInfo {
        baohanurl: url("letter"),
        baohanfile: Encoding::Base64.encode(&f.letter),
        payername: personal("payername"),
        payeraccount: BankAccount::new(personal("payeraccount")),
        rate: rate(premium, f.app.guarantee_amount_fen),
        cost: Fen::new(premium).ok_or("premium")?,
        paytype: match f.pay_channel.as_deref() {
            Some("transfer") => "对公转账",
            _ => "网银支付",
        }
        .into(),
        tbysq: f
            .app
            .details
            .bid()
            .map(|b| format!("{}天", b.validity_days))
            .unwrap_or_default(),
        servicebegintime: at(f.guarantee.valid_from),
        serviceendtime: at(f.guarantee.valid_to),
        biddercontact: PersonName::new(personal("biddercontact")),
        biddercontacttel: Phone::new(personal("biddercontacttel")),
        bidderaddress: personal("bidderaddress"),
        bidderemail: personal("bidderemail"),
        bidderpersonname: PersonName::new(personal("bidderpersonname")),
        bidderpersoncard: IdNumber::new(personal("bidderpersoncard")),
        bidderpersontel: Phone::new(personal("bidderpersontel")),
        orderurl: url("application_form"),
        ordermd5: md5("application_form"),
        qualficationfileurl: url("qualification"),
        qualficationfilemd5: md5("qualification"),
        businesslicenseurl: url("businesslicense"),
        businesslicensemd5: md5("businesslicense"),
        guaranteemd5: md5("letter"),
        guaranteexmlurl: url("guarantee_xml"),
        guaranteexmlmd5: md5("guarantee_xml"),
        payfileurl: url("voucher"),
    })
}

/// 费率 as a percentage with four decimals, from the premium actually
/// charged: `0.3000%` for 3,000 ppm.
fn rate(premium_fen: i64, amount_fen: i64) -> String {
    if amount_fen <= 0 {
        return "0.0000%".into();
    }
    // In millionths of a percent, rounded half up, in integers.
    let scaled = (i128::from(premium_fen) * 100 * 10_000 * 2 + i128::from(amount_fen))
        / (2 * i128::from(amount_fen));
    format!("{}.{:04}%", scaled / 10_000, scaled % 10_000)
}

/// ELY103: the signed letter, Base64, in a digital envelope (the spec
/// asks for one: the file is large, and SM4 carries it).
async fn ely103(
    state: &State,
    platform: &Arc<Platform>,
    application_id: &str,
) -> Result<Map, Refusal> {
    let letter = state
        .store
        .document_content(platform.id.as_str(), application_id, "letter")
        .await?;
    let Some((file_name, _, content)) = letter else {
        return Err(Refusal::NotFound(format!(
            "applicationId {application_id}: no issued guarantee"
        )));
    };
    let platform = platform.clone();
    // Base64 and SM4 over the whole letter: on the crypto pool.
    state
        .pool
        .run(Size::Large, move || {
            let business = Ely103Response {
                guarantee_file_name: file_name,
                guarantee_file_content: Encoding::Base64.encode(&content),
            }
            .to_map();
            sealed(&business, &platform, "ELY103")
        })
        .await?
}

/// ELY104: is this letter genuine? Status `01` when the file's signature
/// covers every byte, verifies, and was made with our certificate; `02`
/// otherwise. The certificate fields describe the certificate that signed
/// it, or, when it does not verify, ours (what a genuine letter carries),
/// with the guarantee's issue time as the signing time.
///
/// ELY104 comes in a digital envelope, which proves nothing of its
/// sender; it only ever reads, and answers only the spec's fields.
async fn ely104(
    state: &State,
    platform: &Arc<Platform>,
    guarantee_id: &str,
    data: String,
) -> Result<Map, Refusal> {
    let platform_id = platform.id.as_str();
    let Some(g) = state
        .store
        .guarantee_by_no(platform_id, guarantee_id)
        .await?
    else {
        return Err(Refusal::NotFound(format!(
            "guaranteeId {guarantee_id}: no such guarantee"
        )));
    };
    // Base64 of the file, its SM3 and the SM2 check: on the crypto pool.
    let ours = state.signing_cert.clone();
    let verified = state
        .pool
        .run(Size::Large, move || {
            Encoding::Base64
                .decode(data.trim())
                .map_err(|e| e.to_string())
                .and_then(|pdf| pdf::verify(&pdf).map_err(|e| e.to_string()))
                .and_then(|signed| match &ours {
                    Some(ours) if *ours == signed.cert => Ok(signed),
                    _ => Err("signed, but not with our certificate".to_owned()),
                })
        })
        .await?;
    let (status, cert, signed_at) = match &verified {
        Ok(signed) => (
            VerifyStatus::Valid,
            Some(&signed.cert),
            signed
                .signing_time
                .map(chrono::DateTime::<chrono::Utc>::from),
        ),
        Err(why) => {
            tracing::info!(platform = platform_id, guarantee = %guarantee_id, why, "ELY104: not genuine");
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
        guarantee_id: guarantee_id.to_owned(),
        status,
        cert_num: s.serial,
        cert_owner: cert::common_name(&s.subject).chars().take(100).collect(),
        cert_begin_time: date(s.not_before),
        cert_end_time: date(s.not_after),
        cert_author: cert::common_name(&s.issuer).chars().take(100).collect(),
        sign_time: DateTimeSec(signed_at.unwrap_or(g.issued_at).with_timezone(&tz)),
    }
    .to_map();
    let platform = platform.clone();
    state
        .pool
        .run(Size::Ordinary, move || {
            sealed(&business, &platform, "ELY104")
        })
        .await?
}

/// A query's answer: success, with the business data in a digital
/// envelope (SM4 data, SM2-wrapped key), as ELY103 and ELY104 ask.
fn sealed(business: &Map, platform: &Platform, what: &str) -> Result<Map, Refusal> {
    let PlatformKind::Ely { profile, .. } = &platform.kind else {
        tracing::error!(platform = %platform.id, "an ELY answer for a platform that is not ELY");
        return Err(Refusal::Internal);
    };
    codec::seal_response(ResponseCode::Success, None, Some(business), true, profile)
        .map(|r| r.to_map())
        .map_err(|e| {
            tracing::error!(error = %e, "sealing the {what} answer");
            Refusal::Internal
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_rate_is_the_premium_over_the_amount_in_percent() {
        assert_eq!(super::rate(359_400, 119_800_000), "0.3000%");
        assert_eq!(super::rate(1, 3), "33.3333%");
        assert_eq!(super::rate(2, 3), "66.6667%");
        assert_eq!(super::rate(0, 100), "0.0000%");
        assert_eq!(super::rate(5, 0), "0.0000%");
    }
}
