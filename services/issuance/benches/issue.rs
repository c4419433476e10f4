//! What one issue costs in CPU, without the store: the letter (PDF with
//! the CJK font subset), its SM2 signature (CMS in an incremental update),
//! the application form, the XML and the MD5s, and the callback. The
//! store's part (one transaction) is measured by the system benchmark in
//! the README.
//!
//!     cargo bench -p issuance
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baohan_config::Settings;
use baohan_domain::application::Status;
use baohan_letter::pdf::Typeface;
use baohan_store::applications::AppRow;
use chrono::TimeZone;
use criterion::{Criterion, criterion_group, criterion_main};
use issuance::documents::{Context, make};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

fn context() -> Context {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/local.toml");
    let settings = Settings::load_with_env(&config, []).unwrap();
    let i = &settings.issuance;
    Context {
        institution: settings.institution.name.clone(),
        bid_prefix: i.bid_prefix.clone(),
        performance_prefix: i.performance_prefix.clone(),
        face: Typeface::load(&i.font_path, i.font_index).unwrap(),
        signer: Arc::new(
            baohan_pdfsign::Signer::load(
                i.signing_cert.as_deref().unwrap().as_bytes(),
                i.signing_key.as_ref().unwrap().expose(),
            )
            .unwrap(),
        ),
        adapters: settings.adapters(),
    }
}

fn application() -> AppRow {
    AppRow {
        id: uuid::Uuid::new_v4(),
        platform_id: "ely-demo".into(),
        protocol: baohan_domain::Protocol::Ely,
        external_no: "ZCLY2026041500000731".into(),
        status: Status::Paid,
        applicant_name: "福建榕信示范信息技术有限公司".into(),
        applicant_credit_code: "91350100MA2Y8K3X1B".into(),
        project_code: Some("FJZC-2026-0415".into()),
        project_name: Some("示范信息化运维服务项目".into()),
        guarantee_amount_fen: 11_980_000,
        premium_fen: Some(23_960),
        details: baohan_domain::details::Details::from_json(&json!({
            "section": "FJZC-2026-0415-01", "bidCode": "FJZC-2026-0415-01", "bidName": "第一包",
            "purchaseName": "福州市示范采购中心", "purchaseSocCode": "12350100MB0123456X",
            "guaranteeMonths": 12, "bidAmountFen": 11_980_000, "purchaseNature": "服务类",
            "needPaper": "0", "decision": {"outcome": "approve"},
        }))
        .unwrap(),
        created_at: chrono::Utc::now(),
    }
}

fn bench(c: &mut Criterion) {
    let cx = context();
    let app = application();
    let at = baohan_protocol::time::shanghai()
        .with_ymd_and_hms(2026, 4, 17, 10, 36, 52)
        .unwrap();
    let mut serial = 0;
    c.bench_function("issue: letter, signature, form, XML, MD5s, callback", |b| {
        b.iter(|| {
            serial += 1;
            make(&app, serial, &cx, at).unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
