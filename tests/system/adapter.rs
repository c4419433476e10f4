//! The adapter boundary, proved: a third platform whose spec is nothing
//! like the two built in (its own sign, its own field names, its own
//! callback) is an adapter and nothing else. Its application runs through
//! the real underwriting worker and the real notifier, unchanged; only the
//! adapter registry they are started with knows the toy.

use crate::harness::{self, TestApp};
use baohan_bus::message::Outgoing;
use baohan_bus::{Call, Exchange, Inbound, Publisher, Wire};
use baohan_domain::Protocol;
use baohan_domain::command::{
    Applicant, Apply, Beneficiary, BidTerms, Command, PayLink, Project, Terms,
};
use baohan_domain::field::Field;
use baohan_domain::ids::Checked;
use baohan_domain::notice::Notice;
use baohan_gm::sm3;
use baohan_protocol::Fen;
use baohan_protocol::adapter::{Adapter, Prepared, Unsendable, Verdict};
use baohan_protocol::notices::Owed;
use baohan_service::Service;
use baohan_telemetry::trace::TraceParent;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use warp::Filter;

/// A toy province's interface: flat JSON, amounts in fen, and an SM3 over
/// the secret and the sorted fields in `sig`.
struct Toy {
    secret: String,
    url: String,
}

impl Toy {
    fn sig(&self, fields: &Map<String, Value>) -> String {
        let sorted: BTreeMap<&String, &Value> =
            fields.iter().filter(|(k, _)| k.as_str() != "sig").collect();
        let text = serde_json::to_string(&sorted).unwrap();
        sm3::hex_digest(format!("{}&{text}", self.secret).as_bytes())
    }

    fn signed(&self, mut fields: Map<String, Value>) -> Vec<u8> {
        let sig = self.sig(&fields);
        fields.insert("sig".into(), json!(sig));
        serde_json::to_vec(&fields).unwrap()
    }

    /// The toy's one inbound interface, `apply`: verified, then mapped to
    /// the domain's application, as an ingress route would.
    fn receive(&self, body: &[u8]) -> Result<Command, String> {
        let Ok(Value::Object(f)) = serde_json::from_slice::<Value>(body) else {
            return Err("not a JSON object".into());
        };
        if f.get("sig").and_then(Value::as_str) != Some(self.sig(&f).as_str()) {
            return Err("sig".into());
        }
        let text = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_owned);
        let need = |k: &str| text(k).ok_or_else(|| k.to_owned());
        let opening: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(&need("openingAt")?)
            .map_err(|_| "openingAt".to_owned())?;
        let amount = f
            .get("amountFen")
            .and_then(Value::as_i64)
            .and_then(Fen::new)
            .ok_or("amountFen")?;
        let days = f
            .get("validDays")
            .and_then(Value::as_u64)
            .and_then(|d| u32::try_from(d).ok())
            .ok_or("validDays")?;
        Ok(Command::Apply(Box::new(Apply {
            application: need("orderNo")?,
            applicant: Applicant {
                name: need("company")?,
                credit_code: Checked::parse(&need("companyCode")?),
                legal_rep: None,
                contact: None,
            },
            beneficiary: Beneficiary {
                name: need("tenderee")?,
                code: None,
                account: None,
                contact: None,
            },
            project: Project {
                code: need("project")?,
                name: need("project")?,
                section_code: need("section")?,
                section_name: need("section")?,
            },
            amount,
            terms: Terms::Bid(BidTerms {
                deposit_deadline: opening - Duration::hours(1),
                bid_opening: opening,
                validity_days: days,
                city_code: String::new(),
                project_type: "toy".into(),
                contract_estimate: amount,
                tender_file_url: String::new(),
            }),
            pay_link: PayLink::Answered,
        })))
    }
}

impl Adapter for Toy {
    fn protocol(&self) -> Protocol {
        Protocol::parse("toy").unwrap()
    }

    fn field(&self, field: Field) -> Option<&'static str> {
        match field {
            Field::CreditCode => Some("companyCode"),
            Field::Amount => Some("amountFen"),
            Field::BidOpening => Some("openingAt"),
            Field::ValidityDays => Some("validDays"),
            _ => None,
        }
    }

    /// One callback, `result`, for a decision; nothing for anything else.
    fn render(&self, external_no: &str, notice: &Notice, _: DateTime<FixedOffset>) -> Vec<Owed> {
        let payload = match notice {
            Notice::Approved => json!({"orderNo": external_no, "result": "approved"}),
            Notice::Rejected { reason } => {
                json!({"orderNo": external_no, "result": "rejected", "why": reason})
            }
            _ => return Vec::new(),
        };
        vec![Owed {
            interface: "result".into(),
            payload,
        }]
    }

    fn seal(&self, owed: &Owed, _: DateTime<Utc>) -> Result<Prepared, Unsendable> {
        let Value::Object(fields) = owed.payload.clone() else {
            return Err(Unsendable("not an object".into()));
        };
        Ok(Prepared {
            url: self.url.clone(),
            body: self.signed(fields),
        })
    }

    fn judge(&self, answer: &[u8]) -> Verdict {
        match serde_json::from_slice::<Value>(answer) {
            Ok(v) if v["ok"] == json!(true) => Verdict::Delivered,
            Ok(v) => Verdict::Refused(v.to_string()),
            Err(e) => Verdict::Unreadable(e.to_string()),
        }
    }
}

