//! The notifier benchmark: notifier replicas as processes against the
//! platform stub (which verifies every signature and decrypts every SM2
//! payload, as the platforms do), on the real PostgreSQL and RabbitMQ.
//!
//!     deploy/local/servers.sh up
//!     cargo build --release -p baohan-tests --bin notifier-replica --bin notifier-bench
//!     target/release/notifier-bench [--callbacks 3000] [--outage-secs 300]
//!
//! 1. Throughput: `--callbacks` callbacks (half ELY102, half
//!    baohannotice; three per application, which go in order) are written
//!    and announced first; then 1 or 3 replicas start and deliver them,
//!    against a stub answering in 50 ms and one answering at once.
//!    Deliveries per second is counted from the first arrival at the stub
//!    to the last, so replica start-up is left out.
//! 2. Outage: 3 replicas with the default settings; the stub stops
//!    listening (connections refused) for `--outage-secs` while callbacks
//!    keep coming at `--outage-rate` a second. Reported: the oldest pending
//!    callback's age when the platform comes back, the attempts made during
//!    the outage, and the time until everything owed is delivered.
//!
//! Every run has a database and broker prefix of its own; the queues are
//! deleted afterwards.

use baohan_bus::{Publisher, Topology, WorkQueue, connect};
use baohan_config::Settings;
use baohan_store::Store;
use baohan_store::scratch::Scratch;
use baohan_tests::fleet::{self, Replica};
use baohan_tests::platform::{ElyPlatform, FujianPlatform, plain};
use baohan_tests::stub::{Mode, PlatformStub};
use clap::Parser;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
struct Args {
    /// Callbacks per throughput run.
    #[arg(long, default_value_t = 3000)]
    callbacks: usize,
    /// Replica counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,3")]
    replicas: Vec<usize>,
    /// Stub answer times to measure, in ms (0: at once).
    #[arg(long, value_delimiter = ',', default_value = "50,0")]
    latency_ms: Vec<u64>,
    /// Override `notifier.max_in_flight_per_platform` in throughput runs.
    #[arg(long)]
    max_in_flight: Option<usize>,
    /// Override `notifier.max_per_second_per_platform` in throughput runs.
    #[arg(long)]
    max_per_second: Option<u32>,
    /// The outage's length; 0 skips it.
    #[arg(long, default_value_t = 300)]
    outage_secs: u64,
    /// New callbacks a second during the outage.
    #[arg(long, default_value_t = 5)]
    outage_rate: u32,
}

/// One run's database, queues, stub and replicas.
struct Run {
    settings: Settings,
    store: Store,
    publisher: Publisher,
    stub: PlatformStub,
    vars: Vec<(String, String)>,
    replicas: Vec<Replica>,
    /// Last: the run's database goes with it.
    _database: Scratch,
}

impl Run {
    async fn new(extra: Vec<(String, String)>) -> Result<Run, Error> {
        let (settings, _database) = fleet::scratch_settings().await;
        let store = Store::connect(&settings.database)?;
        baohan_store::migrate::migrate(&store).await?;
        let amqp = connect::uri(&settings.broker)?;
        // Declares the topology on its first publish.
        let publisher = Publisher::new(amqp, "bench", Topology::new(&settings.broker));
        let platforms = Settings::load_with_env(
            &baohan_tests::platform::repo().join("config/local.toml"),
            [],
        )?;
        let stub = PlatformStub::start(
            FujianPlatform::demo(&platforms),
            ElyPlatform::demo(&platforms),
            0,
        )
        .await;
        let mut vars = fleet::replica_env(&settings);
        vars.extend(stub.env());
        vars.extend(extra);
        Ok(Run {
            settings,
            store,
            publisher,
            stub,
            vars,
            replicas: Vec::new(),
            _database,
        })
    }

