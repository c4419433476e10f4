//! Per-platform protection, in each replica: a circuit breaker, so that a
//! platform that is down gets a probe now and then instead of every
//! callback; and a limit on concurrent and per-second attempts, so that a
//! platform that comes back has its backlog drained quickly but within
//! what it can take.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
// tokio's clock, so the tests run on paused time rather than sleeping.
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Consecutive failures that open the breaker.
    pub failures_to_open: u32,
    /// While open, one probe this often.
    pub probe_every: Duration,
    pub max_in_flight: usize,
    pub max_per_second: u32,
}

/// A breaker's state, as the metric shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Closed,
    Open,
    /// One probe is out; the rest wait for its result.
    Probing,
}

impl State {
    pub fn gauge(self) -> i64 {
        match self {
            State::Closed => 0,
            State::Open => 1,
            State::Probing => 2,
        }
    }
}

/// What the breaker says to an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    Go,
    /// Go, as the probe: its result decides for the rest.
    Probe,
    /// Not now: come back after this.
    Wait(Duration),
}

#[derive(Debug, Clone, Copy)]
struct Breaker {
    state: State,
    consecutive: u32,
    /// When the next probe may go (open).
    next_probe: Option<Instant>,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            state: State::Closed,
            consecutive: 0,
            next_probe: None,
        }
    }
}

struct Platform {
    breaker: Breaker,
    in_flight: Arc<Semaphore>,
    /// The earliest moment the next attempt may start.
    next_slot: Instant,
}

pub struct Limits {
    settings: Settings,
    platforms: Mutex<HashMap<String, Platform>>,
}

impl Limits {
    pub fn new(settings: Settings) -> Limits {
        Limits {
            settings,
            platforms: Mutex::new(HashMap::new()),
        }
    }

    fn with<T>(&self, platform: &str, now: Instant, f: impl FnOnce(&mut Platform) -> T) -> T {
        let mut all = self.platforms.lock().unwrap_or_else(|e| e.into_inner());
        let p = all.entry(platform.to_owned()).or_insert_with(|| Platform {
            breaker: Breaker::default(),
            in_flight: Arc::new(Semaphore::new(self.settings.max_in_flight.max(1))),
            next_slot: now,
        });
        f(p)
    }

    /// Whether an attempt at `platform` may go now.
    pub fn admit(&self, platform: &str, now: Instant) -> Admit {
        let probe_every = self.settings.probe_every;
        self.with(platform, now, |p| {
            let b = &mut p.breaker;
            match b.state {
                State::Closed => Admit::Go,
                State::Probing => Admit::Wait(probe_every),
                State::Open => match b.next_probe {
                    Some(at) if at > now => Admit::Wait(at - now),
                    _ => {
                        b.state = State::Probing;
                        Admit::Probe
                    }
                },
            }
        })
    }

    /// The result of an attempt that was admitted: the breaker's state
    /// after it, and whether this success closed an open breaker (the
    /// platform is back: its backlog may go now).
    pub fn record(&self, platform: &str, ok: bool, now: Instant) -> (State, bool) {
        let (open_after, probe_every) = (
            self.settings.failures_to_open.max(1),
            self.settings.probe_every,
        );
        self.with(platform, now, |p| {
            let b = &mut p.breaker;
            let was = b.state;
            if ok {
                *b = Breaker::default();
            } else {
                b.consecutive += 1;
                if b.state == State::Probing || b.consecutive >= open_after {
                    b.state = State::Open;
                    b.next_probe = Some(now + probe_every);
                }
            }
            (b.state, ok && was != State::Closed)
        })
    }

    /// An admitted probe that sent nothing (nothing was due): the next
    /// attempt may probe at once.
    pub fn abandon_probe(&self, platform: &str, now: Instant) {
        self.with(platform, now, |p| {
            if p.breaker.state == State::Probing {
                p.breaker.state = State::Open;
                p.breaker.next_probe = Some(now);
            }
        });
    }

    pub fn state(&self, platform: &str) -> State {
        self.with(platform, Instant::now(), |p| p.breaker.state)
    }

    /// Waits for a concurrency slot and the rate limit; the permit is held
    /// for the attempt.
    pub async fn slot(&self, platform: &str) -> OwnedSemaphorePermit {
        let gap = Duration::from_secs(1) / self.settings.max_per_second.max(1);
        let in_flight = self.with(platform, Instant::now(), |p| p.in_flight.clone());
        // The semaphore is never closed.
        #[allow(clippy::expect_used)]
        let permit = in_flight.acquire_owned().await.expect("never closed");
        let start = self.with(platform, Instant::now(), |p| {
            let now = Instant::now();
            let at = p.next_slot.max(now);
            p.next_slot = at + gap;
            at
        });
        tokio::time::sleep_until(start).await;
        permit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::new(Settings {
            failures_to_open: 3,
            probe_every: Duration::from_secs(30),
            max_in_flight: 2,
            max_per_second: 10,
        })
    }

    #[test]
    fn the_breaker_opens_after_n_failures_probes_then_closes_on_success() {
        let l = limits();
        let t0 = Instant::now();
        for _ in 0..2 {
            assert_eq!(l.admit("p", t0), Admit::Go);
            assert_eq!(l.record("p", false, t0), (State::Closed, false));
        }
        assert_eq!(l.record("p", false, t0), (State::Open, false));
        assert_eq!(
            l.admit("p", t0 + Duration::from_secs(10)),
            Admit::Wait(Duration::from_secs(20))
        );
        // Another platform is not affected.
        assert_eq!(l.admit("q", t0), Admit::Go);
        let t1 = t0 + Duration::from_secs(30);
        assert_eq!(l.admit("p", t1), Admit::Probe);
        // While the probe is out, the rest wait.
        assert!(matches!(l.admit("p", t1), Admit::Wait(_)));
        // A failed probe opens it again for a full interval.
        assert_eq!(l.record("p", false, t1), (State::Open, false));
        assert_eq!(
            l.admit("p", t1 + Duration::from_secs(1)),
            Admit::Wait(Duration::from_secs(29))
        );
        let t2 = t1 + Duration::from_secs(30);
        assert_eq!(l.admit("p", t2), Admit::Probe);
        // Its success closes it, and says the platform is back, once.
        assert_eq!(l.record("p", true, t2), (State::Closed, true));
        assert_eq!(l.admit("p", t2), Admit::Go);
        assert_eq!(l.record("p", true, t2), (State::Closed, false));
    }

    /// On paused time: each wait is exactly what the limits say.
    #[tokio::test(start_paused = true)]
    async fn slots_are_spaced_by_the_rate_and_bounded_in_number() {
        let l = Arc::new(limits());
        let t0 = Instant::now();
        let a = l.slot("p").await;
        assert_eq!(t0.elapsed(), Duration::ZERO);
        // 10 per second: the next slot is 100 ms later.
        let b = l.slot("p").await;
        assert_eq!(t0.elapsed(), Duration::from_millis(100));
        // Another platform has its own rate.
        drop(l.slot("q").await);
        assert_eq!(t0.elapsed(), Duration::from_millis(100));
        // Two in flight at most: the third waits for a permit, however
        // long past its rate slot that is.
        let waiting = {
            let l = l.clone();
            tokio::spawn(async move { l.slot("p").await })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished());
        drop(a);
        let _c = waiting.await.unwrap();
        assert_eq!(t0.elapsed(), Duration::from_millis(400));
        drop(b);
        // The rate counts from the third's start, not from its slot.
        drop(l.slot("p").await);
        assert_eq!(t0.elapsed(), Duration::from_millis(500));
    }
}
