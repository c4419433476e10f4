//! `claims [--config PATH]`: see the library for what it does.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "baohan claims: checks and pays claims on guarantees")]
struct Args {
    /// The TOML settings; else BAOHAN_CONFIG, else config/local.toml.
    #[arg(long)]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    baohan_service::main("claims", args.config, claims::build).await
}
