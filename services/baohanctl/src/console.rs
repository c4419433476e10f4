//! What the operator commands share: the settings and a runtime, the plan
//! and its confirmation, a progress bar, and times as operators read them
//! (Asia/Shanghai).
//!
//! Plans, questions and progress go to stderr; results to stdout, so a
//! script can pipe them.

use crate::Failure;
use baohan_config::Settings;
use chrono::{DateTime, Utc};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::SystemTime;

/// The settings the command was pointed at, and a runtime to reach the
/// store and the broker with.
pub struct Context {
    pub settings: Settings,
    pub runtime: tokio::runtime::Runtime,
}

impl Context {
    pub fn load(config: Option<PathBuf>) -> Result<Context, Failure> {
        let path = baohan_config::path_from(config);
        let settings = Settings::load(&path).map_err(|e| Failure::Usage(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::Usage(e.to_string()))?;
        Ok(Context { settings, runtime })
    }

    pub fn store(&self) -> Result<baohan_store::Store, Failure> {
        baohan_store::Store::connect(&self.settings.database)
            .map_err(|e| Failure::Usage(e.to_string()))
    }

    pub fn broker(&self) -> Result<(String, baohan_bus::Topology), Failure> {
        let uri = baohan_bus::connect::uri(&self.settings.broker)
            .map_err(|e| Failure::Usage(e.to_string()))?;
        Ok((uri, baohan_bus::Topology::new(&self.settings.broker)))
    }
}

/// A failure of the store or the broker while the command ran, with its
/// causes (the database's own message is one).
pub fn failed<E: std::error::Error>(what: &str) -> impl Fn(E) -> Failure + '_ {
    move |e| {
        let mut text = format!("{what}: {e}");
        let mut source = e.source();
        while let Some(s) = source {
            let s_text = s.to_string();
            if !text.ends_with(&s_text) {
                text.push_str(&format!(": {s_text}"));
            }
            source = s.source();
        }
        Failure::Check(text)
    }
}

/// Prints the plan; unless `yes`, asks, and refuses to go on without a
/// "y" or "yes" on stdin.
pub fn confirm(plan: &[String], yes: bool) -> Result<(), Failure> {
    let mut err = std::io::stderr().lock();
    for line in plan {
        let _ = writeln!(err, "{line}");
    }
    if yes {
        return Ok(());
    }
    let _ = write!(err, "Proceed? [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Failure::Check(
            "not confirmed: nothing done (--yes skips the question)".into(),
        ))
    }
}

/// `label [#######.............]  7/20` on stderr, redrawn in place on a
/// terminal; elsewhere (a log) a line at each tenth.
pub struct Progress {
    label: &'static str,
    total: u64,
    shown: u64,
    terminal: bool,
}

impl Progress {
    pub fn new(label: &'static str, total: u64) -> Progress {
        Progress {
            label,
            total,
            shown: 0,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    pub fn set(&mut self, done: u64) {
        let step = (self.total / 10).max(1);
        if !self.terminal && done != self.total && done < self.shown + step {
            return;
        }
        self.shown = done;
        let width = 30u64;
        let filled = (done.min(self.total) * width)
            .checked_div(self.total)
            .unwrap_or(width);
        let bar: String = (0..width)
            .map(|i| if i < filled { '#' } else { '.' })
            .collect();
        let mut err = std::io::stderr().lock();
        let line = format!("{} [{bar}] {done}/{}", self.label, self.total);
        let _ = if self.terminal {
            write!(err, "\r{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }

    pub fn finish(self) {
        if self.terminal {
            let _ = writeln!(std::io::stderr());
        }
    }
}

/// A moment given on the command line, RFC 3339.
pub fn moment(flag: &str, text: &str) -> Result<SystemTime, Failure> {
    DateTime::parse_from_rfc3339(text)
        .map(SystemTime::from)
        .map_err(|e| {
            Failure::Usage(format!(
                "{flag} {text:?}: {e} (RFC 3339, e.g. 2026-11-30T09:00:00+08:00)"
            ))
        })
}

/// A stored time as operators read it: Asia/Shanghai, to the second.
pub fn shanghai(t: DateTime<Utc>) -> String {
    t.with_timezone(&baohan_protocol::time::shanghai())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Who runs the command, for the records it writes.
pub fn operator(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "baohanctl".into())
}