/// The toy platform's server: keeps each callback whose sig verifies.
async fn toy_platform(toy: Arc<Toy>, stop: CancellationToken) -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/toy", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    let route = warp::path!("toy")
        .and(warp::post())
        .and(warp::body::bytes())
        .map(move |body: bytes::Bytes| {
            let answer = match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(f))
                    if f.get("sig").and_then(Value::as_str) == Some(toy.sig(&f).as_str()) =>
                {
                    kept.lock().unwrap().push(Value::Object(f));
                    json!({"ok": true})
                }
                _ => json!({"ok": false, "why": "sig"}),
            };
            warp::reply::json(&answer).into_response()
        })
        .recover(|_| async { Ok::<_, std::convert::Infallible>(warp::reply().into_response()) })
        .unify();
    tokio::spawn(baohan_http::serve(
        listener,
        route,
        baohan_http::Limits::default(),
        stop,
    ));
    (url, got)
}

use warp::Reply;

#[tokio::test]
async fn a_third_platform_is_an_adapter_and_nothing_else() {
    let _broker = harness::shared().await;
    let app = TestApp::spawn().await;
    let stop = CancellationToken::new();
    // The URL is known once the platform listens; the adapter that seals
    // for it is made then, with the same secret.
    let secret = "toy-secret".to_owned();
    let probe = Arc::new(Toy {
        secret: secret.clone(),
        url: String::new(),
    });
    let (url, received) = toy_platform(probe, stop.clone()).await;
    let toy = Arc::new(Toy { secret, url });

    // The workers as they are, started with the toy among the adapters.
    let settings = app.settings();
    let adapters = settings.adapters().with("toy-demo", toy.clone());
    let uw = underwriting::build_with(app.settings(), adapters.clone())
        .await
        .unwrap();
    let mut ns = app.settings();
    ns.notifier.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let nf = notifier::build_with(ns, adapters).await.unwrap();
    let tasks = [
        tokio::spawn(uw.run_until_stopped(stop.clone())),
        tokio::spawn(nf.run_until_stopped(stop.clone())),
    ];

    // The toy's ingress: its sign, then its mapping; a forged body is
    // refused before anything is read from it.
    let opening = baohan_protocol::time::now() + Duration::days(10);
    let order = |no: &str, code: &str| {
        let mut f = Map::new();
        for (k, v) in [
            ("orderNo", json!(no)),
            ("company", json!("福建榕信示范信息技术有限公司")),
            ("companyCode", json!(code)),
            ("amountFen", json!(5_000_000)),
            ("project", json!("TOY-P1")),
            ("section", json!(format!("TOY-S-{no}"))),
            ("tenderee", json!("某招标人")),
            ("openingAt", json!(opening.to_rfc3339())),
            ("validDays", json!(90)),
        ] {
            f.insert(k.into(), v);
        }
        f
    };
    let publisher = Publisher::new(app.amqp.clone(), "toy-ingress", app.topology.clone());
    let mut forged: Value = serde_json::from_slice(&toy.signed(order("T-1", "x"))).unwrap();
    forged["amountFen"] = json!(1);
    assert_eq!(
        toy.receive(&serde_json::to_vec(&forged).unwrap()),
        Err("sig".into())
    );
    for (no, code) in [
        ("T-1", "91350104MA34T6NE1E"),
        // The check character is wrong: rejected by the same rule as any
        // platform's, naming the toy's own field.
        ("T-2", "91350104MA34T6NE1F"),
    ] {
        let body = toy.signed(order(no, code));
        let command = toy.receive(&body).unwrap();
        let Value::Object(fields) = serde_json::from_slice(&body).unwrap() else {
            unreachable!()
        };
        let call = Inbound::V2(Call {
            platform_id: "toy-demo".into(),
            protocol: toy.protocol(),
            received_at: baohan_protocol::time::now().to_rfc3339(),
            dedupe_key: no.into(),
            command,
            pay_token: Some(format!("token-{no}")),
            wire: Wire {
                interface: "apply".into(),
                fields,
            },
        });
        let message = Outgoing::command(Uuid::new_v4(), &call).unwrap();
        assert_eq!(message.routing_key, "command.apply");
        publisher
            .publish(Exchange::Commands, &message, &TraceParent::root())
            .await
            .unwrap();
    }

    // Delivered, signed the toy's way, in the toy's words.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while received.lock().unwrap().len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut got = received.lock().unwrap().clone();
    got.sort_by_key(|v| v["orderNo"].as_str().unwrap_or_default().to_owned());
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0]["orderNo"], json!("T-1"));
    assert_eq!(got[0]["result"], json!("approved"));
    assert_eq!(got[1]["result"], json!("rejected"));
    let why = got[1]["why"].as_str().unwrap();
    assert!(
        why.starts_with("companyCode: 统一社会信用代码无效"),
        "{why}"
    );

    // Recorded like any application, under the toy's protocol.
    let client = app.store.client().await.unwrap();
    let rows = client
        .query(
            "select external_no, protocol, status from applications
             where platform_id = 'toy-demo' order by external_no",
            &[],
        )
        .await
        .unwrap();
    let rows: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("T-1".into(), "toy".into(), "approved".into()),
            ("T-2".into(), "toy".into(), "rejected".into()),
        ]
    );
    stop.cancel();
    for t in tasks {
        t.await.unwrap();
    }
    publisher.close().await;
    app.stop().await;
}
