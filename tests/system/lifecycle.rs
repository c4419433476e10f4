//! The whole lifecycle, per platform, through the public endpoints only:
//! a platform applies and queries, the bidder pays on the portal, the
//! platform claims, quits, cancels and invalidates; the platform stub
//! checks every callback against the spec's message types, and the tests
//! assert their exact fields.

use crate::harness;
use crate::issuance::Issuing;
use crate::portal::{self, Apply, Platform};
use crate::replay::counted;
use baohan_bus::WorkQueue;
use baohan_bus::replay::{Selection, replay};
use baohan_protocol::ely::Transcode;
use baohan_protocol::fujian::Interface;
use baohan_tests::client::Connection;
use baohan_tests::platform::plain;
use serde_json::{Map, Value, json};
use std::time::Duration;

fn b64(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}

impl Issuing {
    /// A Fujian call; the reply's JSON.
    async fn fujian(&self, interface: Interface, fields: &Map<String, Value>) -> Value {
        let r = self
            .s
            .app
            .conn()
            .await
            .post(
                &format!("/fujian/{}", interface.name()),
                self.s.app.fujian.body(interface, fields),
            )
            .await
            .unwrap();
        r.json()
    }

    /// An ELY call; `(code, message)` of the answer.
    async fn ely(&self, transcode: Transcode, fields: &Map<String, Value>) -> (String, String) {
        let r = self
            .s
            .app
            .conn()
            .await
            .post("/ely", self.s.app.ely.body(transcode, fields))
            .await
            .unwrap();
        let (wire, _) = self.s.app.ely.open_response(&r.body);
        (
            wire.code.code().to_owned(),
            wire.message.unwrap_or_default(),
        )
    }

