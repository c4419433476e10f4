//! `baohanctl dlq list|redrive`: the dead-letter queues, for operators.

use crate::Outcome;
use crate::cli::DlqCommand;
use crate::console::{self, Context, Progress};
use baohan_bus::dlq;

pub fn run(cmd: DlqCommand) -> Outcome {
    match cmd {
        DlqCommand::List {
            queue: None,
            config,
            ..
        } => {
            let cx = Context::load(config.config)?;
            let (uri, topology) = cx.broker()?;
            let depths = cx
                .runtime
                .block_on(dlq::depths(&uri, &topology))
                .map_err(console::failed("dlq"))?;
            for (queue, n) in depths {
                println!("{queue:<32} {n:>8}");
            }
            Ok(())
        }
        DlqCommand::List {
            queue: Some(queue),
            limit,
            config,
        } => {
            let cx = Context::load(config.config)?;
            let (uri, topology) = cx.broker()?;
            let parked = cx
                .runtime
                .block_on(dlq::peek(&uri, &topology, queue.work_queue(), limit))
                .map_err(console::failed("dlq"))?;
            for p in &parked {
                println!(
                    "{}",
                    serde_json::json!({
                        "message_id": p.message_id,
                        "kind": p.kind,
                        "routing_key": p.routing_key,
                        "platform": p.platform_id,
                        "callback_id": p.callback_id,
                        "reason": p.reason,
                        "died_at": p.died_at.map(console::shanghai),
                    })
                );
            }
            eprintln!(
                "{} messages shown from {} (left in place)",
                parked.len(),
                topology.dead_queue(queue.work_queue())
            );
            Ok(())
        }
        DlqCommand::Redrive { queue, yes, config } => {
            let cx = Context::load(config.config)?;
            let (uri, topology) = cx.broker()?;
            let q = queue.work_queue();
            let depths = cx
                .runtime
                .block_on(dlq::depths(&uri, &topology))
                .map_err(console::failed("dlq"))?;
            let dead = topology.dead_queue(q);
            let total = depths
                .iter()
                .find(|(name, _)| *name == dead)
                .map_or(0, |(_, n)| *n);
            let plan = vec![format!(
                "redrive: {total} messages from {dead} back to {} (consumers skip what they applied before)",
                topology.queue(q)
            )];
            if total == 0 {
                plan.iter().for_each(|l| eprintln!("{l}"));
                println!("{}", serde_json::json!({"taken": 0, "redriven": 0}));
                return Ok(());
            }
            console::confirm(&plan, yes)?;
            let mut bar = Progress::new("redrive", u64::from(total));
            let done = cx
                .runtime
                .block_on(dlq::redrive(&uri, &topology, q, |d| bar.set(d.redriven)))
                .map_err(console::failed("redrive"))?;
            bar.finish();
            println!(
                "{}",
                serde_json::json!({"taken": done.taken, "redriven": done.redriven})
            );
            Ok(())
        }
    }
}
