//! W3C trace context (`traceparent: 00-<trace-id>-<span-id>-<flags>`).
//!
//! The ingress takes the platform's `traceparent` if it sent a valid one and
//! starts a trace otherwise; every publish carries a child in the AMQP
//! headers, and every consumer continues it. Each hop logs `trace_id`, so
//! one search finds a request's whole path.

use std::fmt;

/// The AMQP header and the HTTP header share the W3C name.
pub const HEADER: &str = "traceparent";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    sampled: bool,
}

impl TraceParent {
    /// A new trace, sampled.
    pub fn root() -> TraceParent {
        let a = *uuid::Uuid::new_v4().as_bytes();
        let b = *uuid::Uuid::new_v4().as_bytes();
        let mut span_id = [0u8; 8];
        span_id.copy_from_slice(&b[..8]);
        TraceParent {
            trace_id: a,
            span_id,
            sampled: true,
        }
    }

    /// The same trace, a new span: what a hop passes on.
    pub fn child(&self) -> TraceParent {
        let mut next = TraceParent::root();
        next.trace_id = self.trace_id;
        next.sampled = self.sampled;
        next
    }

    /// Parses version 00; anything else (including all-zero ids, which the
    /// spec forbids) is `None`, and the caller starts a new trace.
    pub fn parse(text: &str) -> Option<TraceParent> {
        let mut parts = text.trim().split('-');
        let (v, t, s, f) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || v != "00" || t.len() != 32 || s.len() != 16 || f.len() != 2 {
            return None;
        }
        let mut trace_id = [0u8; 16];
        let mut span_id = [0u8; 8];
        hex_into(t, &mut trace_id)?;
        hex_into(s, &mut span_id)?;
        let mut flags = [0u8; 1];
        hex_into(f, &mut flags)?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(TraceParent {
            trace_id,
            span_id,
            sampled: flags[0] & 1 == 1,
        })
    }

    pub(crate) fn from_parts(trace_id: [u8; 16], span_id: [u8; 8], sampled: bool) -> TraceParent {
        TraceParent {
            trace_id,
            span_id,
            sampled,
        }
    }

    pub fn trace_id_bytes(&self) -> [u8; 16] {
        self.trace_id
    }

    pub fn span_id_bytes(&self) -> [u8; 8] {
        self.span_id
    }

    pub fn sampled(&self) -> bool {
        self.sampled
    }

    pub fn trace_id(&self) -> String {
        hex(&self.trace_id)
    }

    pub fn span_id(&self) -> String {
        hex(&self.span_id)
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{}-{}-{:02x}",
            hex(&self.trace_id),
            hex(&self.span_id),
            u8::from(self.sampled)
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_into(text: &str, out: &mut [u8]) -> Option<()> {
    let bytes = text.as_bytes();
    for (i, slot) in out.iter_mut().enumerate() {
        let pair = std::str::from_utf8(bytes.get(2 * i..2 * i + 2)?).ok()?;
        // Lowercase only, as the spec requires.
        if pair.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        *slot = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_traceparent_round_trips_and_its_child_keeps_the_trace() {
        let text = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let p = TraceParent::parse(text).unwrap();
        assert_eq!(p.to_string(), text);
        let c = p.child();
        assert_eq!(c.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_ne!(c.span_id(), p.span_id());
    }

    #[test]
    fn invalid_traceparents_start_a_new_trace() {
        for bad in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        ] {
            assert!(TraceParent::parse(bad).is_none(), "{bad:?}");
        }
        let fresh = TraceParent::root();
        assert_eq!(TraceParent::parse(&fresh.to_string()), Some(fresh));
    }
}
