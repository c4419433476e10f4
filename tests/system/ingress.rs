//! The ingress against the real broker and database: every inbound
//! interface lands as exactly one command, and every class of bad input is
//! answered with its code and leaves nothing behind.

use crate::harness::{self, TestApp};
use baohan_bus::WorkQueue;
use baohan_protocol::ely::Transcode;
use baohan_protocol::fujian::Interface;
use baohan_protocol::wire::{Map, Value, WireMessage};
use baohan_tests::platform::{plain, to_body};
use serde_json::json;

/// Each inbound interface that becomes a command, the queue it goes to,
/// and the domain's command it is.
const FUJIAN_COMMANDS: &[(&str, WorkQueue, &str)] = &[
    ("baohanapply", WorkQueue::Underwriting, "apply"),
    ("giveupnotice", WorkQueue::Refunds, "withdraw"),
    ("quitapply", WorkQueue::Refunds, "surrender"),
    ("claimsnotice", WorkQueue::Claims, "claim"),
];
const ELY_COMMANDS: &[(&str, WorkQueue, &str)] = &[
    ("ELY101", WorkQueue::Underwriting, "apply"),
    ("ELY105", WorkQueue::Claims, "claim"),
    ("ELY107", WorkQueue::Refunds, "invalidate"),
    ("ELY109", WorkQueue::Refunds, "surrender"),
];

const SEEDED_APPLYNO: &str = "FJ-INGRESS-ISSUED";

/// The fixture's fields; a quit or a claim names the seeded application.
fn fujian_fields(name: &str) -> Map {
    let mut fields = plain("fujian", name);
    if matches!(name, "quitapply" | "claimsnotice") {
        fields.insert("applyno".into(), json!(SEEDED_APPLYNO));
    }
    fields
}

/// The issued guarantees the fixtures' claims, quits and invalidations
/// name (the ingress checks them before accepting).
async fn seed_fixture_guarantees(app: &TestApp) {
    // Fujian: on an application of its own, as the fixtures' giveupnotice
    // withdraws the fixtures' applyno (see `fujian_fields`).
    app.seed_issued(
        "fujian-demo",
        "fujian",
        SEEDED_APPLYNO,
        plain("fujian", "quitapply")["baohanno"].as_str().unwrap(),
    )
    .await;
    app.seed_issued(
        "ely-demo",
        "ely",
        plain("ely", "ELY109")["applicationId"].as_str().unwrap(),
        plain("ely", "ELY105")["guaranteeId"].as_str().unwrap(),
    )
    .await;
}

