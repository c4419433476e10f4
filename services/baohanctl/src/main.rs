//! `baohanctl`: what the integration engineer runs while on the phone with
//! a platform's engineer, and what an operator runs after an incident.
//! Exit codes: 0 ok, 1 verification or decryption failed (or an operator
//! command failed or was not confirmed), 2 usage (bad arguments,
//! unreadable keys or input).

mod callbacks;
mod cli;
mod console;
mod diagnose;
mod dlq;
mod ely;
mod fujian;
mod gm;
mod io;
mod replay;

use clap::Parser;
use std::process::ExitCode;

/// How a command failed; decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// The check ran and said no: exit 1.
    Check(String),
    /// The command could not run as asked: exit 2.
    Usage(String),
}

pub type Outcome = Result<(), Failure>;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        cli::Command::Gm(cmd) => gm::run(cmd),
        cli::Command::Fujian(cmd) => fujian::run(cmd),
        cli::Command::Ely(cmd) => ely::run(cmd),
        cli::Command::Diagnose(cmd) => diagnose::run(cmd),
        cli::Command::Replay(args) => replay::run(args),
        cli::Command::Callbacks(cmd) => callbacks::run(cmd),
        cli::Command::Dlq(cmd) => dlq::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Check(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
