//! When to try again: the configured schedule, with jitter so that many
//! callbacks failing together do not come back together, a platform's
//! `Retry-After` within bounds, and the deadline after which a callback
//! is dead.

use baohan_store::delivery::Next;
use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Schedule {
    /// The wait before retry 1, 2, …; the last repeats.
    pub waits: Vec<Duration>,
    pub deadline: Duration,
    pub retry_after_max: Duration,
}

impl Schedule {
    /// After failed attempt number `attempt` (1-based) of a callback
    /// whose schedule counts from `since` (written, or resent by an
    /// operator): when to try again, or dead. `jitter` is a
    /// fraction in [0, 1) from the caller's randomness; the wait is
    /// stretched by up to a fifth.
    pub fn after_failure(
        &self,
        attempt: i32,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Next {
        let index = usize::try_from(attempt.max(1) - 1).unwrap_or(0);
        let base = self
            .waits
            .get(index)
            .or(self.waits.last())
            .copied()
            .unwrap_or(Duration::from_secs(60));
        let stretched = base.mul_f64(1.0 + 0.2 * jitter.clamp(0.0, 1.0));
        // A platform may ask for more time, not for less than our schedule,
        // and not for more than the bound.
        let wait = match retry_after {
            Some(asked) => stretched.max(asked.min(self.retry_after_max)),
            None => stretched,
        };
        let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
        let deadline = since
            + chrono::Duration::from_std(self.deadline).unwrap_or(chrono::Duration::hours(72));
        if at > deadline {
            Next::Dead
        } else {
            Next::RetryAt(at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule() -> Schedule {
        Schedule {
            waits: [5, 30, 120, 600, 1800, 3600, 7200]
                .map(Duration::from_secs)
                .to_vec(),
            deadline: Duration::from_secs(72 * 3600),
            retry_after_max: Duration::from_secs(3600),
        }
    }

    fn wait(next: Next, now: DateTime<Utc>) -> i64 {
        match next {
            Next::RetryAt(at) => (at - now).num_seconds(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_waits_grow_then_repeat_then_stop_at_the_deadline() {
        let s = schedule();
        let t0 = Utc::now();
        let waits: Vec<i64> = (1..=9)
            .map(|n| wait(s.after_failure(n, t0, t0, None, 0.0), t0))
            .collect();
        assert_eq!(waits, [5, 30, 120, 600, 1800, 3600, 7200, 7200, 7200]);
        let late = t0 + chrono::Duration::hours(71);
        assert_eq!(s.after_failure(30, t0, late, None, 0.0), Next::Dead);
    }

    #[test]
    fn jitter_stretches_by_at_most_a_fifth_and_retry_after_is_bounded() {
        let s = schedule();
        let t0 = Utc::now();
        assert_eq!(wait(s.after_failure(2, t0, t0, None, 0.999), t0), 35);
        let asked = Some(Duration::from_secs(900));
        assert_eq!(wait(s.after_failure(1, t0, t0, asked, 0.0), t0), 900);
        let greedy = Some(Duration::from_secs(86_400));
        assert_eq!(wait(s.after_failure(1, t0, t0, greedy, 0.0), t0), 3600);
        let hurried = Some(Duration::from_secs(1));
        assert_eq!(wait(s.after_failure(3, t0, t0, hurried, 0.0), t0), 120);
    }
}