    async fn start_replicas(&mut self, n: usize) -> Result<(), Error> {
        let exe = replica_exe()?;
        for i in 0..n {
            let log = std::env::temp_dir().join(format!(
                "baohan-bench-{}-{i}.log",
                self.settings.broker.prefix
            ));
            self.replicas.push(Replica::spawn(&exe, &self.vars, log));
        }
        let amqp = connect::uri(&self.settings.broker)?;
        let topology = Topology::new(&self.settings.broker);
        let deadline = Instant::now() + Duration::from_secs(120);
        while (fleet::consumers(&amqp, &topology, WorkQueue::Notifier).await as usize) < n {
            if Instant::now() > deadline {
                return Err(format!(
                    "replicas did not start; see {:?}",
                    self.replicas.iter().map(|r| &r.log).collect::<Vec<_>>()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Callback `k` of application `a`: ELY102 for even applications,
    /// baohannotice for odd ones.
    async fn owe(&self, a: usize, k: usize) {
        let subject = format!("BENCH{a:06}");
        let status = ["01", "05", "03"][k % 3];
        let (platform, interface, payload) = if a % 2 == 0 {
            let mut m = plain("ely", "ELY102");
            m.insert("applicationId".into(), json!(subject));
            m.insert("applicationStatus".into(), json!(status));
            ("ely-demo", "ELY102", Value::Object(m))
        } else {
            let mut m = plain("fujian", "baohannotice");
            for f in ["appkey", "timestamp", "sign"] {
                m.remove(f);
            }
            m.insert("applyno".into(), json!(subject));
            ("fujian-demo", "baohannotice", Value::Object(m))
        };
        fleet::owe(
            &self.store,
            &self.publisher,
            platform,
            &subject,
            interface,
            &payload,
        )
        .await;
    }

    async fn wait_delivered(&self, n: usize, within: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + within;
        while (fleet::delivered(&self.store).await as usize) < n {
            if Instant::now() > deadline {
                return Err(format!(
                    "only {} of {n} delivered",
                    fleet::delivered(&self.store).await
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    async fn finish(mut self) {
        for r in &mut self.replicas {
            r.kill().await;
        }
        self.publisher.close().await;
        if let Ok(amqp) = connect::uri(&self.settings.broker) {
            if let Ok(conn) = connect::open(&amqp, "bench-cleanup").await {
                if let Ok(ch) = conn.create_channel().await {
                    let _ = Topology::new(&self.settings.broker).delete(&ch).await;
                }
                let _ = conn.close(200, "done".into()).await;
            }
        }
    }
}

fn replica_exe() -> Result<PathBuf, Error> {
    let exe = std::env::current_exe()?
        .parent()
        .map(|d| d.join("notifier-replica"))
        .ok_or("no directory for the replica binary")?;
    if !exe.exists() {
        return Err(format!(
            "{} is missing: cargo build --release -p baohan-tests --bin notifier-replica",
            exe.display()
        )
        .into());
    }
    Ok(exe)
}

async fn throughput(args: &Args, latency: Duration, replicas: usize) -> Result<f64, Error> {
    let mut extra = Vec::new();
    if let Some(n) = args.max_in_flight {
        extra.push((
            "BAOHAN_NOTIFIER__MAX_IN_FLIGHT_PER_PLATFORM".into(),
            n.to_string(),
        ));
    }
    if let Some(n) = args.max_per_second {
        extra.push((
            "BAOHAN_NOTIFIER__MAX_PER_SECOND_PER_PLATFORM".into(),
            n.to_string(),
        ));
    }
    let mut run = Run::new(extra).await?;
    run.stub.set_mode(if latency.is_zero() {
        Mode::Accept
    } else {
        Mode::Latency(latency)
    });
    let applications = args.callbacks.div_ceil(3);
    for k in 0..3 {
        for a in 0..applications {
            if k * applications + a < args.callbacks {
                run.owe(a, k).await;
            }
        }
    }
    run.start_replicas(replicas).await?;
    run.wait_delivered(args.callbacks, Duration::from_secs(1800))
        .await?;
    let received = run.stub.received();
    let refused = run.stub.refused().len();
    let first = received.iter().map(|r| r.at).min();
    let last = received.iter().map(|r| r.at).max();
    let rate = match (first, last) {
        (Some(f), Some(l)) if l > f => (received.len() - 1) as f64 / (l - f).as_secs_f64(),
        _ => 0.0,
    };
    println!(
        "  latency {:>3} ms, {replicas} replica(s): {:>7.1} deliveries/s ({} received, {} sent twice, {refused} refused by the stub)",
        latency.as_millis(),
        rate,
        received.len(),
        received.len() - args.callbacks
    );
    run.finish().await;
    Ok(rate)
}

async fn outage(args: &Args) -> Result<(), Error> {
    let mut run = Run::new(Vec::new()).await?;
    run.stub.set_mode(Mode::Latency(Duration::from_millis(50)));
    run.start_replicas(3).await?;
    run.stub.go_down().await;
    let started = Instant::now();
    let every = Duration::from_secs(1) / args.outage_rate.max(1);
    let mut owed = 0usize;
    let end = started + Duration::from_secs(args.outage_secs);
    let mut next_report = started + Duration::from_secs(60);
    while Instant::now() < end {
        run.owe(owed, 0).await;
        owed += 1;
        if Instant::now() >= next_report {
            let b = run.store.backlog().await?;
            println!(
                "  {:>4} s into the outage: {owed} owed, oldest pending {} s",
                started.elapsed().as_secs(),
                b.oldest_pending_secs
            );
            next_report += Duration::from_secs(60);
        }
        tokio::time::sleep(every).await;
    }
    let at_return = run.store.backlog().await?;
    let attempts: i64 = run
        .store
        .client()
        .await?
        .query_one("select count(*) from callback_attempts", &[])
        .await?
        .get(0);
    run.stub.come_back().await;
    let back = Instant::now();
    run.wait_delivered(owed, Duration::from_secs(3600)).await?;
    let drain = back.elapsed();
    let received = run.stub.received();
    let first = received.iter().map(|r| r.at).min().unwrap_or(back);
    println!(
        "  {} s outage, {owed} callbacks owed: oldest pending {} s at the platform's return; \
         {attempts} attempts during the outage ({:.2} per callback);",
        args.outage_secs,
        at_return.oldest_pending_secs,
        attempts as f64 / owed.max(1) as f64
    );
    println!(
        "  first delivery {:.1} s after the return, all {owed} delivered {:.1} s after it ({} received, {} sent twice)",
        first.saturating_duration_since(back).as_secs_f64(),
        drain.as_secs_f64(),
        received.len(),
        received.len().saturating_sub(owed)
    );
    run.finish().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    println!(
        "notifier-bench: {} callbacks a run, {} cores",
        args.callbacks,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for &ms in &args.latency_ms {
        let mut rates = Vec::new();
        for &n in &args.replicas {
            rates.push((n, throughput(&args, Duration::from_millis(ms), n).await?));
        }
        if let (Some((1, one)), Some((n, many))) = (rates.first(), rates.last()) {
            if *n > 1 && *one > 0.0 {
                println!("  latency {ms:>3} ms: {n} replicas / 1 = {:.2}", many / one);
            }
        }
    }
    if args.outage_secs > 0 {
        outage(&args).await?;
    }
    Ok(())
}