    fn payouts(&self) -> Vec<Value> {
        std::fs::read_to_string(self.s.app.payouts_path())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    async fn status(&self, p: Platform, no: &str) -> String {
        let v = self.s.ops_application(p, no).await.json();
        v["status"].as_str().unwrap_or_default().to_owned()
    }

    async fn guarantee_status(&self, no: &str) -> String {
        let client = self.s.app.store.client().await.unwrap();
        client
            .query_one(
                "select g.status from guarantees g join applications a on a.id = g.application_id
                 where a.external_no = $1",
                &[&no],
            )
            .await
            .unwrap()
            .get(0)
    }
}

/// Waits until `worker` has handled `n` commands (`done`).
async fn wait_count(at: std::net::SocketAddr, worker: &str, n: u64) {
    for _ in 0..200 {
        if counted(at, worker, "done").await >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(counted(at, worker, "done").await, n, "{worker}");
}

fn download(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (addr, path) = rest.split_once('/').unwrap();
    (addr.to_owned(), format!("/{path}"))
}

/// The Fujian fields every claimsresultnotice carries: the institution
/// as payer, the 招标人 as beneficiary.
fn fujian_parties() -> Value {
    let i = harness::load().institution;
    json!({
        "compensatename": i.name,
        "compensateorgnum": i.credit_code,
        "compensatecontact": i.contact,
        "compensatecontacttel": i.contact_phone.expose(),
        "compensatebankcode": i.bank_account.expose(),
        "compensateopenbank": i.open_bank,
        "favoreename": "福州市鼓楼区城投示范建设发展有限公司",
        "favoreeorgnum": "913501021543862763",
        "favoreecontact": "周明辉",
        "favoreecontacttel": "18650718293",
        "favoreebankcode": "35050187000100012857",
        "favoreeopenbank": "中国建设银行股份有限公司福州鼓楼支行",
    })
}

#[tokio::test]
async fn fujian_issue_query_download_claim_pay_and_no_quit_after() {
    let _broker = harness::shared().await;
    let i = Issuing::start().await;
    i.through_issue(Platform::Fujian, "FJ-LC-1", "S-LC-1").await;
    let (g, docs) = i.guarantee("FJ-LC-1").await;
    let letter = &docs.iter().find(|d| d.0 == "letter").unwrap().2;

    // getbaohaninfo: every field, the letter in baohanfile.
    let mut q = plain("fujian", "getbaohaninfo");
    q.insert("applyno".into(), json!("FJ-LC-1"));
    q.insert("baohanno".into(), json!(g[0]));
    let r = i.fujian(Interface::Getbaohaninfo, &q).await;
    assert_eq!(r["code"], json!(1), "{r}");
    let data = r["data"].as_object().unwrap();
    // The bidder's profile, and every other field of the spec.
    let others = [
        "baohanurl",
        "baohanfile",
        "rate",
        "cost",
        "paytype",
        "tbysq",
        "servicebegintime",
        "serviceendtime",
        "orderurl",
        "ordermd5",
        "qualficationfileurl",
        "qualficationfilemd5",
        "businesslicenseurl",
        "businesslicensemd5",
        "guaranteemd5",
        "guaranteexmlurl",
        "guaranteexmlmd5",
        "payfileurl",
    ];
    for field in baohan_domain::profile::FIELDS.iter().chain(&others) {
        assert!(data.contains_key(*field), "{field} missing: {r}");
    }
    assert_eq!(data["baohanfile"], json!(b64(letter)));
    assert_eq!(
        data["guaranteemd5"],
        json!(baohan_letter::md5_upper(letter))
    );
    assert_eq!(data["servicebegintime"], json!(g[1]));
    assert_eq!(data["serviceendtime"], json!(g[2]));
    assert_eq!(data["payername"], json!(Platform::Fujian.bidder()));
    assert_eq!(data["rate"].as_str().map(|r| r.ends_with('%')), Some(true));
    // The signed URL serves the letter; altered, it is a 404.
    // The URL names the configured portal; this test's portal listens on
    // a port of its own.
    let (host, path) = download(data["baohanurl"].as_str().unwrap());
    assert_eq!(host, "127.0.0.1:8081");
    let mut c = Connection::open(i.s.portal).await.unwrap();
    let got = c.get(&path).await.unwrap();
    assert_eq!(got.status, 200);
    assert_eq!(got.body.as_ref(), letter.as_slice());
    let mut altered = path.clone().into_bytes();
    let n = altered.len();
    altered[n - 3] = if altered[n - 3] == b'A' { b'B' } else { b'A' };
    let got = c.get(std::str::from_utf8(&altered).unwrap()).await.unwrap();
    assert_eq!(got.status, 404);
    // The XML's URL and MD5 agree with what is stored.
    let (_, xml_path) = download(data["guaranteexmlurl"].as_str().unwrap());
    let xml = c.get(&xml_path).await.unwrap();
    assert_eq!(
        json!(baohan_letter::md5_upper(&xml.body)),
        data["guaranteexmlmd5"]
    );

    // claimsnotice: checked, accepted (1), paid at once (2).
    let mut claim = plain("fujian", "claimsnotice");
    claim.insert("applyno".into(), json!("FJ-LC-1"));
    claim.insert("baohanno".into(), json!(g[0]));
    claim.insert("payeramount".into(), json!("5000.00"));
    assert_eq!(
        i.fujian(Interface::Claimsnotice, &claim).await["code"],
        json!(1)
    );
    let got = i.received(3).await;
    let mut want = fujian_parties();
    want["applyno"] = json!("FJ-LC-1");
    want["baohanno"] = json!(g[0]);
    want["compensateamount"] = json!("5000.00");
    want["compensatestatus"] = json!("1");
    assert_eq!(got[1].interface, "claimsresultnotice");
    assert_eq!(Value::Object(got[1].fields.clone()), want);
    want["compensatestatus"] = json!("2");
    assert_eq!(Value::Object(got[2].fields.clone()), want);
    let paid = i.payouts();
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["purpose"], json!("claim"));
    assert_eq!(paid[0]["amount_fen"], json!(500_000));
    assert_eq!(i.status(Platform::Fujian, "FJ-LC-1").await, "claimed");
    assert_eq!(i.guarantee_status("FJ-LC-1").await, "claimed");

    // A quit after a paid claim: refused now, with the reason; nothing moves.
    let mut quit = plain("fujian", "quitapply");
    quit.insert("applyno".into(), json!("FJ-LC-1"));
    quit.insert("baohanno".into(), json!(g[0]));
    let r = i.fujian(Interface::Quitapply, &quit).await;
    assert_eq!(r["code"], json!(0));
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("保函状态为已理赔，不能退保"),
        "{r}"
    );
    // A second claim too.
    claim.insert("payeramount".into(), json!("100.00"));
    let r = i.fujian(Interface::Claimsnotice, &claim).await;
    assert_eq!(r["code"], json!(0));
    assert!(r["message"].as_str().unwrap().contains("已理赔"), "{r}");

