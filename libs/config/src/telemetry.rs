//! `[telemetry]`: logs and traces.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Telemetry {
    /// A `tracing` filter, e.g. `info,baohan_bus=debug`.
    #[serde(default = "Telemetry::default_log")]
    pub log: String,
    #[serde(default)]
    pub log_format: LogFormat,
    /// OTLP/HTTP endpoint, e.g. `http://otel-collector:4318`; empty is off.
    #[serde(default)]
    pub otlp_endpoint: String,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry {
            log: Telemetry::default_log(),
            log_format: LogFormat::default(),
            otlp_endpoint: String::new(),
        }
    }
}

impl Telemetry {
    fn default_log() -> String {
        "info".into()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}
