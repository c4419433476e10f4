//! `underwriting [--config PATH]`: see the library for what it does.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(about = "baohan underwriting: decides on applications and records what each owes")]
struct Args {
    /// The TOML settings; else BAOHAN_CONFIG, else config/local.toml.
    #[arg(long)]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let path = baohan_config::path_from(args.config);
    let settings = match baohan_config::Settings::load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("underwriting: bad configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let _otlp = baohan_telemetry::init("underwriting", &settings.telemetry);
    let app = match underwriting::Application::build(settings).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "underwriting could not start");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = CancellationToken::new();
    tokio::spawn(baohan_telemetry::shutdown_on_signal(shutdown.clone()));
    app.run_until_stopped(shutdown).await;
    ExitCode::SUCCESS
}