    // Redelivery: every claim command again changes nothing.
    let before = (
        i.payouts().len(),
        i.s.callbacks(Platform::Fujian, "FJ-LC-1").await.len(),
    );
    let report = replay(
        &i.s.app.amqp,
        &i.s.app.topology,
        &Selection {
            queue: Some(WorkQueue::Claims),
            ..Selection::default()
        },
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.republished, 1, "{report:?}");
    wait_count(i.claims, "claims", 2).await;
    assert_eq!(
        (
            i.payouts().len(),
            i.s.callbacks(Platform::Fujian, "FJ-LC-1").await.len()
        ),
        before
    );
    assert_eq!(i.status(Platform::Fujian, "FJ-LC-1").await, "claimed");
    i.stop().await;
}

#[tokio::test]
async fn fujian_quit_refunds_the_premium_then_quitnotice_and_no_claim_after() {
    let _broker = harness::shared().await;
    let i = Issuing::start().await;
    i.through_issue(Platform::Fujian, "FJ-LC-2", "S-LC-2").await;
    let (g, _) = i.guarantee("FJ-LC-2").await;
    let mut quit = plain("fujian", "quitapply");
    quit.insert("applyno".into(), json!("FJ-LC-2"));
    quit.insert("baohanno".into(), json!(g[0]));
    assert_eq!(
        i.fujian(Interface::Quitapply, &quit).await["code"],
        json!(1)
    );
    let got = i.received(2).await;
    assert_eq!(got[1].interface, "quitnotice");
    assert_eq!(
        Value::Object(got[1].fields.clone()),
        json!({"applyno": "FJ-LC-2", "baohanno": g[0]})
    );
    // Before the bid opening: the whole premium back (the policy's 100%).
    let premium =
        i.s.ops_application(Platform::Fujian, "FJ-LC-2")
            .await
            .json()["premium_fen"]
            .clone();
    let paid = i.payouts();
    assert_eq!(paid.len(), 1, "{paid:?}");
    assert_eq!(paid[0]["purpose"], json!("refund"));
    assert_eq!(paid[0]["amount_fen"], premium);
    assert_eq!(i.status(Platform::Fujian, "FJ-LC-2").await, "surrendered");
    // A claim on the surrendered guarantee is refused at once.
    let mut claim = plain("fujian", "claimsnotice");
    claim.insert("applyno".into(), json!("FJ-LC-2"));
    claim.insert("baohanno".into(), json!(g[0]));
    claim.insert("payeramount".into(), json!("5000.00"));
    let r = i.fujian(Interface::Claimsnotice, &claim).await;
    assert_eq!(r["code"], json!(0));
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("保函状态为已退保，不能索赔"),
        "{r}"
    );
    // The identical quit again gets its first answer, and changes nothing.
    assert_eq!(
        i.fujian(Interface::Quitapply, &quit).await["code"],
        json!(1)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(i.payouts().len(), 1);
    assert_eq!(i.stub.received().len(), 2);
    i.stop().await;
}

