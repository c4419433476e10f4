//! `baohanctl replay`: the journal, republished into one work queue.

use crate::cli::{QueueName, ReplayArgs};
use crate::{Failure, Outcome};
use baohan_bus::replay::{self, From};
use baohan_bus::{Topology, WorkQueue, connect};

pub fn run(args: ReplayArgs) -> Outcome {
    let path = baohan_config::path_from(args.config);
    let settings =
        baohan_config::Settings::load(&path).map_err(|e| Failure::Usage(e.to_string()))?;
    let from = match &args.since {
        None => From::First,
        Some(text) => {
            let t = chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|e| Failure::Usage(format!("--since {text:?}: {e}")))?;
            From::Time(t.into())
        }
    };
    let queue = match args.queue {
        QueueName::Underwriting => WorkQueue::Underwriting,
        QueueName::Issuance => WorkQueue::Issuance,
        QueueName::Claims => WorkQueue::Claims,
        QueueName::Refunds => WorkQueue::Refunds,
        QueueName::Notifier => WorkQueue::Notifier,
    };
    let uri = connect::uri(&settings.broker).map_err(|e| Failure::Usage(e.to_string()))?;
    let topology = Topology::new(&settings.broker);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let report = runtime
        .block_on(replay::replay(&uri, &topology, queue, from, args.dry_run))
        .map_err(|e| Failure::Check(format!("replay: {e}")))?;
    println!(
        "{}",
        serde_json::json!({
            "queue": topology.queue(queue),
            "dry_run": args.dry_run,
            "read": report.read,
            "matched": report.matched,
            "republished": report.republished,
        })
    );
    Ok(())
}
