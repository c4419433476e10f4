//! The issuance benchmark: guarantees issued per second, end to end, on
//! the real PostgreSQL and RabbitMQ: the `application.paid` event taken
//! from the queue, the letter drawn and signed, the XML and the
//! application form made, and the one transaction that stores the
//! guarantee, its three documents, the history, the callback and the
//! outbox events, and then publishes them.
//!
//!     deploy/local/servers.sh up
//!     cargo build --release -p baohan-tests --bin issuance-bench
//!     target/release/issuance-bench [--applications 600]
//!
//! The paid applications (half Fujian, half ELY) and their events are
//! written first; then the issuance worker starts, in this process, with
//! the service's own settings. The rate is counted between the first and
//! the last `issued_at`, so start-up is left out. Every run has a database
//! and broker prefix of its own; the queues are deleted afterwards.

use baohan_bus::message::Outgoing;
use baohan_bus::{ApplicationChanged, Event, Exchange, Protocol, Publisher, Topology, connect};
use baohan_domain::application::Status;
use baohan_domain::details::Details;
use baohan_service::Service;
use baohan_store::Store;
use baohan_store::applications::NewApplication;
use baohan_telemetry::trace::TraceParent;
use baohan_tests::fleet;
use clap::Parser;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
struct Args {
    /// Paid applications to issue.
    #[arg(long, default_value_t = 600)]
    applications: usize,
    /// Override `broker.prefetch` (concurrent issues per worker).
    #[arg(long)]
    prefetch: Option<u16>,
}

fn application(i: usize) -> Result<NewApplication, Error> {
    let opening = baohan_protocol::time::now() + chrono::Duration::days(10);
    let (platform, protocol, details) = if i % 2 == 0 {
        (
            "fujian-demo",
            Protocol::Fujian,
            json!({
                "section": format!("S-{i}"), "biaoduanno": format!("S-{i}"),
                "biaoduanname": "第一标段", "zbr": "福州市鼓楼区城投示范建设发展有限公司",
                "zbrorgnum": "913501021543862763", "kaibiaotime": opening.to_rfc3339(),
                "citycode": "350100", "projecttype": "房建市政", "reckonpriceFen": 3_000_000_000_i64,
                "tbyxq": 90, "tenderfileurl": "https://example.com/t.pdf",
                "decision": {"outcome": "approve"},
            }),
        )
    } else {
        (
            "ely-demo",
            Protocol::Ely,
            json!({
                "section": format!("S-{i}"), "bidCode": format!("S-{i}"), "bidName": "第一包",
                "purchaseNature": "服务类", "purchaseName": "福州市榕华中学",
                "purchaseSocCode": "12350100488172614W", "bidAmountFen": 1_198_000_000_i64,
                "guaranteeMonths": 12, "needPaper": "0", "decision": {"outcome": "approve"},
            }),
        )
    };
    Ok(NewApplication {
        id: Uuid::new_v4(),
        platform_id: platform.into(),
        protocol,
        external_no: format!("BENCH-{i:06}"),
        status: Status::Approved,
        note: None,
        applicant_name: "福建榕信示范信息技术有限公司".into(),
        applicant_credit_code: "91350104MA34T6NE1E".into(),
        project_code: Some("[350100]SFZB[GK]2026017".into()),
        project_name: Some("福州市榕华中学智慧校园运维服务采购项目".into()),
        guarantee_amount_fen: 11_980_000,
        premium_fen: Some(35_940),
        pay_token_digest: None,
        // The first release's layout, read by the one accessor.
        details: Details::from_json(&details)?,
        personal: Vec::new(),
        notifications: Vec::new(),
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    let (mut settings, _database) = fleet::scratch_settings().await;
    settings.issuance.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    settings.telemetry.log = "warn".into();
    if let Some(p) = args.prefetch {
        settings.broker.prefetch = p;
    }
    let store = Store::connect(&settings.database)?;
    baohan_store::migrate::migrate(&store).await?;
    let amqp = connect::uri(&settings.broker)?;
    let publisher = Publisher::new(amqp.clone(), "bench", Topology::new(&settings.broker));

    // The paid applications, and their events waiting in the queue.
    let n = args.applications;
    let mut apps = Vec::with_capacity(n);
    for i in 0..n {
        let a = application(i)?;
        store
            .write_application("bench", Uuid::new_v4(), &a, &[])
            .await?;
        apps.push(a);
    }
    store
        .client()
        .await?
        .execute("update applications set status = 'paid'", &[])
        .await?;
    let parent = TraceParent::root();
    for a in &apps {
        let event = Event::Application(ApplicationChanged {
            application_id: a.id,
            platform_id: a.platform_id.clone(),
            protocol: a.protocol.clone(),
            external_no: a.external_no.clone(),
            from: Some("approved".into()),
            to: "paid".into(),
            actor: "bench".into(),
        });
        publisher
            .publish(
                Exchange::Events,
                &Outgoing::event(Uuid::new_v4(), &event)?,
                &parent,
            )
            .await?;
    }
    println!(
        "{n} paid applications waiting; {} cores; prefetch {}",
        std::thread::available_parallelism().map_or(0, |c| c.get()),
        settings.broker.prefetch
    );

    let broker = settings.broker.clone();
    let worker = issuance::build(settings).await?;
    let stop = CancellationToken::new();
    let task = tokio::spawn(worker.run_until_stopped(stop.clone()));
    let started = Instant::now();
    let client = store.client().await?;
    loop {
        let issued: i64 = client
            .query_one("select count(*) from guarantees", &[])
            .await?
            .get(0);
        if issued as usize >= n {
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err(format!("only {issued} of {n} issued in 10 minutes").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let row = client
        .query_one(
            "select extract(epoch from max(issued_at) - min(issued_at))::float8,
               (select count(*) from callbacks), (select count(*) from documents),
               (select sum(length(content)) from documents)::bigint
             from guarantees",
            &[],
        )
        .await?;
    let span: f64 = row.get(0);
    let (callbacks, documents, bytes): (i64, i64, i64) = (row.get(1), row.get(2), row.get(3));
    println!(
        "issued {n} in {span:.2} s (first to last issue): {:.1} issues/s",
        (n as f64 - 1.0) / span.max(1e-9)
    );
    println!(
        "stored {documents} documents ({:.1} MiB) and {callbacks} callbacks",
        bytes as f64 / (1 << 20) as f64
    );
    stop.cancel();
    let _ = task.await;
    publisher.close().await;
    if let Ok(conn) = connect::open(&amqp, "bench-cleanup").await {
        if let Ok(ch) = conn.create_channel().await {
            let _ = Topology::new(&broker).delete(&ch).await;
        }
        let _ = conn.close(200, "done".into()).await;
    }
    Ok(())
}
