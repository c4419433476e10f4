//! Issuance through the public endpoints: a platform applies, the bidder
//! completes and pays on the portal, the guarantee is issued, and the
//! platform stub receives the issue's callback with its exact fields.

use crate::harness;
use crate::portal::{self, Apply, Platform, Stack};
use baohan_service::Service;
use baohan_tests::platform::{ElyPlatform, FujianPlatform, plain};
use baohan_tests::stub::{PlatformStub, Received};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The stack, with issuance and the notifier (to a checking stub).
pub(crate) struct Issuing {
    pub(crate) s: Stack,
    pub(crate) stub: PlatformStub,
    /// The claims worker's /metrics.
    pub(crate) claims: std::net::SocketAddr,
    services: Vec<(CancellationToken, tokio::task::JoinHandle<()>)>,
}

impl Issuing {
    pub(crate) async fn start() -> Issuing {
        let s = Stack::start().await;
        let platforms = harness::load();
        let stub = PlatformStub::start(
            FujianPlatform::demo(&platforms),
            ElyPlatform::demo(&platforms),
            0,
        )
        .await;
        let mut services = Vec::new();
        let mut settings = s.app.settings();
        settings.issuance.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let issuance = issuance::build(settings).await.unwrap();
        let stop = CancellationToken::new();
        services.push((stop.clone(), tokio::spawn(issuance.run_until_stopped(stop))));
        let claims = claims::build(s.app.settings()).await.unwrap();
        let claims_addr = claims.local_addr();
        let stop = CancellationToken::new();
        services.push((stop.clone(), tokio::spawn(claims.run_until_stopped(stop))));
        let mut settings = s.app.settings_with_env(stub.env());
        settings.notifier.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let notifier = notifier::build(settings).await.unwrap();
        let stop = CancellationToken::new();
        services.push((stop.clone(), tokio::spawn(notifier.run_until_stopped(stop))));
        Issuing {
            s,
            stub,
            claims: claims_addr,
            services,
        }
    }

    /// Applies, completes the profile and documents, pays; returns when
    /// the application is issued.
    pub(crate) async fn through_issue(&self, p: Platform, no: &str, section: &str) -> Value {
        self.s
            .apply(
                p,
                Apply {
                    no,
                    amount: "119800.00",
                    section,
                    bad: false,
                },
            )
            .await;
        self.s.wait_for(p, no, "approved").await;
        let token = self.s.token(p, no).await;
        let mut bidder = self.s.bidder().await;
        portal::complete(&mut bidder, &token, p).await;
        assert_eq!(
            portal::pay(&mut bidder, &token, "sandbox").await.status,
            201
        );
        self.s.wait_for(p, no, "issued").await
    }

    pub(crate) async fn received(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.stub.received().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = self.stub.received();
        assert_eq!(got.len(), n, "refused: {:?}", self.stub.refused());
        got
    }

