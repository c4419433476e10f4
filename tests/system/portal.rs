//! From application to paid, for both platforms, driven only as a
//! platform (the ingress), a bidder (the portal's JSON API) and an
//! operator (the ops API) would drive it, on the real broker and database.
//! Each test checks the callback rows produced, field by field.

use crate::harness::{self, TestApp};
use baohan_protocol::ely::Transcode;
use baohan_protocol::fujian::Interface;
use baohan_service::Service;
use baohan_tests::client::{Connection, Response};
use baohan_tests::platform::plain;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The local config's operators (config/local.toml), by token.
pub const OPS_ADMIN: &str = "ops-admin-token-DEV-ONLY";
pub const OPS_CHECKER: &str = "ops-checker-token-DEV-ONLY";
pub const OPS_VIEWER: &str = "ops-viewer-token-DEV-ONLY";
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

/// The ingress, underwriting and the portal of one test.
pub struct Stack {
    pub app: TestApp,
    pub portal: SocketAddr,
    pub ops: SocketAddr,
    /// Underwriting's /healthz, /readyz, /metrics.
    pub underwriting: SocketAddr,
    /// The refunds worker's.
    pub refunds: SocketAddr,
    services: Vec<(CancellationToken, tokio::task::JoinHandle<()>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Fujian,
    Ely,
}

impl Platform {
    pub fn id(self) -> &'static str {
        match self {
            Platform::Fujian => "fujian-demo",
            Platform::Ely => "ely-demo",
        }
    }

    /// The bidder's name as the fixture sends it: the payer must match.
    pub fn bidder(self) -> &'static str {
        match self {
            Platform::Fujian => "福建闽榕示范建设工程有限公司",
            Platform::Ely => "福建榕信示范信息技术有限公司",
        }
    }
}

/// What an application varies in these tests.
pub struct Apply<'a> {
    pub no: &'a str,
    pub amount: &'a str,
    /// A section of its own, so that applications do not count as
    /// duplicates of each other.
    pub section: &'a str,
    /// ELY: a legal ID number with a wrong check digit. Fujian: a bid
    /// opening in the past.
    pub bad: bool,
}

impl Stack {
    pub async fn start() -> Stack {
        Stack::start_with(|_| {}).await
    }

    /// The services get `adjust`; the ingress does not.
    pub async fn start_with(adjust: impl Fn(&mut baohan_config::Settings)) -> Stack {
        Stack::start_from(TestApp::spawn().await, adjust).await
    }

    /// Every service, the ingress too, gets `adjust`.
    pub async fn start_all_with(adjust: impl Fn(&mut baohan_config::Settings)) -> Stack {
        Stack::start_from(TestApp::spawn_with(&adjust).await, adjust).await
    }

    async fn start_from(app: TestApp, adjust: impl Fn(&mut baohan_config::Settings)) -> Stack {
        let mut services = Vec::new();
        let mut settings = app.settings();
        adjust(&mut settings);
        let uw = underwriting::build(settings).await.unwrap();
        let underwriting = uw.local_addr();
        let stop = CancellationToken::new();
        services.push((stop.clone(), tokio::spawn(uw.run_until_stopped(stop))));
        // giveupnotice, quits and cancellations.
        let mut settings = app.settings();
        adjust(&mut settings);
        let refunds = refunds::build(settings).await.unwrap();
        let refunds_addr = refunds.local_addr();
        let stop = CancellationToken::new();
        services.push((stop.clone(), tokio::spawn(refunds.run_until_stopped(stop))));
        let mut settings = app.settings();
        adjust(&mut settings);
        let portal = portal::Application::build(settings).await.unwrap();
        let (portal_addr, ops_addr) = (portal.local_addr(), portal.ops_addr());
        let stop = CancellationToken::new();
        services.push((stop.clone(), tokio::spawn(portal.run_until_stopped(stop))));
        Stack {
            app,
            portal: portal_addr,
            ops: ops_addr,
            underwriting,
            refunds: refunds_addr,
            services,
        }
    }

    pub async fn stop(self) {
        for (stop, task) in self.services {
            stop.cancel();
            task.await.unwrap();
        }
        let _ = std::fs::remove_file(self.app.sms_path());
        let _ = std::fs::remove_file(self.app.payouts_path());
        self.app.stop().await;
    }

