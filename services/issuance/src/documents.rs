//! From a paid application to its guarantee: the number, the validity,
//! the terms, the documents and the callbacks. Pure, so the rules are
//! tested without a database.

use baohan_domain::command::Terms as Asked;
use baohan_letter::pdf::{self, Typeface};
use baohan_letter::{Form, Kind, Party, Terms, md5_upper, xml};
use baohan_protocol::adapter::{Adapters, UnknownPlatform};
use baohan_protocol::money::Fen;
use baohan_protocol::notices::Notice;
use baohan_store::applications::AppRow;
use baohan_store::issuance::{Issue, IssuedDocument};
use chrono::{DateTime, Duration, FixedOffset, Months, NaiveDate, NaiveTime, TimeZone};

/// What issuing needs besides the application.
#[derive(Clone)]
pub struct Context {
    pub institution: String,
    pub bid_prefix: String,
    pub performance_prefix: String,
    pub face: Typeface,
    /// Signs the letter with the institution's certificate.
    pub signer: std::sync::Arc<baohan_pdfsign::Signer>,
    /// Each platform's adapter: renders what an issue is owed.
    pub adapters: Adapters,
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
    #[error(transparent)]
    Platform(#[from] UnknownPlatform),
}

/// `LYBH20260417000019`: the kind's prefix, the issue date, the serial.
/// Unique by the serial; readable by the date.
pub fn guarantee_no(prefix: &str, issued_at: &DateTime<FixedOffset>, serial: i64) -> String {
    format!("{prefix}{}{serial:06}", issued_at.format("%Y%m%d"))
}

fn day_start(d: NaiveDate, tz: FixedOffset) -> Option<DateTime<FixedOffset>> {
    tz.from_local_datetime(&d.and_time(NaiveTime::MIN)).single()
}

/// The guarantee's period.
///
/// - A bid guarantee: from the issue until the bid validity ends, its days
///   after the bid opening.
/// - A performance guarantee: the dates asked for (the first day's start to
///   the last day's end), or else its months from the issue day.
pub fn validity(
    app: &AppRow,
    issued_at: DateTime<FixedOffset>,
) -> Result<(DateTime<FixedOffset>, DateTime<FixedOffset>), String> {
    let tz = *issued_at.offset();
    let last_second = Duration::seconds(1);
    match &app.details.terms {
        Asked::Bid(b) => {
            let end = b.bid_opening + Duration::days(i64::from(b.validity_days));
            if end <= issued_at {
                return Err(format!("the bid validity ended at {end}, before the issue"));
            }
            Ok((issued_at, end.with_timezone(&tz)))
        }
        Asked::Performance(p) => {
            let (start, end) = match (p.start, p.end) {
                (Some(s), Some(e)) => (s, e.succ_opt().ok_or("the period's end")?),
                _ => {
                    let s = issued_at.date_naive();
                    (
                        s,
                        s.checked_add_months(Months::new(p.months))
                            .ok_or("the period's months are out of range")?,
                    )
                }
            };
            let from = day_start(start, tz).ok_or("the period's start")?;
            let to = day_start(end, tz).ok_or("the period's end")? - last_second;
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
    let kind = match &d.terms {
        Asked::Bid(_) => Kind::Bid,
        Asked::Performance(_) => Kind::Performance,
    };
    if d.beneficiary.name.is_empty() {
        return Err("the beneficiary is missing".into());
    }
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
            name: d.beneficiary.name.clone(),
            credit_code: d.beneficiary.code.clone().filter(|c| !c.is_empty()),
        },
        guarantor: cx.institution.clone(),
        project_code: app.project_code.clone().unwrap_or_default(),
        project_name: app.project_name.clone().unwrap_or_default(),
        section_code: d.section.clone(),
        section_name: d.section_name.clone(),
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
    let adapter = cx.adapters.get(&app.platform_id)?;
    let prefix = match &app.details.terms {
        Asked::Bid(_) => &cx.bid_prefix,
        Asked::Performance(_) => &cx.performance_prefix,
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
        principal: app.applicant_name.clone(),
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
        callbacks: adapter.render(&app.external_no, &notice, issued_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use baohan_domain::Protocol;
    use baohan_domain::application::Status;
    use baohan_domain::details::Details;
    use serde_json::{Value, json};

    fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<FixedOffset> {
        baohan_protocol::time::shanghai()
            .with_ymd_and_hms(y, m, d, h, mi, s)
            .unwrap()
    }

    /// A row as the first release wrote it: the wire's keys, read by the
    /// one accessor.
    fn details(mut v1: Value, more: Value) -> Details {
        for (k, v) in more.as_object().unwrap() {
            v1[k] = v.clone();
        }
        v1["section"] = json!("S1");
        v1["decision"] = json!({"outcome": "approve"});
        Details::from_json(&v1).unwrap()
    }

    fn bid(more: Value) -> Details {
        details(json!({"zbr": "某招标人", "reckonpriceFen": 1}), more)
    }

    fn performance(more: Value) -> Details {
        details(
            json!({"purchaseName": "某采购人", "bidAmountFen": 1, "guaranteeMonths": 12}),
            more,
        )
    }

    fn app(protocol: Protocol, details: Details) -> AppRow {
        AppRow {
            id: uuid::Uuid::nil(),
            platform_id: format!("{protocol}-demo"),
            protocol,
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
            Protocol::Fujian,
            bid(json!({"kaibiaotime": "2026-04-20T09:30:00+08:00", "tbyxq": 90})),
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
            Protocol::Ely,
            performance(
                json!({"guaranteeStartDate": "2026-04-20", "guaranteeEndDate": "2027-04-19"}),
            ),
        );
        let issued = at(2026, 4, 17, 10, 36, 52);
        assert_eq!(
            validity(&given, issued).unwrap(),
            (at(2026, 4, 20, 0, 0, 0), at(2027, 4, 19, 23, 59, 59))
        );
        let months = app(Protocol::Ely, performance(json!({})));
        assert_eq!(
            validity(&months, issued).unwrap(),
            (at(2026, 4, 17, 0, 0, 0), at(2027, 4, 16, 23, 59, 59))
        );
        // A row without its months cannot be read at all, so never issued.
        assert!(
            Details::from_json(&json!({"section": "S1", "purchaseName": "p",
            "bidAmountFen": 1, "decision": {"outcome": "approve"}}))
            .is_err()
        );
    }
}
