//! Measures what an outsider's load does to a running ingress, and prints
//! the figures docs/security.md and the README quote.
//!
//!     deploy/local/up.sh
//!     cargo run --release -p baohan-tests --bin edge-bench -- slow-headers [--clients 500]
//!     cargo run --release -p baohan-tests --bin edge-bench -- ely104-load [--clients 8] [--mib 15] [--seconds 30]
//!
//! `slow-headers`: CLIENTS connections each trickle a header block that
//! never ends (a byte every 500 ms); meanwhile `/healthz` is asked every
//! 100 ms on fresh connections. Reports its latency and when the server
//! closed the trickling connections.
//!
//! `ely104-load`: CLIENTS clients send MIB-sized ELY104 requests (a
//! digital envelope around a letter that is not ours) in a loop; meanwhile
//! one client sends ELY101 applications one after another and another
//! asks `/healthz` every 100 ms. Reports each one's rate and latency.

use baohan_protocol::ely::Transcode;
use baohan_protocol::wire::Value;
use baohan_tests::client::Connection;
use baohan_tests::platform::{ElyPlatform, plain, to_body};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
struct Args {
    /// The ingress.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    SlowHeaders {
        #[arg(long, default_value_t = 500)]
        clients: usize,
        /// How long to keep trickling, at most.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
    Ely104Load {
        #[arg(long, default_value_t = 8)]
        clients: usize,
        #[arg(long, default_value_t = 15)]
        mib: usize,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    match args.what {
        What::SlowHeaders { clients, seconds } => slow_headers(args.addr, clients, seconds).await,
        What::Ely104Load {
            clients,
            mib,
            seconds,
        } => ely104_load(args.addr, clients, mib, seconds).await,
    }
}

/// Latencies, sorted, with percentiles.
struct Sample(Vec<Duration>);

impl Sample {
    fn at(&self, p: f64) -> Duration {
        let mut v = self.0.clone();
        v.sort();
        let i = ((v.len().max(1) - 1) as f64 * p).round() as usize;
        v.get(i).copied().unwrap_or_default()
    }
    fn line(&self) -> String {
        format!(
            "{} answers, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.0.len(),
            self.at(0.5).as_secs_f64() * 1e3,
            self.at(0.99).as_secs_f64() * 1e3,
            self.at(1.0).as_secs_f64() * 1e3
        )
    }
}

/// Asks `/healthz` every 100 ms until `stop`.
async fn probe(addr: SocketAddr, stop: Arc<tokio::sync::Notify>) -> Sample {
    let mut out = Vec::new();
    loop {
        let t = Instant::now();
        let answered = async {
            let mut c = Connection::open(addr).await?;
            c.get("/healthz").await
        };
        match tokio::time::timeout(Duration::from_secs(10), answered).await {
            Ok(Ok(r)) if r.status == 200 => out.push(t.elapsed()),
            _ => out.push(Duration::from_secs(10)),
        }
        tokio::select! {
            () = stop.notified() => return Sample(out),
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

async fn slow_headers(addr: SocketAddr, clients: usize, seconds: u64) -> Result<(), Error> {
    let stop = Arc::new(tokio::sync::Notify::new());
    let prober = tokio::spawn(probe(addr, stop.clone()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        tasks.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await?;
            s.write_all(b"POST /ely HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .await?;
            let connected = started.elapsed();
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let mut buf = [0u8; 1024];
            while Instant::now() < deadline {
                if s.write_all(b"a").await.is_err() {
                    break;
                }
                match tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => break,
                    _ => {}
                }
            }
            Ok::<_, Error>(started.elapsed() - connected)
        }));
    }
    let mut held = Vec::new();
    for t in tasks {
        held.push(t.await??);
    }
    stop.notify_one();
    let healthz = prober.await?;
    let held = Sample(held);
    println!("slow headers: {clients} clients trickling a byte every 500 ms");
    println!("  /healthz meanwhile: {}", healthz.line());
    println!(
        "  each trickling connection closed after: p50 {:.2} s, max {:.2} s",
        held.at(0.5).as_secs_f64(),
        held.at(1.0).as_secs_f64()
    );
    Ok(())
}

fn is_code(body: &[u8], code: &str) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|v| v["code"] == code)
}