    pub async fn bidder(&self) -> Connection {
        Connection::open(self.portal).await.unwrap()
    }

    /// Sends an application as the platform would; asserts it is accepted.
    pub async fn apply(&self, p: Platform, a: Apply<'_>) {
        let mut c = self.app.conn().await;
        match p {
            Platform::Ely => {
                let mut f = plain("ely", "ELY101");
                f.insert("applicationId".into(), json!(a.no));
                f.insert("performanceBou".into(), json!(a.amount));
                f.insert("bidCode".into(), json!(a.section));
                if a.bad {
                    f.insert("legalIdNo".into(), json!("350104197203050571"));
                }
                let r = c
                    .post("/ely", self.app.ely.body(Transcode::Ely101, &f))
                    .await
                    .unwrap();
                assert_eq!(self.app.ely.open_response(&r.body).0.code.code(), "000");
            }
            Platform::Fujian => {
                let mut f = plain("fujian", "baohanapply");
                let at = |days: i64| {
                    let t = baohan_protocol::time::now() + chrono::Duration::days(days);
                    json!(baohan_protocol::time::Shape::Dashed.format(&t))
                };
                f.insert("applyno".into(), json!(a.no));
                f.insert("bzjamount".into(), json!(a.amount));
                f.insert("biaoduanno".into(), json!(a.section));
                let (end, open) = if a.bad { (-2, -1) } else { (5, 6) };
                f.insert("bzjendtime".into(), at(end));
                f.insert("kaibiaotime".into(), at(open));
                let r = c
                    .post(
                        "/fujian/baohanapply",
                        self.app.fujian.body(Interface::Baohanapply, &f),
                    )
                    .await
                    .unwrap();
                assert_eq!(r.json()["code"], json!(1), "{}", r.json());
            }
        }
    }

    /// An ops call as ops-admin (every role).
    pub async fn ops(&self, method: &str, path: &str, body: Option<Value>) -> Response {
        self.ops_as(OPS_ADMIN, method, path, body).await
    }

    pub async fn ops_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut c = Connection::open(self.ops).await.unwrap();
        let auth = format!("Bearer {token}");
        let headers = [
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ];
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        c.send_with(method, path, &headers, body).await.unwrap()
    }

    pub async fn ops_application(&self, p: Platform, no: &str) -> Response {
        self.ops(
            "GET",
            &format!("/ops/applications?platform={}&external_id={no}", p.id()),
            None,
        )
        .await
    }

    /// Waits for underwriting (or anyone) to move the application to
    /// `status`; returns the ops view.
    pub async fn wait_for(&self, p: Platform, no: &str, status: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..300 {
            let r = self.ops_application(p, no).await;
            if r.status == 200 {
                last = r.json();
                if last["status"] == json!(status) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{no} never became {status}: {last}");
    }

    /// The token in the application's portal_url.
    pub async fn token(&self, p: Platform, no: &str) -> String {
        let view = self.ops_application(p, no).await.json();
        let url = view["portal_url"].as_str().expect("portal_url");
        url.rsplit('/').next().unwrap().to_owned()
    }

    pub async fn callbacks(&self, p: Platform, no: &str) -> Vec<(String, Value)> {
        self.app.store.callbacks_for(p.id(), no).await.unwrap()
    }
}

pub fn profile(p: Platform) -> Value {
    json!({
        "biddercontact": "林晓燕",
        "biddercontacttel": "13950187462",
        "bidderaddress": "福建省福州市仓山区浦上大道示范科技园3号楼5层",
        "bidderemail": "lin@example.com",
        "bidderpersonname": "陈志强",
        "bidderpersoncard": "350104197203050570",
        "bidderpersontel": "0591-87654321",
        "payername": p.bidder(),
        "payeraccount": "35050187000100012857",
    })
}

/// The bidder completes the profile and both uploads.
pub async fn complete(c: &mut Connection, token: &str, p: Platform) {
    let r = c
        .send(
            "PUT",
            &format!("/api/applications/{token}/profile"),
            Some("application/json"),
            profile(p).to_string().into_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.json());
    assert_eq!(
        r.json()["profile"]["bidderpersoncard"],
        json!("350**************0")
    );
    for (kind, ct, bytes) in [
        ("qualification", "application/pdf", PDF),
        ("businesslicense", "image/png", PNG),
    ] {
        let r = upload(c, token, kind, ct, bytes.to_vec()).await;
        assert_eq!(r.status, 200, "{}", r.json());
        assert_eq!(r.json()["size"], json!(bytes.len()));
    }
}

pub async fn upload(
    c: &mut Connection,
    token: &str,
    kind: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Response {
    c.send(
        "PUT",
        &format!("/api/applications/{token}/documents/{kind}"),
        Some(content_type),
        body,
    )
    .await
    .unwrap()
}

pub async fn pay(c: &mut Connection, token: &str, provider: &str) -> Response {
    c.post(
        &format!("/api/applications/{token}/payments"),
        json!({ "provider": provider }).to_string().into_bytes(),
    )
    .await
    .unwrap()
}

/// ELY102 `05`, field by field.
fn assert_paid_notice(payload: &Value, no: &str, amount: &str) {
    // jsonb keeps keys in its own order; the set is what matters.
    let mut keys: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "applicationId",
            "applicationStatus",
            "payAmt",
            "payTime",
            "payType"
        ]
    );
    assert_eq!(payload["applicationId"], json!(no));
    assert_eq!(payload["applicationStatus"], json!("05"));
    assert_eq!(payload["payAmt"], json!(amount));
    assert_eq!(payload["payType"], json!("01"));
    let at = payload["payTime"].as_str().unwrap();
    assert!(
        baohan_protocol::time::Shape::Dashed.parse(at).is_some(),
        "{at}"
    );
}

