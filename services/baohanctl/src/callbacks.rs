//! `baohanctl callbacks list|resend`: the callbacks table, for operators.

use crate::cli::CallbacksCommand;
use crate::console::{self, Context, Progress};
use crate::{Failure, Outcome};
use baohan_store::callbacks::{CallbackStatus, Filter, Listed, Resent};
use uuid::Uuid;

pub fn run(cmd: CallbacksCommand) -> Outcome {
    match cmd {
        CallbacksCommand::List {
            status,
            platform,
            application,
            limit,
            json,
            config,
        } => {
            let filter = Filter {
                status: status
                    .map(|s| s.parse::<CallbackStatus>())
                    .transpose()
                    .map_err(Failure::Usage)?,
                platform,
                application,
                died_since: None,
                limit: limit.clamp(1, 100_000),
            };
            let cx = Context::load(config.config)?;
            let store = cx.store()?;
            let found = cx
                .runtime
                .block_on(store.callbacks(&filter))
                .map_err(console::failed("callbacks"))?;
            if json {
                for c in &found {
                    println!("{}", as_json(c));
                }
            } else {
                print_table(&found);
            }
            eprintln!("{} callbacks", found.len());
            Ok(())
        }
        CallbacksCommand::Resend {
            ids,
            dead,
            platform,
            since,
            operator,
            yes,
            config,
        } => {
            let cx = Context::load(config.config)?;
            // The wake-up events go out right after each commit; if the
            // broker is down they wait in the outbox for the relay.
            let (uri, topology) = cx.broker()?;
            let publisher = baohan_bus::Publisher::new(uri, "baohanctl", topology);
            let store = cx.store()?.publishing_to(publisher.clone());
            let chosen: Vec<Listed> = if dead {
                let died_since = since
                    .as_deref()
                    .map(|t| console::moment("--since", t))
                    .transpose()?
                    .map(chrono::DateTime::from);
                let filter = Filter {
                    status: Some(CallbackStatus::Dead),
                    platform: platform.clone(),
                    application: None,
                    died_since,
                    limit: i64::MAX,
                };
                cx.runtime
                    .block_on(store.callbacks(&filter))
                    .map_err(console::failed("callbacks"))?
            } else {
                let ids = ids
                    .iter()
                    .map(|s| {
                        Uuid::parse_str(s)
                            .map_err(|e| Failure::Usage(format!("{s:?} is not a callback id: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let found = cx
                    .runtime
                    .block_on(store.callbacks_by_id(&ids))
                    .map_err(console::failed("callbacks"))?;
                let unknown: Vec<String> = ids
                    .iter()
                    .zip(&found)
                    .filter(|(_, f)| f.is_none())
                    .map(|(id, _)| id.to_string())
                    .collect();
                if !unknown.is_empty() {
                    return Err(Failure::Usage(format!(
                        "no such callback: {}",
                        unknown.join(", ")
                    )));
                }
                found.into_iter().flatten().collect()
            };
            let (go, skip): (Vec<&Listed>, Vec<&Listed>) =
                chosen.iter().partition(|c| c.not_resendable().is_none());
            let operator = console::operator(operator);
            let mut plan = vec![format!(
                "resend: {} callbacks made pending and due now, their schedule and deadline restarted, as {operator}{}",
                go.len(),
                if dead {
                    format!(
                        " (dead ones, platform {}, died since {})",
                        platform.as_deref().unwrap_or("any"),
                        since.as_deref().unwrap_or("ever")
                    )
                } else {
                    String::new()
                }
            )];
            plan.extend(go.iter().map(|c| format!("  {}", line(c))));
            for c in &skip {
                plan.push(format!(
                    "  skipped {}: {}",
                    c.id,
                    c.not_resendable().unwrap_or_default()
                ));
            }
            if go.is_empty() {
                plan.iter().for_each(|l| eprintln!("{l}"));
                println!(
                    "{}",
                    serde_json::json!({"resent": 0, "skipped": skip.len(), "failed": 0})
                );
                return Ok(());
            }
            console::confirm(&plan, yes)?;
            let mut bar = Progress::new("resend", go.len() as u64);
            let (mut resent, mut skipped, mut failed) = (0u64, skip.len() as u64, 0u64);
            for (i, c) in go.iter().enumerate() {
                match cx.runtime.block_on(store.resend(c.id, &operator)) {
                    Ok(Resent::Resent) => resent += 1,
                    // Changed since the plan was made.
                    Ok(Resent::Skipped(why)) => {
                        skipped += 1;
                        eprintln!("\nskipped {}: {why}", c.id);
                    }
                    Ok(Resent::NotFound) => {
                        skipped += 1;
                        eprintln!("\nskipped {}: gone", c.id);
                    }
                    Err(e) => {
                        failed += 1;
                        eprintln!("\nfailed {}: {e}", c.id);
                    }
                }
                bar.set(i as u64 + 1);
            }
            bar.finish();
            cx.runtime.block_on(publisher.close());
            println!(
                "{}",
                serde_json::json!({"resent": resent, "skipped": skipped, "failed": failed})
            );
            if failed > 0 {
                return Err(Failure::Check(format!("{failed} callbacks not resent")));
            }
            Ok(())
        }
    }
}

/// The table's columns: a header, or one callback.
fn row(cells: [&dyn std::fmt::Display; 10]) -> String {
    let [
        id,
        platform,
        interface,
        application,
        seq,
        status,
        attempts,
        error,
        created,
        when,
    ] = cells;
    format!(
        "{id:<36}  {platform:<12} {interface:<18} {application:<24} {seq:<4} {status:<9} {attempts:>8}  {error:<12} {created:<19}  {when:<19}"
    )
}

fn line(c: &Listed) -> String {
    let when = match c.status {
        CallbackStatus::Delivered => c.delivered_at,
        CallbackStatus::Pending => Some(c.next_attempt_at),
        CallbackStatus::Dead => None,
    };
    row([
        &c.id,
        &c.platform_id,
        &c.interface,
        &c.subject,
        &c.seq,
        &c.status,
        &c.attempts,
        &c.last_error.as_deref().unwrap_or("-"),
        &console::shanghai(c.created_at),
        &when.map(console::shanghai).unwrap_or_else(|| "-".into()),
    ])
}

fn print_table(found: &[Listed]) {
    println!(
        "{}",
        row([
            &"id",
            &"platform",
            &"interface",
            &"application",
            &"seq",
            &"status",
            &"attempts",
            &"last error",
            &"created (+08:00)",
            &"next / delivered",
        ])
    );
    for c in found {
        println!("{}", line(c));
    }
}

fn as_json(c: &Listed) -> serde_json::Value {
    let t = |v: Option<chrono::DateTime<chrono::Utc>>| {
        v.map(|t| {
            t.with_timezone(&baohan_protocol::time::shanghai())
                .to_rfc3339()
        })
    };
    serde_json::json!({
        "id": c.id,
        "platform": c.platform_id,
        "interface": c.interface,
        "application": c.subject,
        "seq": c.seq,
        "status": c.status.as_str(),
        "attempts": c.attempts,
        "last_error": c.last_error,
        "created_at": t(Some(c.created_at)),
        "next_attempt_at": t((c.status == CallbackStatus::Pending).then_some(c.next_attempt_at)),
        "delivered_at": t(c.delivered_at),
        "resent_at": t(c.resent_at),
    })
}
