//! `baohanctl replay`: journal messages, republished into their queues.

use crate::cli::{QueueName, ReplayArgs};
use crate::{Failure, Outcome};
use baohan_bus::replay::{self, From, Selection};
use baohan_bus::{Topology, WorkQueue, connect};
use std::time::SystemTime;

fn moment(flag: &str, text: &str) -> Result<SystemTime, Failure> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(SystemTime::from)
        .map_err(|e| {
            Failure::Usage(format!(
                "{flag} {text:?}: {e} (RFC 3339, e.g. 2026-11-30T09:00:00+08:00)"
            ))
        })
}

pub fn run(args: ReplayArgs) -> Outcome {
    let selection = Selection {
        queue: args.queue.map(|q| match q {
            QueueName::Underwriting => WorkQueue::Underwriting,
            QueueName::Issuance => WorkQueue::Issuance,
            QueueName::Claims => WorkQueue::Claims,
            QueueName::Refunds => WorkQueue::Refunds,
            QueueName::Notifier => WorkQueue::Notifier,
        }),
        from: match &args.since {
            None => From::First,
            Some(text) => From::Time(moment("--since", text)?),
        },
        until: args
            .until
            .as_deref()
            .map(|t| moment("--until", t))
            .transpose()?,
        kind: args.kind,
        platform: args.platform,
        dry_run: args.dry_run,
    };
    let path = baohan_config::path_from(args.config);
    let settings =
        baohan_config::Settings::load(&path).map_err(|e| Failure::Usage(e.to_string()))?;
    let uri = connect::uri(&settings.broker).map_err(|e| Failure::Usage(e.to_string()))?;
    let topology = Topology::new(&settings.broker);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let report = runtime
        .block_on(replay::replay(&uri, &topology, &selection))
        .map_err(|e| Failure::Check(format!("replay: {e}")))?;
    println!(
        "{}",
        serde_json::json!({
            "dry_run": selection.dry_run,
            "read": report.read,
            "matched": report.matched,
            "republished": report.republished,
            "by_queue": report.by_queue,
        })
    );
    Ok(())
}