/// The first SMS the portal's sender wrote to the file sink.
pub async fn first_sms(s: &Stack) -> Value {
    for _ in 0..100 {
        let sms = std::fs::read_to_string(s.app.sms_path()).unwrap_or_default();
        if let Some(line) = sms.lines().next() {
            return serde_json::from_str(line).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no sms was sent");
}

fn approved(no: &str) -> (String, Value) {
    (
        "ELY102".into(),
        json!({"applicationId": no, "applicationStatus": "01"}),
    )
}

/// apply → approved → profile + documents + sandbox payment → paid.
async fn paid_through_the_sandbox(p: Platform, no: &str) {
    let _broker = harness::shared().await;
    let s = Stack::start().await;
    let amount = "119800.00";
    s.apply(
        p,
        Apply {
            no,
            amount,
            section: "S-SANDBOX",
            bad: false,
        },
    )
    .await;
    let view = s.wait_for(p, no, "approved").await;
    let token = s.token(p, no).await;
    let mut c = s.bidder().await;
    let r = c.get(&format!("/api/applications/{token}")).await.unwrap();
    assert_eq!(r.status, 200);
    let summary = r.json();
    assert_eq!(summary["status"], json!("approved"));
    assert_eq!(summary["external_id"], json!(no));
    // 119800.00 yuan: 2‰ (ely) is 239.60; 1.5‰ (fujian) is 179.70.
    let (premium_fen, premium) = match p {
        Platform::Ely => (23_960, "239.60"),
        Platform::Fujian => (17_970, "179.70"),
    };
    assert_eq!(summary["premium_fen"], json!(premium_fen));
    assert_eq!(view["premium_fen"], json!(premium_fen));
    assert_eq!(
        summary["missing"].as_array().unwrap().len(),
        11,
        "nine profile fields and two uploads"
    );

    // Paying before the profile is complete names what is missing.
    let r = pay(&mut c, &token, "sandbox").await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"]["code"], json!("missing"));
    assert_eq!(r.json()["error"]["field"], json!("biddercontact"));

    complete(&mut c, &token, p).await;
    let r = pay(&mut c, &token, "sandbox").await;
    assert_eq!(r.status, 201, "{}", r.json());
    assert_eq!(r.json()["status"], json!("paid"));
    assert!(r.json()["gateway_ref"].as_str().unwrap().starts_with("SBX"));
    // Paying twice is refused, and nothing changes.
    let again = pay(&mut c, &token, "sandbox").await;
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["error"]["code"], json!("illegal_transition"));

    let view = s.wait_for(p, no, "paid").await;
    let payments = view["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["amount_fen"], json!(premium_fen));
    let owed = s.callbacks(p, no).await;
    match p {
        Platform::Ely => {
            assert_eq!(owed.len(), 2, "{owed:?}");
            assert_eq!(owed[0], approved(no));
            assert_eq!(owed[1].0, "ELY102");
            assert_paid_notice(&owed[1].1, no, premium);
            // The payment link reached the bidder by SMS, number masked.
            let line = first_sms(&s).await;
            assert_eq!(line["to"], json!("139****7462"));
            assert!(line["text"].as_str().unwrap().contains(&token));
        }
        // Fujian is told nothing before issuance.
        Platform::Fujian => assert_eq!(owed, []),
    }
    let events: Vec<&str> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "receive",
            "approve",
            "profile",
            "upload",
            "upload",
            "payment_started",
            "pay"
        ]
    );
    s.stop().await;
}