async fn inbound_rows(app: &TestApp) -> i64 {
    let client = app.store.client().await.unwrap();
    client
        .query_one("select count(*) from inbound_requests", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn every_inbound_call_lands_once_even_when_the_platform_retries() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    // The fixtures' quit and claims name these guarantees.
    seed_fixture_guarantees(&app).await;
    let mut c = app.conn().await;
    for &(name, _, _) in FUJIAN_COMMANDS {
        let interface = Interface::parse(name).unwrap();
        let fields = fujian_fields(name);
        // A platform that did not hear our answer sends the call again,
        // with a new timestamp and sign.
        for attempt in 0..2 {
            let r = c
                .post(
                    &format!("/fujian/{name}"),
                    app.fujian.body(interface, &fields),
                )
                .await
                .unwrap();
            assert_eq!(r.status, 200);
            let reply = r.json();
            assert_eq!(reply["code"], json!(1), "{name} attempt {attempt}: {reply}");
        }
    }
    for &(code, _, _) in ELY_COMMANDS {
        let transcode = Transcode::parse(code).unwrap();
        let business = plain("ely", code);
        for attempt in 0..2 {
            let r = c
                .post("/ely", app.ely.body(transcode, &business))
                .await
                .unwrap();
            let (response, data) = app.ely.open_response(&r.body);
            assert_eq!(
                response.code.code(),
                "000",
                "{code} attempt {attempt}: {response:?}"
            );
            assert!(data.is_none());
        }
    }
    let mut taken = Vec::new();
    for q in WorkQueue::ALL {
        taken.extend(app.take(q).await.into_iter().map(|m| (q, m)));
    }
    // Delivery is at least once: a retry that arrives before the first
    // confirm is marked in the journal republishes the same command id,
    // which the consumers deduplicate. What must hold is one command (one
    // id) per call.
    for &(name, queue, kind) in FUJIAN_COMMANDS.iter().chain(ELY_COMMANDS) {
        let on_queue: Vec<_> = taken
            .iter()
            .filter(|(q, m)| *q == queue && m.body["body"]["wire"]["interface"] == json!(name))
            .map(|(_, m)| m)
            .collect();
        let ids: std::collections::HashSet<_> = on_queue.iter().map(|m| &m.id).collect();
        assert_eq!(ids.len(), 1, "{name}: {on_queue:?}");
        let message = on_queue[0];
        // Routed by what it asks, whichever platform asked it.
        assert_eq!(message.routing_key, format!("command.{kind}"));
        let body = &message.body;
        assert_eq!(body["type"], json!("inbound.v2"));
        assert_eq!(body["body"]["command"]["kind"], json!(kind));
        // The command carries the decrypted fields, not the ciphertext,
        // typed, and the wire fields beside it for the journal.
        if name == "baohanapply" {
            let command = &body["body"]["command"];
            assert_eq!(
                command["project"]["name"],
                plain("fujian", name)["projectname"]
            );
            assert_eq!(command["amount"], json!(20_000_000));
            assert_eq!(
                body["body"]["wire"]["fields"]["projectname"],
                plain("fujian", name)["projectname"]
            );
            assert_eq!(
                body["body"]["wire"]["fields"]["appkey"],
                json!("FJDEMO0001")
            );
            assert_eq!(body["body"]["pay_token"].as_str().map(str::len), Some(64));
        }
    }
    assert_eq!(inbound_rows(&app).await, 8);
    app.stop().await;
}

#[tokio::test]
async fn a_repeated_application_gets_the_same_payurl() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let mut c = app.conn().await;
    let fields = plain("fujian", "baohanapply");
    let mut urls = Vec::new();
    for _ in 0..2 {
        let r = c
            .post(
                "/fujian/baohanapply",
                app.fujian.body(Interface::Baohanapply, &fields),
            )
            .await
            .unwrap();
        urls.push(r.json()["Payurl"].as_str().unwrap().to_owned());
    }
    assert_eq!(urls[0], urls[1]);
    let token = urls[0].strip_prefix("http://127.0.0.1:8081/pay/").unwrap();
    let commands = app.take(WorkQueue::Underwriting).await;
    assert_eq!(commands[0].body["body"]["pay_token"], json!(token));
    app.stop().await;
}

#[tokio::test]
async fn the_same_application_number_with_other_content_is_refused() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let mut c = app.conn().await;
    let mut fields = plain("ely", "ELY101");
    let first = c
        .post("/ely", app.ely.body(Transcode::Ely101, &fields))
        .await
        .unwrap();
    assert_eq!(app.ely.open_response(&first.body).0.code.code(), "000");
    fields.insert("bidAmount".into(), json!("1.00"));
    let second = c
        .post("/ely", app.ely.body(Transcode::Ely101, &fields))
        .await
        .unwrap();
    let (response, _) = app.ely.open_response(&second.body);
    assert_eq!(response.code.code(), "103");
    assert!(response.message.unwrap().contains("applicationId"));
    assert_eq!(app.take(WorkQueue::Underwriting).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_replayed_msgcode_with_other_content_is_refused() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    seed_fixture_guarantees(&app).await;
    let mut c = app.conn().await;
    let msgcode = baohan_protocol::ely::codec::new_msgcode();
    let first = app
        .ely
        .seal_with(Transcode::Ely105, &plain("ely", "ELY105"), msgcode.clone());
    let r = c.post("/ely", to_body(&first)).await.unwrap();
    assert_eq!(app.ely.open_response(&r.body).0.code.code(), "000");
    // A captured msgcode reused for another request.
    let replay = app
        .ely
        .seal_with(Transcode::Ely109, &plain("ely", "ELY109"), msgcode);
    let r = c.post("/ely", to_body(&replay)).await.unwrap();
    let (response, _) = app.ely.open_response(&r.body);
    assert_eq!(response.code.code(), "103");
    assert!(response.message.unwrap().contains("msgcode"));
    assert_eq!(inbound_rows(&app).await, 1);
    assert_eq!(app.take(WorkQueue::Refunds).await.len(), 0);
    app.stop().await;
}

#[tokio::test]
async fn queries_for_guarantees_not_issued_get_a_business_error() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let mut c = app.conn().await;
    let r = c
        .post(
            "/fujian/getbaohaninfo",
            app.fujian
                .body(Interface::Getbaohaninfo, &plain("fujian", "getbaohaninfo")),
        )
        .await
        .unwrap();
    let reply = r.json();
    assert_eq!(reply["code"], json!(0));
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .contains("TBBH350100202603160007")
    );
    for code in ["ELY103", "ELY104"] {
        let t = Transcode::parse(code).unwrap();
        let r = c
            .post("/ely", app.ely.body(t, &plain("ely", code)))
            .await
            .unwrap();
        let (response, _) = app.ely.open_response(&r.body);
        assert_eq!(response.code.code(), "203", "{code}");
    }
    assert_eq!(inbound_rows(&app).await, 0);
    assert!(app.take_all().await.is_empty());
    app.stop().await;
}

