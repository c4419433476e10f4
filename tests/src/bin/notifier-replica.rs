//! The notifier, exactly as `services/notifier`'s `main` runs it, built in
//! this crate so that the crash test and the notifier benchmark can start
//! replicas of it as processes (and SIGKILL them). Configured by
//! `BAOHAN_CONFIG` and `BAOHAN_…` variables.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    baohan_service::main("notifier", None, notifier::build).await
}
