//! `baohanctl replay`: journal messages, republished into their queues.
//! A dry run first counts what the selection matches; that count is the
//! plan, and the progress bar's total.

use crate::Outcome;
use crate::cli::ReplayArgs;
use crate::console::{self, Context, Progress};
use baohan_bus::replay::{self, From, Selection};

pub fn run(args: ReplayArgs) -> Outcome {
    let mut selection = Selection {
        queue: args.queue.map(|q| q.work_queue()),
        from: match &args.since {
            None => From::First,
            Some(text) => From::Time(console::moment("--since", text)?),
        },
        // Fixed now, so that the count and the replay cover the same span.
        until: Some(
            args.until
                .as_deref()
                .map(|t| console::moment("--until", t))
                .transpose()?
                .unwrap_or_else(std::time::SystemTime::now),
        ),
        kind: args.kind,
        platform: args.platform,
        dry_run: true,
    };
    let cx = Context::load(args.config.config)?;
    let (uri, topology) = cx.broker()?;
    let counted = cx
        .runtime
        .block_on(replay::replay(&uri, &topology, &selection, |_| {}))
        .map_err(console::failed("replay"))?;
    let report = if args.dry_run {
        counted
    } else {
        let mut plan = vec![format!(
            "replay: {} of {} journal messages match ({}), republished to:",
            counted.matched,
            counted.read,
            describe(&selection)
        )];
        plan.extend(counted.by_queue.iter().map(|(q, n)| format!("  {q}: {n}")));
        console::confirm(&plan, args.yes)?;
        selection.dry_run = false;
        let total: u64 = counted.by_queue.values().sum();
        let mut bar = Progress::new("replay", total);
        let report = cx
            .runtime
            .block_on(replay::replay(&uri, &topology, &selection, |r| {
                bar.set(r.republished)
            }))
            .map_err(console::failed("replay"))?;
        bar.finish();
        report
    };
    println!(
        "{}",
        serde_json::json!({
            "dry_run": args.dry_run,
            "read": report.read,
            "matched": report.matched,
            "republished": report.republished,
            "by_queue": report.by_queue,
        })
    );
    Ok(())
}

fn describe(s: &Selection) -> String {
    let any = |v: &Option<String>| v.clone().unwrap_or_else(|| "any".into());
    format!(
        "kind {}, platform {}, queue {}",
        any(&s.kind),
        any(&s.platform),
        s.queue.map_or("each bound one", |q| q.name())
    )
}