#[tokio::test]
async fn ely_apply_approve_complete_and_pay_in_the_sandbox() {
    paid_through_the_sandbox(Platform::Ely, "ELY-PAY-1").await;
}

#[tokio::test]
async fn fujian_apply_approve_complete_and_pay_in_the_sandbox() {
    paid_through_the_sandbox(Platform::Fujian, "FJ-PAY-1").await;
}

/// A bank transfer: the voucher is required, the payment waits, and ops
/// confirm it.
async fn paid_by_transfer(p: Platform, no: &str) {
    let _broker = harness::shared().await;
    let s = Stack::start().await;
    s.apply(
        p,
        Apply {
            no,
            amount: "200000.00",
            section: "S-TRANSFER",
            bad: false,
        },
    )
    .await;
    s.wait_for(p, no, "approved").await;
    let token = s.token(p, no).await;
    let mut c = s.bidder().await;
    complete(&mut c, &token, p).await;
    let r = pay(&mut c, &token, "transfer").await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"]["field"], json!("voucher"));
    let r = upload(
        &mut c,
        &token,
        "voucher",
        "image/jpeg",
        b"\xFF\xD8\xFF\xE0voucher".to_vec(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json());
    let r = pay(&mut c, &token, "transfer").await;
    assert_eq!(r.status, 202, "{}", r.json());
    assert_eq!(r.json()["status"], json!("pending"));
    let payment = r.json()["id"].as_str().unwrap().to_owned();
    // Waiting: still approved, nothing owed for the payment yet.
    let before = s.callbacks(p, no).await;
    let view = s.ops_application(p, no).await.json();
    assert_eq!(view["status"], json!("approved"));

    // Without the token, nothing.
    let mut anon = Connection::open(s.ops).await.unwrap();
    let r = anon
        .send(
            "POST",
            &format!("/ops/payments/{payment}/confirm"),
            Some("application/json"),
            b"{\"operator\":\"mallory\"}".to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 401);

    // The maker records what the statement shows: still pending.
    let confirm = format!("/ops/payments/{payment}/confirm");
    let approve = format!("/ops/payments/{payment}/approve");
    let r = s.ops("POST", &confirm, None).await;
    assert_eq!(r.status, 200, "{}", r.json());
    assert_eq!(r.json()["payment"]["status"], json!("pending"));
    assert_eq!(r.json()["payment"]["recorded_by"], json!("ops-admin"));
    assert_eq!(
        s.ops_application(p, no).await.json()["status"],
        json!("approved")
    );
    // The maker cannot approve it too.
    let r = s.ops("POST", &approve, None).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"]["code"], json!("same_operator"));
    // Another operator approves: paid.
    let r = s.ops_as(OPS_CHECKER, "POST", &approve, None).await;
    assert_eq!(r.status, 200, "{}", r.json());
    assert_eq!(r.json()["application"]["status"], json!("paid"));
    assert_eq!(r.json()["payment"]["confirmed_by"], json!("ops-checker"));
    assert_eq!(r.json()["payment"]["recorded_by"], json!("ops-admin"));
    // Approving twice changes nothing.
    let r = s.ops_as(OPS_CHECKER, "POST", &approve, None).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"]["code"], json!("payment_not_pending"));

    let view = s.wait_for(p, no, "paid").await;
    let timeline = view["timeline"].as_array().unwrap();
    let last = timeline.last().unwrap().clone();
    assert_eq!(last["actor"], json!("ops:ops-checker"));
    assert_eq!(last["event"], json!("pay"));
    assert!(
        timeline
            .iter()
            .any(|h| h["event"] == json!("transfer_recorded")
                && h["actor"] == json!("ops:ops-admin"))
    );
    let owed = s.callbacks(p, no).await;
    match p {
        Platform::Ely => {
            assert_eq!(before, [approved(no)]);
            assert_eq!(owed.len(), 2);
            // 200000.00 yuan at 2‰.
            assert_paid_notice(&owed[1].1, no, "400.00");
        }
        Platform::Fujian => assert_eq!(owed, []),
    }
    s.stop().await;
}

#[tokio::test]
async fn ely_bank_transfer_confirmed_by_ops() {
    paid_by_transfer(Platform::Ely, "ELY-TRF-1").await;
}

#[tokio::test]
async fn fujian_bank_transfer_confirmed_by_ops() {
    paid_by_transfer(Platform::Fujian, "FJ-TRF-1").await;
}

/// A rejection by the rules, and a referral decided through the ops API.
async fn rejected_and_referred(p: Platform, rejected: &str, referred: &str) {
    let _broker = harness::shared().await;
    let s = Stack::start().await;
    s.apply(
        p,
        Apply {
            no: rejected,
            amount: "50000.00",
            section: "S-REJECT",
            bad: true,
        },
    )
    .await;
    // Above refer_above_fen (3,000,000.00 yuan): a person decides.
    s.apply(
        p,
        Apply {
            no: referred,
            amount: "3500000.00",
            section: "S-REFER",
            bad: false,
        },
    )
    .await;
    s.wait_for(p, rejected, "rejected").await;
    s.wait_for(p, referred, "referred").await;
    let owed = s.callbacks(p, rejected).await;
    assert_eq!(owed.len(), 1, "{owed:?}");
    let (interface, payload) = &owed[0];
    match p {
        Platform::Ely => {
            assert_eq!(interface, "ELY102");
            assert_eq!(payload["applicationId"], json!(rejected));
            assert_eq!(payload["applicationStatus"], json!("02"));
            let reason = payload["failReason"].as_str().unwrap();
            assert!(reason.starts_with("legalIdNo: 身份证号码无效"), "{reason}");
            assert_eq!(payload.as_object().unwrap().len(), 3);
        }
        Platform::Fujian => {
            assert_eq!(interface, "baohannotice");
            assert_eq!(payload["applyno"], json!(rejected));
            assert_eq!(payload["baohanno"], json!(rejected));
            assert_eq!(payload["instname"], json!("示范融资担保有限公司"));
            assert_eq!(payload["applystatus"], json!("0"));
            let at = payload["generatetime"].as_str().unwrap();
            assert!(baohan_protocol::time::Shape::Dashed.parse(at).is_some());
            assert_eq!(payload.as_object().unwrap().len(), 5);
        }
    }
    // The bidder's page says why.
    let token = s.token(p, rejected).await;
    let r = s
        .bidder()
        .await
        .get(&format!("/api/applications/{token}"))
        .await
        .unwrap();
    assert_eq!(r.json()["status"], json!("rejected"));

    // The referral: listed, owed nothing yet, then decided.
    assert_eq!(s.callbacks(p, referred).await, []);
    let list = s.ops("GET", "/ops/referrals", None).await.json();
    let item = list["referrals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["external_id"] == json!(referred))
        .expect("listed")
        .clone();
    assert!(item["reason"].as_str().unwrap().contains("人工审核"));
    let id = item["id"].as_str().unwrap();
    let r = s
        .ops(
            "POST",
            &format!("/ops/referrals/{id}/decision"),
            Some(json!({"decision": "maybe", "reason": "x"})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["field"], json!("decision"));
    let approve = p == Platform::Ely;
    let decision = if approve { "approve" } else { "reject" };
    let r = s
        .ops(
            "POST",
            &format!("/ops/referrals/{id}/decision"),
            Some(json!({"decision": decision, "reason": "已核实中标通知书"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json());
    // Deciding again is refused: it is no longer referred.
    let r2 = s
        .ops(
            "POST",
            &format!("/ops/referrals/{id}/decision"),
            Some(json!({"decision": decision, "reason": "again"})),
        )
        .await;
    assert_eq!(r2.status, 409);
    let view = s
        .wait_for(p, referred, if approve { "approved" } else { "rejected" })
        .await;
    let last = view["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], json!("ops:ops-admin"));
    assert_eq!(last["note"], json!("已核实中标通知书"));
    let owed = s.callbacks(p, referred).await;
    match p {
        Platform::Ely => assert_eq!(owed, [approved(referred)]),
        Platform::Fujian => {
            assert_eq!(owed.len(), 1);
            assert_eq!(owed[0].0, "baohannotice");
            assert_eq!(owed[0].1["applystatus"], json!("0"));
            assert_eq!(owed[0].1["applyno"], json!(referred));
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn ely_rejection_and_a_referral_decided_by_ops() {
    rejected_and_referred(Platform::Ely, "ELY-REJ-1", "ELY-REF-1").await;
}

#[tokio::test]
async fn fujian_rejection_and_a_referral_decided_by_ops() {
    rejected_and_referred(Platform::Fujian, "FJ-REJ-1", "FJ-REF-1").await;
}

/// Bad profile input and bad uploads: a 4xx naming the field, and nothing
/// stored.
async fn bad_input_is_refused(p: Platform, no: &str) {
    let _broker = harness::shared().await;
    let s = Stack::start_with(|s| s.portal.max_upload_bytes = 64 << 10).await;
    s.apply(
        p,
        Apply {
            no,
            amount: "119800.00",
            section: "S-BAD",
            bad: false,
        },
    )
    .await;
    s.wait_for(p, no, "approved").await;
    let token = s.token(p, no).await;
    let mut c = s.bidder().await;
    let put = |body: Value| body.to_string().into_bytes();
    let path = format!("/api/applications/{token}/profile");

    let mut bad_id = profile(p);
    bad_id["bidderpersoncard"] = json!("350104197203050571");
    let r = c
        .send("PUT", &path, Some("application/json"), put(bad_id))
        .await
        .unwrap();
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["field"], json!("bidderpersoncard"));

    let mut missing = profile(p);
    missing.as_object_mut().unwrap().remove("bidderemail");
    let r = c
        .send("PUT", &path, Some("application/json"), put(missing))
        .await
        .unwrap();
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["field"], json!("bidderemail"));

    let mut other_payer = profile(p);
    other_payer["payername"] = json!("别的公司");
    let r = c
        .send("PUT", &path, Some("application/json"), put(other_payer))
        .await
        .unwrap();
    assert_eq!(r.json()["error"]["field"], json!("payername"));

    let r = c
        .send("PUT", &path, Some("application/json"), b"[1]".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["field"], json!("body"));

    let mut big = PDF.to_vec();
    big.resize((64 << 10) + 1, b' ');
    let r = upload(&mut c, &token, "qualification", "application/pdf", big).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["error"]["field"], json!("qualification"));

    let r = upload(&mut c, &token, "businesslicense", "image/png", PDF.to_vec()).await;
    assert_eq!(r.status, 422, "a PDF declared as PNG");
    assert_eq!(r.json()["error"]["field"], json!("businesslicense"));
    let r = upload(
        &mut c,
        &token,
        "businesslicense",
        "text/plain",
        b"hello".to_vec(),
    )
    .await;
    assert_eq!(r.status, 422);

    let r = upload(&mut c, &token, "passport", "application/pdf", PDF.to_vec()).await;
    assert_eq!(r.status, 404);
    let r = c
        .get("/api/applications/0000000000000000000000000000000000000000000000000000000000000000")
        .await
        .unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], json!("not_found"));

    // Nothing of it was stored.
    let client = s.app.store.client().await.unwrap();
    let count = |sql: &'static str| {
        let client = &client;
        async move { client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(
        count(
            "select count(*) from personal_data where field like 'bidder%' or field like 'payer%'"
        )
        .await,
        0
    );
    assert_eq!(count("select count(*) from documents").await, 0);
    let view = s.ops_application(p, no).await.json();
    assert_eq!(view["status"], json!("approved"));
    assert_eq!(view["timeline"].as_array().unwrap().len(), 2);
    s.stop().await;
}

#[tokio::test]
async fn ely_bad_profile_input_is_refused_and_nothing_stored() {
    bad_input_is_refused(Platform::Ely, "ELY-BAD-1").await;
}

#[tokio::test]
async fn fujian_bad_profile_input_is_refused_and_nothing_stored() {
    bad_input_is_refused(Platform::Fujian, "FJ-BAD-1").await;
}
