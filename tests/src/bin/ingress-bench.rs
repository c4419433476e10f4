//! Drives a running ingress on loopback with ELY101 and baohanapply calls,
//! signed and encrypted as the demo platforms would, and reports req/s and
//! latency percentiles, beside the SM2-decrypt-only rate of this machine
//! measured in the same run (the bound for ELY101, whose cost is one SM2
//! decryption).
//!
//!     deploy/local/up.sh
//!     cargo run --release -p baohan-tests --bin ingress-bench -- [--requests N] [--connections C]
//!
//! Every call has a fresh business key, so each is a real acceptance:
//! journal insert, publish to a quorum queue, broker confirm.

use baohan_gm::sm2::{self, Accept, CipherFormat, PrivateKey};
use baohan_protocol::ely::Transcode;
use baohan_protocol::fujian::Interface;
use baohan_protocol::wire::Value;
use baohan_tests::client::Connection;
use baohan_tests::platform::{ElyPlatform, FujianPlatform, plain, to_body};
use clap::Parser;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// The ingress to drive.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Calls per interface.
    #[arg(long, default_value_t = 4000)]
    requests: usize,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Drive only these interfaces (ELY101, baohanapply); all by default.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Seconds spent measuring the SM2-decrypt-only rate.
    #[arg(long, default_value_t = 3)]
    sm2_seconds: u64,
}

struct Run {
    name: &'static str,
    ok: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
    fn percentile(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        let i = ((l.len() as f64 - 1.0) * p).round() as usize;
        l.get(i).copied().unwrap_or_default()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args = Args::parse();
    let settings = baohan_config::Settings::load(&baohan_config::path_from(None))?;
    let fujian = FujianPlatform::demo(&settings);
    let ely = Arc::new(ElyPlatform::demo(&settings));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let tag = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs()
    );

    let wanted = |name: &str| args.only.is_empty() || args.only.iter().any(|o| o == name);
    println!("preparing {} calls of each interface ...", args.requests);
    let fujian_bodies: Vec<Vec<u8>> = (0..args.requests)
        .filter(|_| wanted("baohanapply"))
        .map(|i| {
            let mut f = plain("fujian", "baohanapply");
            f.insert("applyno".into(), Value::String(format!("B{tag}{i:07}")));
            fujian.body(Interface::Baohanapply, &f)
        })
        .collect();
    // One ELY body at least: the SM2 measurement decrypts it.
    let ely_count = if wanted("ELY101") { args.requests } else { 1 };
    let ely_bodies = prepare_ely(&ely, ely_count, &tag, cores).await?;

    // Our private key: the one the ingress decrypts with.
    let Some(baohan_config::PlatformKind::Ely { profile, .. }) =
        settings.platforms.by_id("ely-demo").map(|p| &p.kind)
    else {
        return Err("no ely-demo platform".into());
    };
    let sm2_rate = sm2_decrypt_rate(
        profile.our_key.clone(),
        &ely_bodies[0],
        cores,
        args.sm2_seconds,
    )
    .await?;

    let mut runs = Vec::new();
    if wanted("ELY101") {
        runs.push(drive("ELY101", args.addr, args.connections, ely_bodies, is_ely_ok).await?);
    }
    if wanted("baohanapply") {
        runs.push(
            drive(
                "baohanapply",
                args.addr,
                args.connections,
                fujian_bodies,
                is_fujian_ok,
            )
            .await?,
        );
    }
    println!();
    println!("SM2 decrypt only, {cores} threads: {sm2_rate:.0} /s");
    println!("| interface | calls ok | failed | req/s | p50 | p99 | of the SM2-decrypt rate |");
    println!("|---|---|---|---|---|---|---|");
    for r in &runs {
        // Only ELY101 costs an SM2 decryption; the ratio means nothing for
        // baohanapply.
        let ratio = if r.name == "ELY101" {
            format!("{:.0}%", 100.0 * r.rate() / sm2_rate)
        } else {
            "-".to_owned()
        };
        println!(
            "| {} | {} | {} | {:.0} | {:.1} ms | {:.1} ms | {ratio} |",
            r.name,
            r.ok,
            r.failed,
            r.rate(),
            r.percentile(0.50).as_secs_f64() * 1e3,
            r.percentile(0.99).as_secs_f64() * 1e3,
        );
    }
    Ok(())
}

async fn prepare_ely(
    ely: &Arc<ElyPlatform>,
    n: usize,
    tag: &str,
    threads: usize,
) -> Result<Vec<Vec<u8>>, Box<dyn std::error::Error + Send + Sync>> {
    let per = n.div_ceil(threads);
    let mut tasks = Vec::new();
    for t in 0..threads {
        let ely = ely.clone();
        let tag = tag.to_owned();
        tasks.push(tokio::task::spawn_blocking(move || {
            (t * per..((t + 1) * per).min(n))
                .map(|i| {
                    let mut b = plain("ely", "ELY101");
                    b.insert(
                        "applicationId".into(),
                        Value::String(format!("E{tag}{i:07}")),
                    );
                    to_body(&ely.seal(Transcode::Ely101, &b))
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.extend(t.await?);
    }
    Ok(out)
}

/// SM2 decryptions per second with every core busy: the most ELY101
/// calls per second this machine could verify if it did nothing else.
async fn sm2_decrypt_rate(
    key: PrivateKey,
    body: &[u8],
    threads: usize,
    seconds: u64,
) -> Result<f64, Box<dyn std::error::Error + Send + Sync>> {
    let wire: Value = serde_json::from_slice(body)?;
    let data = wire["data"].as_str().unwrap_or_default();
    let ciphertext = Arc::new(baohan_gm::Encoding::Base64.decode(data)?);
    let key = Arc::new(key);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..threads {
        let (key, ct) = (key.clone(), ciphertext.clone());
        tasks.push(tokio::task::spawn_blocking(move || {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let _ = sm2::decrypt(
                    &key,
                    &ct,
                    Accept::Any {
                        first: CipherFormat::C1C3C2,
                    },
                );
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await?;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

fn is_ely_ok(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|v| v["code"] == "000")
}

fn is_fujian_ok(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|v| v["code"] == 1)
}

async fn drive(
    name: &'static str,
    addr: SocketAddr,
    connections: usize,
    bodies: Vec<Vec<u8>>,
    ok: fn(&[u8]) -> bool,
) -> Result<Run, Box<dyn std::error::Error + Send + Sync>> {
    let path = if name.starts_with("ELY") {
        "/ely"
    } else {
        "/fujian/baohanapply"
    };
    let queue = Arc::new(std::sync::Mutex::new(bodies));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let queue = queue.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = Connection::open(addr).await?;
            let (mut good, mut bad, mut lat) = (0usize, 0usize, Vec::new());
            loop {
                let Some(body) = queue.lock().map_err(|_| "poisoned")?.pop() else {
                    break;
                };
                let t = Instant::now();
                let r = c.post(path, body).await?;
                lat.push(t.elapsed());
                if ok(&r.body) {
                    good += 1;
                } else {
                    bad += 1;
                    if bad <= 3 {
                        eprintln!("{name}: {}", String::from_utf8_lossy(&r.body));
                    }
                }
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((good, bad, lat))
        }));
    }
    let mut run = Run {
        name,
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for t in tasks {
        let (g, b, l) = t.await??;
        run.ok += g;
        run.failed += b;
        run.latencies.extend(l);
    }
    run.elapsed = started.elapsed();
    Ok(run)
}
