//! From a paid application to its guarantee: the number, the validity,
//! the terms, the documents and the callbacks. Pure, so the rules are
//! tested without a database.

use baohan_letter::pdf::{self, Typeface};
use baohan_letter::{Form, Kind, Party, Terms, md5_upper, xml};
use baohan_protocol::money::Fen;
use baohan_protocol::notices::{self, Notice};
use baohan_store::applications::AppRow;
use baohan_store::issuance::{Issue, IssuedDocument};
use chrono::{DateTime, Duration, FixedOffset, Months, NaiveDate, NaiveTime, TimeZone};
use serde_json::Value;

/// What issuing needs besides the application.
#[derive(Clone)]
pub struct Context {
    pub institution: String,
    pub bid_prefix: String,
    pub performance_prefix: String,
    pub face: Typeface,
    /// Signs the letter with the institution's certificate.
    pub signer: std::sync::Arc<baohan_pdfsign::Signer>,
}

/// Why a guarantee could not be made. Each is about the application's
/// recorded data or our configuration: the command is retried, and the
/// metric and log say which.
#[derive(Debug, thiserror::Error)]
pub enum MakeError {
    #[error("application {0}: {1}")]
    Data(String, String),
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
    #[error("signing the letter: {0}")]
    Sign(#[from] baohan_pdfsign::SignError),
}

/// `LYBH20260417000019`: the kind's prefix, the issue date, the serial.
/// Unique by the serial; readable by the date.
pub fn guarantee_no(prefix: &str, issued_at: &DateTime<FixedOffset>, serial: i64) -> String {
    format!("{prefix}{}{serial:06}", issued_at.format("%Y%m%d"))
}

fn text<'a>(details: &'a Value, key: &str) -> Option<&'a str> {
    details[key].as_str().filter(|s| !s.is_empty())
}

fn day_start(d: NaiveDate, tz: FixedOffset) -> Option<DateTime<FixedOffset>> {
    tz.from_local_datetime(&d.and_time(NaiveTime::MIN)).single()
}

/// The guarantee's period.
///
/// - Fujian (bid): from the issue until the bid validity ends, `tbyxq`
///   days after the bid opening (`kaibiaotime`).
/// - ELY (performance): the dates asked for (the first day's start to the
///   last day's end), or else `guaranteeDate` months from the issue day.
pub fn validity(
    app: &AppRow,
    issued_at: DateTime<FixedOffset>,
) -> Result<(DateTime<FixedOffset>, DateTime<FixedOffset>), String> {
    let d = &app.details;
    let tz = *issued_at.offset();
    let last_second = Duration::seconds(1);
    match app.protocol.as_str() {
        "fujian" => {
            let opening = text(d, "kaibiaotime")
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .ok_or("kaibiaotime missing from the application")?;
            let days = d["tbyxq"].as_i64().ok_or("tbyxq missing")?;
            let end = opening + Duration::days(days);
            if end <= issued_at {
                return Err(format!("the bid validity ended at {end}, before the issue"));
            }
            Ok((issued_at, end.with_timezone(&tz)))
        }
        _ => {
            let date = |k: &str| text(d, k).and_then(|t| t.parse::<NaiveDate>().ok());
            let (start, end) = match (date("guaranteeStartDate"), date("guaranteeEndDate")) {
                (Some(s), Some(e)) => (s, e.succ_opt().ok_or("guaranteeEndDate")?),
                _ => {
                    let months = d["guaranteeMonths"]
                        .as_u64()
                        .and_then(|m| u32::try_from(m).ok())
                        .ok_or("guaranteeDate missing")?;
                    let s = issued_at.date_naive();
                    (
                        s,
                        s.checked_add_months(Months::new(months))
                            .ok_or("guaranteeDate out of range")?,
                    )
                }
            };
            let from = day_start(start, tz).ok_or("guaranteeStartDate")?;
            let to = day_start(end, tz).ok_or("guaranteeEndDate")? - last_second;
            Ok((from, to))
        }
    }
}

/// The guarantee's terms.
pub fn terms(
    app: &AppRow,
    cx: &Context,
    guarantee_no: String,
    issued_at: DateTime<FixedOffset>,
) -> Result<Terms, String> {
    let d = &app.details;
    let (valid_from, valid_to) = validity(app, issued_at)?;
    let (kind, beneficiary, code_key, section_code, section_name) = match app.protocol.as_str() {
        "fujian" => (
            Kind::Bid,
            text(d, "zbr"),
            "zbrorgnum",
            text(d, "biaoduanno"),
            text(d, "biaoduanname"),
        ),
        _ => (
            Kind::Performance,
            text(d, "purchaseName"),
            "purchaseSocCode",
            text(d, "bidCode"),
            text(d, "bidName"),
        ),
    };
    Ok(Terms {
        kind,
        guarantee_no,
        platform_id: app.platform_id.clone(),
        application_no: app.external_no.clone(),
        applicant: Party {
            name: app.applicant_name.clone(),
            credit_code: Some(app.applicant_credit_code.clone()),
        },
        beneficiary: Party {
            name: beneficiary.ok_or("the beneficiary is missing")?.to_owned(),
            credit_code: text(d, code_key).map(str::to_owned),
        },
        guarantor: cx.institution.clone(),
        project_code: app.project_code.clone().unwrap_or_default(),
        project_name: app.project_name.clone().unwrap_or_default(),
        section_code: section_code.unwrap_or_default().to_owned(),
        section_name: section_name.unwrap_or_default().to_owned(),
        amount_fen: u64::try_from(app.guarantee_amount_fen).map_err(|_| "negative amount")?,
        valid_from,
        valid_to,
        issued_at,
    })
}