/// A bad request, what it must be answered with, and the word the answer
/// must contain.
struct Bad {
    what: &'static str,
    path: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    /// ELY code, or Fujian code 0.
    code: &'static str,
    mentions: &'static str,
}

fn fujian_apply(app: &TestApp, edit: impl FnOnce(&mut Map)) -> Vec<u8> {
    let mut map = app.fujian.seal(
        Interface::Baohanapply,
        &plain("fujian", "baohanapply"),
        baohan_protocol::time::now(),
    );
    edit(&mut map);
    serde_json::to_vec(&map).unwrap()
}

fn ely_101(app: &TestApp, edit: impl FnOnce(&mut Map)) -> Vec<u8> {
    let mut map = app
        .ely
        .seal(Transcode::Ely101, &plain("ely", "ELY101"))
        .to_map();
    edit(&mut map);
    serde_json::to_vec(&map).unwrap()
}

fn resign_fujian(app: &TestApp, map: &mut Map) {
    map.remove("sign");
    let sign = baohan_protocol::fujian::sign::sign(
        map,
        app.fujian.profile.appsecret.expose(),
        app.fujian.profile.sort,
    );
    map.insert("sign".into(), Value::String(sign));
}

#[tokio::test]
async fn every_class_of_bad_input_gets_its_code_and_leaves_nothing_behind() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let stale = baohan_protocol::time::now() - chrono::Duration::minutes(30);
    let future = baohan_protocol::time::now() + chrono::Duration::minutes(30);
    let mut bad = vec![
        Bad {
            what: "fujian bad sign",
            path: "/fujian/baohanapply",
            content_type: Some("application/json"),
            body: fujian_apply(&app, |m| {
                m.insert("biddername".into(), json!("另一家公司"));
            }),
            code: "0",
            mentions: "sign",
        },
        Bad {
            what: "fujian tampered ciphertext",
            path: "/fujian/baohanapply",
            content_type: Some("application/json"),
            body: fujian_apply(&app, |m| {
                m.insert("projectname".into(), json!("AAAAAAAAAAAAAAAAAAAAAA=="));
                resign_fujian(&app, m);
            }),
            code: "0",
            mentions: "projectname",
        },
        Bad {
            what: "fujian stale timestamp",
            path: "/fujian/baohanapply",
            content_type: Some("application/json"),
            body: serde_json::to_vec(&app.fujian.seal(
                Interface::Baohanapply,
                &plain("fujian", "baohanapply"),
                stale,
            ))
            .unwrap(),
            code: "0",
            mentions: "timestamp",
        },
        Bad {
            what: "fujian future timestamp",
            path: "/fujian/giveupnotice",
            content_type: Some("application/json"),
            body: serde_json::to_vec(&app.fujian.seal(
                Interface::Giveupnotice,
                &plain("fujian", "giveupnotice"),
                future,
            ))
            .unwrap(),
            code: "0",
            mentions: "timestamp",
        },
        Bad {
            what: "fujian unknown appkey",
            path: "/fujian/baohanapply",
            content_type: Some("application/json"),
            body: fujian_apply(&app, |m| {
                m.insert("appkey".into(), json!("NOSUCHKEY"));
            }),
            code: "0",
            mentions: "appkey",
        },
        Bad {
            what: "fujian missing field",
            path: "/fujian/baohanapply",
            content_type: Some("application/json"),
            body: fujian_apply(&app, |m| {
                m.remove("biddercode");
                resign_fujian(&app, m);
            }),
            code: "0",
            mentions: "biddercode",
        },
        Bad {
            what: "fujian oversized field",
            path: "/fujian/baohanapply",
            content_type: Some("application/json"),
            body: fujian_apply(&app, |m| {
                m.insert("applyno".into(), json!("A".repeat(65)));
                resign_fujian(&app, m);
            }),
            code: "0",
            mentions: "applyno",
        },
        Bad {
            what: "fujian malformed JSON",
            path: "/fujian/baohanapply",
            content_type: Some("application/json"),
            body: b"{\"appkey\": \"FJDEMO0001\",".to_vec(),
            code: "0",
            mentions: "JSON",
        },
        Bad {
            what: "fujian oversized body",
            path: "/fujian/baohanapply",
            content_type: Some("application/json"),
            body: vec![b' '; (1 << 20) + 1],
            code: "0",
            mentions: "limit",
        },
        Bad {
            what: "fujian form body",
            path: "/fujian/baohanapply",
            content_type: Some("application/x-www-form-urlencoded"),
            body: b"appkey=FJDEMO0001".to_vec(),
            code: "0",
            mentions: "Content-Type",
        },
        Bad {
            what: "fujian callback interface called on us",
            path: "/fujian/baohannotice",
            content_type: Some("application/json"),
            body: b"{}".to_vec(),
            code: "0",
            mentions: "baohannotice",
        },
        Bad {
            what: "ely bad sign",
            path: "/ely",
            content_type: Some("application/json"),
            body: ely_101(&app, |m| {
                m.insert("sign".into(), json!("0".repeat(64)));
            }),
            code: "101",
            // The spec's 101 text and nothing more: the caller is not
            // authenticated (docs/security.md).
            mentions: "验签未通过",
        },
        Bad {
            what: "ely unknown appid",
            path: "/ely",
            content_type: Some("application/json"),
            body: ely_101(&app, |m| {
                m.insert("appid".into(), json!("NOSUCHBANK"));
            }),
            code: "101",
            // The same answer as a wrong sign.
            mentions: "验签未通过",
        },
        Bad {
            what: "ely tampered ciphertext",
            path: "/ely",
            content_type: Some("application/json"),
            body: ely_101(&app, |m| {
                // Flip one byte of the SM2 ciphertext, then sign it anew so
                // that only the decryption can catch it.
                let data = m["data"].as_str().unwrap().to_owned();
                let mut raw = baohan_gm::Encoding::Base64.decode(&data).unwrap();
                let last = raw.len() - 1;
                raw[last] ^= 1;
                let data = baohan_gm::Encoding::Base64.encode(&raw);
                let reqtime = m["reqtime"].as_str().unwrap().to_owned();
                let p = &app.ely.profile;
                let sign = baohan_gm::sm3::hex_digest(
                    baohan_protocol::ely::codec::sign_input(
                        &data,
                        &reqtime,
                        &p.appkey,
                        p.appsecret.expose(),
                    )
                    .as_bytes(),
                );
                m.insert("data".into(), json!(data));
                m.insert("sign".into(), json!(sign));
            }),
            code: "102",
            mentions: "data",
        },
        Bad {
            what: "ely malformed JSON",
            path: "/ely",
            content_type: None,
            body: b"not json".to_vec(),
            code: "103",
            mentions: "JSON",
        },
        Bad {
            what: "ely missing envelope field",
            path: "/ely",
            content_type: Some("application/json"),
            body: ely_101(&app, |m| {
                m.remove("msgcode");
            }),
            code: "103",
            mentions: "msgcode",
        },
        Bad {
            what: "ely oversized body for a transcode without a file",
            path: "/ely",
            content_type: Some("application/json"),
            body: ely_101(&app, |m| {
                m.insert("version".into(), json!("v1.0"));
                m.insert("pad".into(), json!("x".repeat(1 << 20)));
            }),
            code: "103",
            mentions: "limit",
        },
        Bad {
            what: "ely callback transcode called on us",
            path: "/ely",
            content_type: Some("application/json"),
            body: ely_101(&app, |m| {
                m.insert("transcode".into(), json!("ELY102"));
            }),
            code: "103",
            mentions: "ELY102",
        },
    ];
    // A business field that fails validation inside the encrypted data.
    let mut business = plain("ely", "ELY101");
    business.insert("needPaper".into(), json!("1"));
    business.remove("mailAddress");
    bad.push(Bad {
        what: "ely conditional field missing",
        path: "/ely",
        content_type: Some("application/json"),
        body: app.ely.body(Transcode::Ely101, &business),
        code: "103",
        mentions: "mailAddress",
    });

    let mut c = app.conn().await;
    for b in bad {
        let r = c
            .send("POST", b.path, b.content_type, b.body)
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{}", b.what);
        let reply = r.json();
        let (code, message) = if b.path == "/ely" {
            (
                reply["code"].as_str().unwrap_or("").to_owned(),
                reply["message"].as_str().unwrap_or("").to_owned(),
            )
        } else {
            (
                reply["code"].to_string(),
                reply["message"].as_str().unwrap_or("").to_owned(),
            )
        };
        assert_eq!(code, b.code, "{}: {reply}", b.what);
        assert!(
            message.contains(b.mentions),
            "{}: {message:?} should mention {}",
            b.what,
            b.mentions
        );
        // The connection may be closed after an oversized body.
        c = app.conn().await;
    }
    assert_eq!(inbound_rows(&app).await, 0);
    assert!(app.take_all().await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let mut c = app.conn().await;
    assert_eq!(c.get("/healthz").await.unwrap().status, 200);
    let ready = c.get("/readyz").await.unwrap();
    assert_eq!(ready.json(), json!({"broker": "ok", "database": "ok"}));
    let r = c
        .post(
            "/fujian/baohanapply",
            app.fujian
                .body(Interface::Baohanapply, &plain("fujian", "baohanapply")),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["code"], json!(1));
    assert!(r.headers.contains_key("traceparent"));
    // A give-up for an application nobody applied for: refused at once.
    let r = c
        .post(
            "/fujian/giveupnotice",
            app.fujian.body(Interface::Giveupnotice, &{
                let mut g = plain("fujian", "giveupnotice");
                g.insert("applyno".into(), json!("FJ-NOBODY"));
                g
            }),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["code"], json!(0));
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("applyno FJ-NOBODY")
    );
    let metrics = String::from_utf8(c.get("/metrics").await.unwrap().body.to_vec()).unwrap();
    assert!(metrics.contains(
        r#"baohan_ingress_requests_total{interface="baohanapply",outcome="accepted",platform="fujian-demo"} 1"#
    ), "{metrics}");
    assert!(metrics.contains(
        r#"baohan_ingress_requests_total{interface="giveupnotice",outcome="not_found",platform="fujian-demo"} 1"#
    ), "{metrics}");
    let missing = c.get("/nowhere").await.unwrap();
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["message"], json!("no such endpoint"));
    let wrong_method = c.get("/ely").await.unwrap();
    assert_eq!(wrong_method.status, 405);
    app.stop().await;
}