    /// `(guarantee_no, amount_fen, valid_from, valid_to, issued_at)` in
    /// Asia/Shanghai wire form, and the documents `(kind, md5, content)`.
    pub(crate) async fn guarantee(
        &self,
        no: &str,
    ) -> (Vec<String>, Vec<(String, String, Vec<u8>)>) {
        let client = self.s.app.store.client().await.unwrap();
        let row = client
            .query_one(
                "select g.guarantee_no,
                   to_char(g.valid_from at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'),
                   to_char(g.valid_to at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'),
                   to_char(g.issued_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'),
                   g.id
                 from guarantees g join applications a on a.id = g.application_id
                 where a.external_no = $1",
                &[&no],
            )
            .await
            .unwrap();
        let id: uuid::Uuid = row.get(4);
        let docs = client
            .query(
                "select kind, md5, content from documents where guarantee_id = $1 order by kind",
                &[&id],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        ((0..4).map(|i| row.get(i)).collect(), docs)
    }

    pub(crate) async fn stop(self) {
        for (stop, task) in self.services {
            stop.cancel();
            task.await.unwrap();
        }
        self.s.stop().await;
    }
}

fn md5_upper(bytes: &[u8]) -> String {
    baohan_letter::md5_upper(bytes)
}

#[tokio::test]
async fn an_ely_application_paid_on_the_portal_is_issued_and_announced_with_ely102_03() {
    let _broker = harness::shared().await;
    let i = Issuing::start().await;
    i.through_issue(Platform::Ely, "ELY-ISS-1", "S-ISS-1").await;
    // 01 (approved), 05 (paid), 03 (issued), in that order.
    let got = i.received(3).await;
    let statuses: Vec<&str> = got
        .iter()
        .map(|r| r.fields["applicationStatus"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["01", "05", "03"]);
    let (g, docs) = i.guarantee("ELY-ISS-1").await;
    assert!(g[0].starts_with("LYBH"), "{g:?}");
    assert_eq!(
        Value::Object(got[2].fields.clone()),
        json!({
            "applicationId": "ELY-ISS-1",
            "applicationStatus": "03",
            "guaranteeId": g[0],
            "guaranteeAmt": "119800.00",
            "validTimeStart": g[1],
            "validTimeEnd": g[2],
            "letterOfTime": g[3],
            // 企业名称 is the supplier's: the application's `supplier`.
            "companyName": plain("ely", "ELY101")["supplier"],
        })
    );
    // The three documents, each with the MD5 of what is stored.
    let kinds: Vec<&str> = docs.iter().map(|d| d.0.as_str()).collect();
    assert_eq!(kinds, ["application_form", "guarantee_xml", "letter"]);
    for (kind, md5, content) in &docs {
        assert_eq!(md5, &md5_upper(content), "{kind}");
    }
    assert!(docs[2].2.starts_with(b"%PDF-"));
    let xml = String::from_utf8(docs[1].2.clone()).unwrap();
    assert!(xml.contains(&format!("<GuaranteeNo>{}</GuaranteeNo>", g[0])));
    assert!(xml.contains("<AmountInWords>壹拾壹万玖仟捌佰元整</AmountInWords>"));

    // ELY103: the platform fetches the letter, in a digital envelope.
    let mut query = serde_json::Map::new();
    query.insert("applicationId".into(), json!("ELY-ISS-1"));
    let r =
        i.s.app
            .conn()
            .await
            .post(
                "/ely",
                i.s.app
                    .ely
                    .body(baohan_protocol::ely::Transcode::Ely103, &query),
            )
            .await
            .unwrap();
    let (wire, business) = i.s.app.ely.open_response(&r.body);
    assert_eq!(wire.code.code(), "000");
    assert!(wire.sign.is_some(), "an envelope carries its wrapped key");
    let business = business.expect("the file, decrypted");
    assert_eq!(
        business["guaranteeFileName"],
        json!(format!("{}.pdf", g[0]))
    );
    let content = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        business["guaranteeFileContent"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(content, docs[2].2, "the stored letter");

    // The letter is signed with the institution's certificate.
    let signed = baohan_pdfsign::pdf::verify(&content).unwrap();
    let settings = harness::load();
    let ours = baohan_pdfsign::cert::parse(
        settings
            .issuance
            .signing_cert
            .as_deref()
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(signed.cert, ours);

    // ELY104: the letter as issued is genuine; one changed byte is not.
    let verify = |pdf: &[u8]| {
        let mut q = serde_json::Map::new();
        q.insert("guaranteeId".into(), json!(g[0]));
        q.insert(
            "guaranteeData".into(),
            json!(base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                pdf
            )),
        );
        i.s.app
            .ely
            .body(baohan_protocol::ely::Transcode::Ely104, &q)
    };
    let summary = baohan_pdfsign::cert::summary(&ours);
    for (pdf, status) in [
        (content.clone(), "01"),
        (
            {
                let mut c = content.clone();
                c[200] ^= 0x01;
                c
            },
            "02",
        ),
    ] {
        let r =
            i.s.app
                .conn()
                .await
                .post("/ely", verify(&pdf))
                .await
                .unwrap();
        let (wire, business) = i.s.app.ely.open_response(&r.body);
        assert_eq!(wire.code.code(), "000");
        let b = business.expect("the verdict, decrypted");
        assert_eq!(b["status"], json!(status), "{b:?}");
        assert_eq!(b["guaranteeId"], json!(g[0]));
        assert_eq!(b["certNum"], json!(summary.serial));
        assert_eq!(
            b["certOwner"],
            json!(baohan_pdfsign::cert::common_name(&summary.subject))
        );
        assert_eq!(
            b["certAuthor"],
            json!(baohan_pdfsign::cert::common_name(&summary.issuer))
        );
        assert!(
            b["signTime"].as_str().unwrap().starts_with(&g[3][..10]),
            "{b:?}"
        );
    }
    i.stop().await;
}

#[tokio::test]
async fn a_fujian_application_is_issued_and_announced_with_baohannotice_1() {
    let _broker = harness::shared().await;
    let i = Issuing::start().await;
    i.through_issue(Platform::Fujian, "FJ-ISS-1", "S-ISS-2")
        .await;
    let got = i.received(1).await;
    let (g, _) = i.guarantee("FJ-ISS-1").await;
    assert!(g[0].starts_with("TBBH"), "{g:?}");
    assert_eq!(got[0].interface, "baohannotice");
    assert_eq!(
        Value::Object(got[0].fields.clone()),
        json!({
            "applyno": "FJ-ISS-1",
            "baohanno": g[0],
            "instname": harness::load().institution.name,
            "generatetime": g[3],
            "applystatus": "1",
        })
    );
    i.stop().await;
}
