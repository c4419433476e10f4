//! The ingress, the portal and the ops API attacked as an outsider would,
//! with public material only (our SM2 public key, an appid, a request seen
//! on the wire), on the real servers. Each attack is refused, and nothing
//! was journaled, published, paid or sent (docs/security.md).

use crate::harness::{self, TestApp};
use crate::portal::{self, Apply, OPS_ADMIN, OPS_CHECKER, OPS_VIEWER, Platform, Stack};
use baohan_protocol::ely::{self, ResponseCode, Transcode};
use baohan_protocol::fujian::{self, Interface};
use baohan_tests::client::Connection;
use baohan_tests::platform::{plain, to_body};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Nothing an attack could have left: no journal row, no command on any
/// queue, no callback owed, no payout, no SMS.
async fn nothing_happened(app: &TestApp) {
    let client = app.store.client().await.unwrap();
    for table in ["inbound_requests", "callbacks", "claims", "refunds"] {
        let n: i64 = client
            .query_one(&format!("select count(*) from {table}"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 0, "{table} has rows");
    }
    let published = app.take_all().await;
    assert!(published.is_empty(), "published: {published:?}");
    assert!(!app.payouts_path().exists(), "a payout was written");
    let sms = std::fs::read_to_string(app.sms_path()).unwrap_or_default();
    assert!(sms.is_empty(), "an SMS was queued: {sms}");
}

/// The ELY answer's code and message.
async fn ely_call(app: &TestApp, body: Vec<u8>) -> (String, String) {
    let r = app.conn().await.post("/ely", body).await.unwrap();
    assert_eq!(r.status, 200);
    let v = r.json();
    (
        v["code"].as_str().unwrap_or_default().to_owned(),
        v["message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// `business` sealed as a digital envelope: anyone with our public key
/// can make one; no appkey or appsecret goes into it.
fn envelope(
    app: &TestApp,
    transcode: Transcode,
    business: &serde_json::Map<String, Value>,
) -> Vec<u8> {
    let wire = ely::codec::seal_request(
        transcode,
        business,
        &app.ely.profile,
        baohan_protocol::time::now(),
        ely::codec::new_msgcode(),
        true,
    )
    .unwrap();
    to_body(&wire)
}

#[tokio::test]
async fn ely_calls_sealed_as_envelopes_are_refused_before_anything_is_looked_up() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    // A real guarantee, whose purchaser's name and code are public.
    app.seed_issued("ely-demo", "ely", "ELY-SEC-1", "LYBH-SEC-1")
        .await;
    let mut claim = plain("ely", "ELY105");
    claim.insert("guaranteeId".into(), json!("LYBH-SEC-1"));
    claim.insert("bankAccount".into(), json!("6222000000000000666"));
    let mut invalidate = plain("ely", "ELY107");
    invalidate.insert("guaranteeId".into(), json!("LYBH-SEC-1"));
    let mut surrender = plain("ely", "ELY109");
    surrender.insert("applicationId".into(), json!("ELY-SEC-1"));
    let mut query = plain("ely", "ELY103");
    query.insert("applicationId".into(), json!("ELY-SEC-1"));
    let forged = [
        (Transcode::Ely101, plain("ely", "ELY101")),
        (Transcode::Ely103, query),
        (Transcode::Ely105, claim),
        (Transcode::Ely107, invalidate),
        (Transcode::Ely109, surrender),
    ];
    // What a wrong sign is answered: the envelopes must get exactly that.
    let mut bad_sign = app.ely.seal(Transcode::Ely101, &plain("ely", "ELY101"));
    bad_sign.sign = "0".repeat(64);
    let refused = ely_call(&app, to_body(&bad_sign)).await;
    assert_eq!(refused.0, "101");
    for (transcode, business) in &forged {
        let got = ely_call(&app, envelope(&app, *transcode, business)).await;
        assert_eq!(got, refused, "{transcode:?} in an envelope");
    }
    nothing_happened(&app).await;
    // ELY104, read-only, may come in one: the guarantee is looked up.
    let mut verify = plain("ely", "ELY104");
    verify.insert("guaranteeId".into(), json!("LYBH-NONE"));
    let (code, _) = ely_call(&app, envelope(&app, Transcode::Ely104, &verify)).await;
    assert_eq!(code, ResponseCode::GuaranteeNotFound.code());
    nothing_happened(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn a_fujian_body_replayed_to_another_interface_is_refused_naming_a_field() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let body = app
        .fujian
        .body(Interface::Baohanapply, &plain("fujian", "baohanapply"));
    let mut replays = 0;
    for interface in Interface::ALL
        .iter()
        .filter(|i| i.provider() == baohan_protocol::Provider::Fi)
        .filter(|i| **i != Interface::Baohanapply)
    {
        let r = app
            .conn()
            .await
            .post(&format!("/fujian/{}", interface.name()), body.clone())
            .await
            .unwrap();
        let v = r.json();
        assert_eq!(v["code"], json!(0), "{interface:?}: {v}");
        let message = v["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("is not a field of {}", interface.name())),
            "{interface:?}: {message}"
        );
        replays += 1;
    }
    assert_eq!(replays, 4);
    nothing_happened(&app).await;
    // An unknown appkey and a wrong sign: one answer, naming no key.
    let mut other = app.fujian.seal(
        Interface::Giveupnotice,
        &plain("fujian", "giveupnotice"),
        baohan_protocol::time::now(),
    );
    other.insert("appkey".into(), json!("NOSUCHKEY"));
    let mut wrong = app.fujian.seal(
        Interface::Giveupnotice,
        &plain("fujian", "giveupnotice"),
        baohan_protocol::time::now(),
    );
    wrong.insert("sign".into(), json!("0".repeat(64)));
    for m in [other, wrong] {
        let r = app
            .conn()
            .await
            .post("/fujian/giveupnotice", serde_json::to_vec(&m).unwrap())
            .await
            .unwrap();
        assert_eq!(
            r.json(),
            json!({"code": 0, "message": fujian::NOT_AUTHENTICATED})
        );
    }
    nothing_happened(&app).await;
    app.stop().await;
}

/// The demo platforms restricted to 192.0.2.0/24, behind `trusted`.
async fn restricted(trusted: &[&str]) -> TestApp {
    let trusted: Vec<baohan_http::Cidr> = trusted.iter().map(|t| t.parse().unwrap()).collect();
    TestApp::spawn_with(move |s| {
        s.platforms = harness::load_with(&[
            (
                "BAOHAN_PLATFORMS__FUJIAN_DEMO__ALLOWED_SOURCES",
                r#"["192.0.2.0/24"]"#,
            ),
            (
                "BAOHAN_PLATFORMS__ELY_DEMO__ALLOWED_SOURCES",
                r#"["192.0.2.0/24"]"#,
            ),
        ])
        .platforms;
        s.ingress.trusted_proxies = trusted;
    })
    .await
}

/// A giveupnotice for an unknown applyno: refused at the source, or, once
/// admitted, by its check (`no such application`), which is how the test
/// tells that it got past the source check.
async fn giveup_from(app: &TestApp, forwarded_for: Option<&str>) -> String {
    giveup_via(app, forwarded_for.as_slice()).await
}

/// The same, with each of `lines` as an `X-Forwarded-For` line of its own
/// (a proxy may add a line rather than append to the caller's).
async fn giveup_via(app: &TestApp, lines: &[&str]) -> String {
    let body = app
        .fujian
        .body(Interface::Giveupnotice, &plain("fujian", "giveupnotice"));
    let mut headers = vec![("content-type", "application/json")];
    for xff in lines {
        headers.push(("x-forwarded-for", xff));
    }
    let r = app
        .conn()
        .await
        .send_with("POST", "/fujian/giveupnotice", &headers, body)
        .await
        .unwrap();
    r.json()["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_call_from_outside_allowed_sources_is_refused_directly_and_through_a_proxy() {
    let _broker = harness::shared().await;
    // Directly: the peer is 127.0.0.1, not in the platform's range.
    let app = restricted(&[]).await;
    assert_eq!(giveup_from(&app, None).await, fujian::NOT_AUTHENTICATED);
    // A forwarding header from an untrusted peer proves nothing.
    assert_eq!(
        giveup_from(&app, Some("192.0.2.5")).await,
        fujian::NOT_AUTHENTICATED
    );
    let (code, message) = ely_call(
        &app,
        app.ely.body(Transcode::Ely101, &plain("ely", "ELY101")),
    )
    .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("101", ResponseCode::SignFailed.text())
    );
    nothing_happened(&app).await;
    app.stop().await;

    // Behind a trusted proxy (here, the test's own 127.0.0.1): the caller
    // is the right-most entry the proxy did not write for itself.
    let app = restricted(&["127.0.0.1/32"]).await;
    for (xff, admitted) in [
        ("198.51.100.7", false),
        // The caller wrote 192.0.2.5 itself; the proxy appended the truth.
        ("192.0.2.5, 198.51.100.7", false),
        ("not-an-address", false),
        ("192.0.2.5", true),
        ("198.51.100.7, 192.0.2.5", true),
    ] {
        let message = giveup_from(&app, Some(xff)).await;
        if admitted {
            assert!(message.contains("no such application"), "{xff}: {message}");
        } else {
            assert_eq!(message, fujian::NOT_AUTHENTICATED, "{xff}");
        }
    }
    // The caller's own line, then the proxy's: the proxy's counts.
    assert_eq!(
        giveup_via(&app, &["192.0.2.5", "198.51.100.7"]).await,
        fujian::NOT_AUTHENTICATED
    );
    assert!(
        giveup_via(&app, &["198.51.100.7", "192.0.2.5"])
            .await
            .contains("no such application")
    );
    nothing_happened(&app).await;
    app.stop().await;
}

/// Bounds short enough for a test.
fn tight(s: &mut baohan_config::Settings) {
    s.http.header_timeout = Duration::from_secs(2);
    s.http.body_timeout = Duration::from_secs(3);
    s.http.idle_timeout = Duration::from_secs(20);
    s.http.max_connections = 600;
}

/// How long `path` takes to answer on a fresh connection.
async fn answer_time(addr: SocketAddr, path: &str) -> Duration {
    let started = Instant::now();
    let mut c = Connection::open(addr).await.unwrap();
    let r = c.get(path).await.unwrap();
    assert!(r.status < 500, "{path}: {}", r.status);
    started.elapsed()
}

/// Waits for the server to close `stream` (EOF or reset); how long it took
/// from `since`, or `None` if it stayed open past `within`.
async fn closed_after(
    stream: &mut TcpStream,
    since: Instant,
    within: Duration,
) -> Option<Duration> {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(since.elapsed()),
            // An answer (a 408, a refusal) before the close: keep reading.
            Ok(Ok(_)) => {}
        }
    }
}

/// Many clients trickle a header block that never ends: the listener
/// still answers `probe` within a second, and closes each of them within
/// its header timeout. Returns the slowest probe and the last close.
async fn slow_headers(addr: SocketAddr, probe: &str, clients: usize) -> (Duration, Duration) {
    let started = Instant::now();
    let mut streams = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        streams.push(s);
    }
    // Trickle a byte to each, every 500 ms, while probing.
    let mut slowest = Duration::ZERO;
    for _ in 0..3 {
        for s in &mut streams {
            let _ = s.write_all(b"a").await;
        }
        slowest = slowest.max(answer_time(addr, probe).await);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut last = Duration::ZERO;
    for s in &mut streams {
        let closed = closed_after(s, started, Duration::from_secs(6)).await;
        last = last.max(closed.expect("a trickling client was not closed"));
    }
    (slowest, last)
}

/// A body announced and trickled: answered at the body deadline, not
/// held. Returns how long that took, and the answer.
async fn slow_body(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
) -> (Duration, String) {
    let (mut read, mut write) = TcpStream::connect(addr).await.unwrap().into_split();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{headers}Content-Length: 100000\r\n\r\n{{"
    );
    write.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let trickle = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if write.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let mut buf = [0u8; 4096];
    let answered = tokio::time::timeout(Duration::from_secs(10), read.read(&mut buf)).await;
    let took = started.elapsed();
    let mut text = match answered {
        Ok(Ok(n)) => buf[..n].to_vec(),
        Ok(Err(_)) => Vec::new(),
        Err(_) => panic!("{path}: a trickled body held the connection 10 s"),
    };
    // The rest of the answer, if it came in more than one read.
    while let Ok(Ok(n)) =
        tokio::time::timeout(Duration::from_millis(300), read.read(&mut buf)).await
    {
        if n == 0 {
            break;
        }
        text.extend_from_slice(&buf[..n]);
    }
    trickle.abort();
    (took, String::from_utf8_lossy(&text).into_owned())
}

/// Beyond `max_connections`, a connection is closed at once; the ones
/// held are closed within the header timeout, and the listener serves
/// again.
async fn flood(addr: SocketAddr, probe: &str, max: usize) -> Duration {
    let mut held = Vec::with_capacity(max);
    for _ in 0..max {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // Let the server accept them all.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let mut extra = TcpStream::connect(addr).await.unwrap();
    let closed = closed_after(&mut extra, started, Duration::from_secs(1))
        .await
        .expect("a connection beyond the limit was kept");
    // The held ones time out, and the listener answers again.
    let started = Instant::now();
    for s in &mut held {
        closed_after(s, started, Duration::from_secs(6))
            .await
            .expect("a held connection was never closed");
    }
    answer_time(addr, probe).await;
    closed
}

#[tokio::test]
async fn no_client_can_hold_a_listener_with_slow_headers_or_bodies() {
    let _broker = harness::shared().await;
    let s = Stack::start_all_with(tight).await;
    let header_timeout = Duration::from_secs(2);
    // 500 clients trickling headers at the ingress.
    let (probe, last) = slow_headers(s.app.addr, "/healthz", 500).await;
    eprintln!(
        "ingress, 500 trickling clients: /healthz in {probe:?} at worst; all closed {last:?} after they connected"
    );
    assert!(probe < Duration::from_secs(1), "/healthz took {probe:?}");
    assert!(
        last < header_timeout + Duration::from_secs(2),
        "closed after {last:?}"
    );
    // Fewer at each other listener: the same server runs them all.
    for (name, addr, probe_path) in [
        ("portal", s.portal, "/healthz"),
        ("ops", s.ops, "/no-such-path"),
        ("underwriting probes", s.underwriting, "/healthz"),
        ("refunds probes", s.refunds, "/healthz"),
    ] {
        let (probe, last) = slow_headers(addr, probe_path, 50).await;
        eprintln!("{name}, 50 trickling clients: {probe:?}, closed after {last:?}");
        assert!(probe < Duration::from_secs(1), "{name}: {probe:?}");
        assert!(
            last < header_timeout + Duration::from_secs(2),
            "{name}: {last:?}"
        );
    }
    // A body trickled a byte at a time is cut at the body deadline (3 s).
    let ops_auth = format!("Authorization: Bearer {OPS_ADMIN}\r\n");
    let token = "0".repeat(64);
    for (name, addr, method, path, headers, says) in [
        (
            "ingress",
            s.app.addr,
            "POST",
            "/fujian/baohanapply".to_owned(),
            "",
            "did not arrive in time",
        ),
        (
            "portal",
            s.portal,
            "PUT",
            format!("/api/applications/{token}/documents/qualification"),
            "",
            "请求体上传超时",
        ),
        (
            "ops",
            s.ops,
            "POST",
            format!("/ops/referrals/{}/decision", uuid::Uuid::new_v4()),
            ops_auth.as_str(),
            "请求体上传超时",
        ),
    ] {
        let (took, answer) = slow_body(addr, method, &path, headers).await;
        eprintln!("{name}: a trickled body was cut after {took:?}");
        assert!(
            took >= Duration::from_millis(2500) && took < Duration::from_secs(5),
            "{name}: {took:?}"
        );
        assert!(answer.contains(says), "{name}: {answer}");
    }
    nothing_happened(&s.app).await;
    s.stop().await;
}

#[tokio::test]
async fn a_connection_flood_is_closed_at_the_limit_and_the_listener_recovers() {
    let _broker = harness::shared().await;
    let s = Stack::start_all_with(|settings| {
        tight(settings);
        settings.http.max_connections = 40;
    })
    .await;
    for (name, addr, probe) in [
        ("ingress", s.app.addr, "/healthz"),
        ("portal", s.portal, "/healthz"),
        ("ops", s.ops, "/no-such-path"),
        ("underwriting probes", s.underwriting, "/healthz"),
    ] {
        let closed = flood(addr, probe, 40).await;
        eprintln!("{name}: the 41st connection was closed after {closed:?}");
        assert!(closed < Duration::from_millis(500), "{name}: {closed:?}");
    }
    s.stop().await;
}

/// An ops call as the holder of `token`, with `body`.
async fn ops(s: &Stack, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let r = s.ops_as(token, "POST", path, body).await;
    (r.status, r.json())
}

#[tokio::test]
async fn the_ops_api_names_the_operator_from_the_token_and_needs_two_for_a_transfer() {
    let _broker = harness::shared().await;
    let s = Stack::start().await;
    let p = Platform::Ely;
    let no = "ELY-OPS-SEC-1";
    s.apply(
        p,
        Apply {
            no,
            amount: "200000.00",
            section: "S-OPS-SEC-1",
            bad: false,
        },
    )
    .await;
    s.wait_for(p, no, "approved").await;
    let token = s.token(p, no).await;
    let mut c = s.bidder().await;
    portal::complete(&mut c, &token, p).await;
    let r = portal::upload(
        &mut c,
        &token,
        "voucher",
        "image/jpeg",
        b"\xFF\xD8\xFF\xE0v".to_vec(),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = portal::pay(&mut c, &token, "transfer").await;
    assert_eq!(r.status, 202, "{}", r.json());
    let payment = r.json()["id"].as_str().unwrap().to_owned();
    let confirm = format!("/ops/payments/{payment}/confirm");
    let approve = format!("/ops/payments/{payment}/approve");

    // A wrong token: refused after the fixed delay, and counted (the
    // counter is the process's: other tests may add to it too).
    let failures = || async {
        let mut m = Connection::open(s.portal).await.unwrap();
        let text = String::from_utf8(m.get("/metrics").await.unwrap().body.to_vec()).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("baohan_ops_auth_failures_total "))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let before = failures().await;
    let started = Instant::now();
    let (status, _) = ops(&s, "ops-guess-token", &confirm, None).await;
    assert_eq!(status, 401);
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(failures().await > before);
    // A viewer may look, not act.
    assert_eq!(ops(&s, OPS_VIEWER, &confirm, None).await.0, 403);
    let (status, body) = ops(
        &s,
        OPS_VIEWER,
        &format!("/ops/referrals/{}/decision", uuid::Uuid::new_v4()),
        Some(json!({"decision": "approve", "reason": "x"})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (403, json!("forbidden"))
    );
    // Another operator's name in the body is refused, not recorded.
    let (status, body) = ops(
        &s,
        OPS_ADMIN,
        &confirm,
        Some(json!({"operator": "ops-checker"})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (422, json!("operator"))
    );
    let view = s.ops_application(p, no).await.json();
    assert_eq!(view["payments"][0]["recorded_by"], Value::Null);
    // Approval before anyone recorded it: refused.
    let (status, body) = ops(&s, OPS_CHECKER, &approve, None).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("not_recorded"))
    );
    // Recorded by one, approved by the same: refused; by another: paid.
    assert_eq!(ops(&s, OPS_ADMIN, &confirm, None).await.0, 200);
    let (status, body) = ops(&s, OPS_ADMIN, &approve, None).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("same_operator"))
    );
    assert_eq!(
        s.ops_application(p, no).await.json()["status"],
        json!("approved")
    );
    let (status, body) = ops(&s, OPS_CHECKER, &approve, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["application"]["status"], json!("paid"));
    // The store itself refuses a payment whose maker approved it.
    let client = s.app.store.client().await.unwrap();
    let refused = client
        .execute(
            "update payments set confirmed_by = recorded_by where id = $1",
            &[&uuid::Uuid::parse_str(&payment).unwrap()],
        )
        .await;
    assert!(refused.is_err(), "the check constraint let a maker approve");

    // A gateway payment is not an operator's to confirm.
    let other = "ELY-OPS-SEC-2";
    s.apply(
        p,
        Apply {
            no: other,
            amount: "100000.00",
            section: "S-OPS-SEC-2",
            bad: false,
        },
    )
    .await;
    s.wait_for(p, other, "approved").await;
    let token = s.token(p, other).await;
    portal::complete(&mut c, &token, p).await;
    let r = portal::pay(&mut c, &token, "sandbox").await;
    assert_eq!(r.status, 201, "{}", r.json());
    let sandbox = r.json()["id"].as_str().unwrap().to_owned();
    let (status, body) = ops(
        &s,
        OPS_ADMIN,
        &format!("/ops/payments/{sandbox}/confirm"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("not_a_transfer"))
    );
    s.stop().await;
}

/// Only ELY104 may be larger than the ordinary body limit, and the
/// envelope's head says which transcode it is: an ELY101 of 5 MiB is
/// refused once its first MiB has arrived, without waiting for (or
/// parsing) the rest.
#[tokio::test]
async fn a_large_body_that_is_not_ely104_is_cut_at_the_ordinary_limit_from_its_head() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let (mut read, mut write) = TcpStream::connect(app.addr).await.unwrap().into_split();
    let announced = 5 << 20;
    write
        .write_all(
            format!(
                "POST /ely HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {announced}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut head =
        br#"{"transcode":"ELY101","msgcode":"00000000000000000000000000000000","data":""#.to_vec();
    head.resize((1 << 20) + 4096, b'A');
    write.write_all(&head).await.unwrap();
    // The other 4 MiB never come: the answer must not wait for them.
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") || !answer.ends_with(b"}") {
        let n = tokio::time::timeout(Duration::from_secs(5), read.read(&mut buf))
            .await
            .expect("no answer within 5 s: the whole body was awaited")
            .unwrap();
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    let text = String::from_utf8_lossy(&answer);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["code"], json!("103"), "{v}");
    assert!(v["message"].as_str().unwrap().contains("limit"), "{v}");
    drop(write);
    nothing_happened(&app).await;
    app.stop().await;
}

/// A body whose head says ELY104 may be large only if it is: a second
/// `transcode` later in the body, or an appid no platform has, keeps it
/// to the ordinary limit.
#[tokio::test]
async fn a_head_that_lies_about_ely104_does_not_buy_a_larger_body() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let padding = "A".repeat(3 << 19);
    let (msgcode, sign) = ("0".repeat(32), "0".repeat(64));
    for (what, body) in [
        (
            "a second transcode",
            format!(
                r#"{{"transcode":"ELY104","appid":"BANKDEMO0001","msgcode":"{msgcode}","reqtime":"20260415103000","version":"v1.0","data":"{padding}","sign":"{sign}","transcode":"ELY101"}}"#
            ),
        ),
        (
            "an unknown appid",
            format!(r#"{{"transcode":"ELY104","appid":"NOSUCHBANK","data":"{padding}"}}"#),
        ),
    ] {
        let (code, message) = ely_call(&app, body.into_bytes()).await;
        assert_eq!(code, "103", "{what}: {message}");
        assert!(message.contains("limit"), "{what}: {message}");
    }
    nothing_happened(&app).await;
    app.stop().await;
}