#[tokio::test]
async fn the_callers_trace_continues_in_the_answer_and_on_the_queue() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let mut c = app.conn().await;
    let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let r = c
        .send_with(
            "POST",
            "/fujian/baohanapply",
            &[
                ("content-type", "application/json"),
                ("traceparent", incoming),
            ],
            app.fujian
                .body(Interface::Baohanapply, &plain("fujian", "baohanapply")),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["code"], json!(1));
    let answered = r.headers["traceparent"].to_str().unwrap().to_owned();
    let trace_of = |tp: &str| tp.split('-').nth(1).unwrap().to_owned();
    assert_eq!(trace_of(&answered), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_ne!(
        answered, incoming,
        "the answer names our span, not the caller's"
    );
    let commands = app.take(WorkQueue::Underwriting).await;
    let on_queue = commands[0].traceparent.as_deref().unwrap();
    assert_eq!(trace_of(on_queue), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_ne!(on_queue, incoming);
    app.stop().await;
}

#[tokio::test]
async fn no_id_number_phone_or_bank_account_reaches_the_logs() {
    let logs = harness::capture_logs();
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let mut c = app.conn().await;
    let apply = plain("fujian", "baohanapply");
    let ely101 = plain("ely", "ELY101");
    let ely105 = plain("ely", "ELY105");
    c.post(
        "/fujian/baohanapply",
        app.fujian.body(Interface::Baohanapply, &apply),
    )
    .await
    .unwrap();
    c.post("/ely", app.ely.body(Transcode::Ely101, &ely101))
        .await
        .unwrap();
    c.post("/ely", app.ely.body(Transcode::Ely105, &ely105))
        .await
        .unwrap();
    // And refused: the field errors must name fields, not echo values.
    let mut bad = ely105.clone();
    bad.insert("contractCertCode".into(), json!("1101051990030712345678"));
    c.post("/ely", app.ely.body(Transcode::Ely105, &bad))
        .await
        .unwrap();
    app.stop().await;

    let text = logs.text();
    assert!(
        text.contains("outcome=\"accepted\"") || text.contains("outcome=accepted"),
        "the accepted calls were logged: {text}"
    );
    assert!(text.contains("invalid"), "and the refused one: {text}");
    for (map, field) in [
        (&apply, "tenderercontacttel"),
        (&apply, "tendererbankcode"),
        (&ely101, "legalIdNo"),
        (&ely101, "contractCerNo"),
        (&ely101, "contactsWay"),
        (&ely105, "bankAccount"),
        (&ely105, "contractWay"),
        (&ely105, "contractCertCode"),
        (&bad, "contractCertCode"),
    ] {
        let value = map[field].as_str().unwrap();
        assert!(
            !text.contains(value),
            "{field} appears in clear in the logs"
        );
    }
}