/// Everything the issue writes: the guarantee, its three documents, and
/// the callback it owes (baohannotice `1`, ELY102 `03`).
pub fn make(
    app: &AppRow,
    serial: i64,
    cx: &Context,
    issued_at: DateTime<FixedOffset>,
) -> Result<Issue, MakeError> {
    let data = |e: String| MakeError::Data(app.external_no.clone(), e);
    let prefix = match app.protocol.as_str() {
        "fujian" => &cx.bid_prefix,
        _ => &cx.performance_prefix,
    };
    let no = guarantee_no(prefix, &issued_at, serial);
    let t = terms(app, cx, no.clone(), issued_at).map_err(data)?;
    let letter = cx
        .signer
        .sign_pdf(&pdf::letter(&cx.face, &t)?, issued_at.into())?;
    let form = pdf::application_form(
        &cx.face,
        &Form {
            terms: t.clone(),
            premium_fen: app
                .premium_fen
                .and_then(|p| u64::try_from(p).ok())
                .unwrap_or(0),
            applied_at: app.created_at.with_timezone(issued_at.offset()),
            paid_at: None,
        },
    )?;
    let xml = xml::guarantee_xml(&t).into_bytes();
    let doc = |kind, file_name: String, media_type, content: Vec<u8>| IssuedDocument {
        kind,
        file_name,
        media_type,
        md5: md5_upper(&content),
        content,
    };
    let amount =
        Fen::new(app.guarantee_amount_fen).ok_or_else(|| data("the amount is negative".into()))?;
    let notice = Notice::Issued {
        guarantee_no: no.clone(),
        amount,
        valid_from: t.valid_from,
        valid_to: t.valid_to,
        issued_at,
        institution: cx.institution.clone(),
    };
    Ok(Issue {
        guarantee_no: no.clone(),
        amount_fen: app.guarantee_amount_fen,
        valid_from: t.valid_from.to_utc(),
        valid_to: t.valid_to.to_utc(),
        issued_at: issued_at.to_utc(),
        documents: vec![
            doc("letter", format!("{no}.pdf"), "application/pdf", letter),
            doc("guarantee_xml", format!("{no}.xml"), "application/xml", xml),
            doc(
                "application_form",
                format!("{no}-application.pdf"),
                "application/pdf",
                form,
            ),
        ],
        callbacks: notices::owed(
            &app.protocol,
            &app.external_no,
            &notice,
            &cx.institution,
            issued_at,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use baohan_domain::application::Status;
    use serde_json::json;

    fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<FixedOffset> {
        baohan_protocol::time::shanghai()
            .with_ymd_and_hms(y, m, d, h, mi, s)
            .unwrap()
    }

    fn app(protocol: &str, details: Value) -> AppRow {
        AppRow {
            id: uuid::Uuid::nil(),
            platform_id: format!("{protocol}-demo"),
            protocol: protocol.into(),
            external_no: "A-1".into(),
            status: Status::Paid,
            applicant_name: "福建榕信示范信息技术有限公司".into(),
            applicant_credit_code: "91350100MA2Y8K3X1B".into(),
            project_code: Some("P-1".into()),
            project_name: Some("示范项目".into()),
            guarantee_amount_fen: 11_980_000,
            premium_fen: Some(119_800),
            details,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn numbers_are_prefix_date_and_serial() {
        assert_eq!(
            guarantee_no("LYBH", &at(2026, 4, 17, 10, 36, 52), 19),
            "LYBH20260417000019"
        );
        assert_eq!(
            guarantee_no("TBBH", &at(2026, 4, 17, 0, 0, 0), 1_234_567),
            "TBBH202604171234567"
        );
    }

    #[test]
    fn a_bid_guarantee_runs_until_the_bid_validity_ends() {
        let a = app(
            "fujian",
            json!({"kaibiaotime": "2026-04-20T09:30:00+08:00", "tbyxq": 90, "zbr": "某招标人"}),
        );
        let issued = at(2026, 4, 17, 10, 0, 0);
        let (from, to) = validity(&a, issued).unwrap();
        assert_eq!(from, issued);
        assert_eq!(to, at(2026, 7, 19, 9, 30, 0));
        // Past the bid validity there is nothing left to guarantee.
        assert!(validity(&a, at(2026, 8, 1, 0, 0, 0)).is_err());
    }

    #[test]
    fn a_performance_guarantee_runs_for_the_dates_asked_or_the_months() {
        let given = app(
            "ely",
            json!({"guaranteeStartDate": "2026-04-20", "guaranteeEndDate": "2027-04-19", "guaranteeMonths": 12}),
        );
        let issued = at(2026, 4, 17, 10, 36, 52);
        assert_eq!(
            validity(&given, issued).unwrap(),
            (at(2026, 4, 20, 0, 0, 0), at(2027, 4, 19, 23, 59, 59))
        );
        let months = app("ely", json!({"guaranteeMonths": 12}));
        assert_eq!(
            validity(&months, issued).unwrap(),
            (at(2026, 4, 17, 0, 0, 0), at(2027, 4, 16, 23, 59, 59))
        );
        assert!(validity(&app("ely", json!({})), issued).is_err());
    }
}