#[tokio::test]
async fn ely_issue_claim_refused_then_paid_and_no_surrender_after() {
    let _broker = harness::shared().await;
    let i = Issuing::start().await;
    i.through_issue(Platform::Ely, "ELY-LC-1", "S-LC-3").await;
    let (g, _) = i.guarantee("ELY-LC-1").await;
    // A claim by someone who is not the beneficiary: received, refused (02).
    let mut claim = plain("ely", "ELY105");
    claim.insert("guaranteeId".into(), json!(g[0]));
    claim.insert("claimAmount".into(), json!("20000.00"));
    claim.insert("purchaseName".into(), json!("某不相干单位"));
    assert_eq!(i.ely(Transcode::Ely105, &claim).await.0, "000");
    let got = i.received(4).await;
    assert_eq!(got[3].interface, "ELY106");
    assert_eq!(
        Value::Object(got[3].fields.clone()),
        json!({"guaranteeId": g[0], "status": "02"})
    );
    // The beneficiary's claim: 00, then 01 with the payment.
    claim.insert("purchaseName".into(), json!("福州市榕华中学"));
    assert_eq!(i.ely(Transcode::Ely105, &claim).await.0, "000");
    let got = i.received(6).await;
    assert_eq!(
        Value::Object(got[4].fields.clone()),
        json!({"guaranteeId": g[0], "status": "00"})
    );
    let paid = got[5].fields.clone();
    assert_eq!(paid["status"], json!("01"));
    assert_eq!(paid["paymentMoney"], json!("20000.00"));
    assert_eq!(paid["paymentBeneficiary"], json!("福州市榕华中学"));
    assert_eq!(
        paid["paymentBeneficiarySocial"],
        json!("12350100488172614W")
    );
    assert!(
        paid["paymentTime"].as_str().unwrap().len() == 19,
        "{paid:?}"
    );
    let payouts = i.payouts();
    assert_eq!(payouts.len(), 1);
    assert_eq!(payouts[0]["amount_fen"], json!(2_000_000));
    assert_eq!(i.status(Platform::Ely, "ELY-LC-1").await, "claimed");
    // 退保 after the paid claim: ELY102 09 with the reason; state unchanged.
    let mut quit = plain("ely", "ELY109");
    quit.insert("applicationId".into(), json!("ELY-LC-1"));
    quit.insert("applicationType".into(), json!("01"));
    assert_eq!(i.ely(Transcode::Ely109, &quit).await.0, "000");
    let got = i.received(7).await;
    assert_eq!(
        Value::Object(got[6].fields.clone()),
        json!({"applicationId": "ELY-LC-1", "applicationStatus": "09",
               "failReason": "申请状态为已理赔，不能退保"})
    );
    assert_eq!(i.status(Platform::Ely, "ELY-LC-1").await, "claimed");
    assert_eq!(i.payouts().len(), 1);
    i.stop().await;
}