async fn ely104_load(
    addr: SocketAddr,
    clients: usize,
    mib: usize,
    seconds: u64,
) -> Result<(), Error> {
    let settings = baohan_config::Settings::load(&baohan_config::path_from(None))?;
    let ely = Arc::new(ElyPlatform::demo(&settings));
    // A "letter" of about MIB MiB once Base64'd and sealed: not ours, so
    // the whole check runs and answers 02 (or 203 for the unknown id).
    // Base64 twice (the letter, then the SM4 envelope): 16/9 of the raw size.
    let raw = mib * 1024 * 1024 * 9 / 16;
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(raw, b'x');
    let data = baohan_gm::Encoding::Base64.encode(&pdf);
    let mut business = plain("ely", "ELY104");
    business.insert("guaranteeData".into(), Value::String(data));
    let big = {
        let ely = ely.clone();
        tokio::task::spawn_blocking(move || to_body(&ely.seal(Transcode::Ely104, &business)))
            .await?
    };
    println!(
        "ely104 load: {clients} clients sending {:.1} MiB ELY104 requests for {seconds} s",
        big.len() as f64 / (1 << 20) as f64
    );
    let big = Arc::new(big);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let stop = Arc::new(tokio::sync::Notify::new());
    let prober = tokio::spawn(probe(addr, stop.clone()));
    let mut loaders = Vec::new();
    for _ in 0..clients {
        let big = big.clone();
        loaders.push(tokio::spawn(async move {
            let (mut answered, mut busy, mut lat) = (0usize, 0usize, Vec::new());
            while Instant::now() < deadline {
                let mut c = Connection::open(addr).await?;
                let t = Instant::now();
                let r = c.post("/ely", big.to_vec()).await?;
                lat.push(t.elapsed());
                if is_code(&r.body, "301") {
                    busy += 1;
                } else {
                    answered += 1;
                }
            }
            Ok::<_, Error>((answered, busy, lat))
        }));
    }
    // ELY101, one after another, each a new application.
    let tag = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs()
    );
    let applicant = {
        let ely = ely.clone();
        tokio::spawn(async move {
            let mut c = Connection::open(addr).await?;
            let (mut ok, mut other, mut lat, mut i) = (0usize, 0usize, Vec::new(), 0usize);
            while Instant::now() < deadline {
                let mut b = plain("ely", "ELY101");
                b.insert(
                    "applicationId".into(),
                    Value::String(format!("L{tag}{i:06}")),
                );
                i += 1;
                let body = to_body(&ely.seal(Transcode::Ely101, &b));
                let t = Instant::now();
                let r = c.post("/ely", body).await?;
                lat.push(t.elapsed());
                if is_code(&r.body, "000") {
                    ok += 1;
                } else {
                    other += 1;
                    if other <= 3 {
                        eprintln!("ELY101: {}", String::from_utf8_lossy(&r.body));
                    }
                }
            }
            Ok::<_, Error>((ok, other, lat))
        })
    };
    let (mut answered, mut busy, mut lat) = (0, 0, Vec::new());
    for l in loaders {
        let (a, b, l) = l.await??;
        answered += a;
        busy += b;
        lat.extend(l);
    }
    let (ok, other, ely101) = applicant.await??;
    stop.notify_one();
    let healthz = prober.await?;
    println!(
        "  ELY104: {answered} checked, {busy} answered busy (301); {}",
        Sample(lat).line()
    );
    println!(
        "  ELY101 meanwhile: {ok} accepted ({:.1}/s), {other} not; {}",
        ok as f64 / seconds as f64,
        Sample(ely101).line()
    );
    println!("  /healthz meanwhile: {}", healthz.line());
    Ok(())
}
