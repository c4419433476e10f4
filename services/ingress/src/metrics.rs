//! The ingress's Prometheus metrics.

use baohan_telemetry::metrics::{
    HistogramOpts, HistogramVec, IntCounterVec, LATENCY_BUCKETS, Opts, Registry,
};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl Metrics {
    /// Built once at start-up from constant names and labels, which are
    /// valid: a failure here is a typo in this file, found by any test.
    #[allow(clippy::expect_used)]
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "baohan_ingress_requests_total",
                "Platform calls by platform, interface and outcome",
            ),
            &["platform", "interface", "outcome"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "baohan_ingress_request_seconds",
                "Time from a request's arrival to its answer",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["interface"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(requests.clone()))
            .expect("registered once");
        registry
            .register(Box::new(latency.clone()))
            .expect("registered once");
        Metrics {
            registry,
            requests,
            latency,
        }
    }

    /// Labels are bounded: platform ids come from the config, interfaces
    /// from the spec, outcomes from [`crate::refusal::Refusal::kind`].
    pub fn observe(&self, platform: &str, interface: &str, outcome: &str, seconds: f64) {
        self.requests
            .with_label_values(&[platform, interface, outcome])
            .inc();
        self.latency
            .with_label_values(&[interface])
            .observe(seconds);
    }

    /// For the shared `/metrics` route.
    pub fn registry(&self) -> Registry {
        self.registry.clone()
    }

    pub fn render(&self) -> String {
        baohan_telemetry::metrics::render(&self.registry)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_appear_in_the_text() {
        let m = Metrics::new();
        m.observe("ely-demo", "ELY101", "accepted", 0.002);
        let text = m.render();
        assert!(text.contains(
            r#"baohan_ingress_requests_total{interface="ELY101",outcome="accepted",platform="ely-demo"} 1"#
        ));
        assert!(text.contains("baohan_ingress_request_seconds_bucket"));
    }
}