#[tokio::test]
async fn ely_invalidation_sends_ely108_and_a_claim_after_is_refused() {
    let _broker = harness::shared().await;
    let i = Issuing::start().await;
    i.through_issue(Platform::Ely, "ELY-LC-2", "S-LC-4").await;
    let (g, _) = i.guarantee("ELY-LC-2").await;
    let mut inv = plain("ely", "ELY107");
    inv.insert("guaranteeId".into(), json!(g[0]));
    assert_eq!(i.ely(Transcode::Ely107, &inv).await.0, "000");
    let got = i.received(4).await;
    assert_eq!(got[3].interface, "ELY108");
    let f = &got[3].fields;
    assert_eq!(f["guaranteeId"], json!(g[0]));
    assert_eq!(f["cancelDate"].as_str().unwrap().len(), 19);
    assert!(
        f["cancelNotice"].as_str().unwrap().contains("项目履约完成"),
        "{f:?}"
    );
    assert_eq!(i.status(Platform::Ely, "ELY-LC-2").await, "invalidated");
    assert_eq!(i.guarantee_status("ELY-LC-2").await, "invalidated");
    // Nothing refunded: the guarantee served its term.
    assert!(i.payouts().is_empty());
    // A claim on the cancelled guarantee: 203 with the reason, nothing moves.
    let mut claim = plain("ely", "ELY105");
    claim.insert("guaranteeId".into(), json!(g[0]));
    let (code, message) = i.ely(Transcode::Ely105, &claim).await;
    assert_eq!(code, "203");
    assert!(message.contains("保函状态为已失效，不能索赔"), "{message}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(i.stub.received().len(), 4);
    i.stop().await;
}

#[tokio::test]
async fn ely_cancel_before_issue_is_07_and_fujian_give_up_after_payment_refunds() {
    let _broker = harness::shared().await;
    let i = Issuing::start().await;
    // ELY: approved, not paid; 订单取消 → 07.
    i.s.apply(
        Platform::Ely,
        Apply {
            no: "ELY-LC-3",
            amount: "119800.00",
            section: "S-LC-5",
            bad: false,
        },
    )
    .await;
    i.s.wait_for(Platform::Ely, "ELY-LC-3", "approved").await;
    let mut cancel = plain("ely", "ELY109");
    cancel.insert("applicationId".into(), json!("ELY-LC-3"));
    cancel.insert("applicationType".into(), json!("02"));
    assert_eq!(i.ely(Transcode::Ely109, &cancel).await.0, "000");
    i.s.wait_for(Platform::Ely, "ELY-LC-3", "withdrawn").await;
    let got = i.received(2).await;
    assert_eq!(
        Value::Object(got[1].fields.clone()),
        json!({"applicationId": "ELY-LC-3", "applicationStatus": "07"})
    );
    // An unknown application: 203 now.
    cancel.insert("applicationId".into(), json!("ELY-LC-NOPE"));
    assert_eq!(i.ely(Transcode::Ely109, &cancel).await.0, "203");

    // Fujian: issued, then a give-up is refused (after issue); the
    // premium stays.
    i.through_issue(Platform::Fujian, "FJ-LC-3", "S-LC-6").await;
    let mut giveup = plain("fujian", "giveupnotice");
    giveup.insert("applyno".into(), json!("FJ-LC-3"));
    let r = i.fujian(Interface::Giveupnotice, &giveup).await;
    assert_eq!(r["code"], json!(0), "{r}");
    assert_eq!(i.status(Platform::Fujian, "FJ-LC-3").await, "issued");
    assert!(i.payouts().is_empty());
    i.stop().await;
}

/// Without issuance running, a paid application waits; a give-up then
/// withdraws it and refunds the whole premium, and Fujian is told nothing.
#[tokio::test]
async fn a_give_up_after_payment_before_issue_refunds_everything() {
    let _broker = harness::shared().await;
    let s = crate::portal::Stack::start().await;
    s.apply(
        Platform::Fujian,
        Apply {
            no: "FJ-LC-4",
            amount: "119800.00",
            section: "S-LC-7",
            bad: false,
        },
    )
    .await;
    s.wait_for(Platform::Fujian, "FJ-LC-4", "approved").await;
    let token = s.token(Platform::Fujian, "FJ-LC-4").await;
    let mut bidder = s.bidder().await;
    portal::complete(&mut bidder, &token, Platform::Fujian).await;
    assert_eq!(
        portal::pay(&mut bidder, &token, "sandbox").await.status,
        201
    );
    let view = s.wait_for(Platform::Fujian, "FJ-LC-4", "paid").await;
    let mut giveup = plain("fujian", "giveupnotice");
    giveup.insert("applyno".into(), json!("FJ-LC-4"));
    let r = s
        .app
        .conn()
        .await
        .post(
            "/fujian/giveupnotice",
            s.app.fujian.body(Interface::Giveupnotice, &giveup),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["code"], json!(1));
    s.wait_for(Platform::Fujian, "FJ-LC-4", "withdrawn").await;
    let mut ledger = Vec::new();
    for _ in 0..100 {
        ledger = std::fs::read_to_string(s.app.payouts_path())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .collect();
        if !ledger.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["purpose"], json!("refund"));
    assert_eq!(ledger[0]["amount_fen"], view["premium_fen"]);
    assert!(s.callbacks(Platform::Fujian, "FJ-LC-4").await.is_empty());
    s.stop().await;
}
