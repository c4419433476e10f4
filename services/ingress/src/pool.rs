//! Where the expensive work runs: SM2, SM4 over large payloads, Base64 of
//! files, PDF signature checks and the parse of large bodies. Not on the
//! async threads, which must stay free to accept connections and answer
//! `/healthz`; on the blocking pool, at most one job per core at once.
//!
//! A call that cannot get a place within `crypto_wait_ms` is answered
//! "busy, send again" (ELY 301, Fujian code 0) rather than queued without
//! end. Large jobs (an ELY104 letter) may hold at most half the places,
//! so that a flood of them leaves room for the ordinary calls.

use crate::refusal::Refusal;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How much a job weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// One request's envelope or fields: a few milliseconds at most.
    Ordinary,
    /// A file: megabytes through SM4, Base64 and SM3.
    Large,
}

pub struct Pool {
    all: Arc<Semaphore>,
    large: Arc<Semaphore>,
    wait: Duration,
}

impl Pool {
    /// `workers` 0 means one per core.
    pub fn new(workers: usize, wait: Duration) -> Pool {
        let workers = if workers == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            workers
        };
        Pool {
            all: Arc::new(Semaphore::new(workers)),
            large: Arc::new(Semaphore::new((workers / 2).max(1))),
            wait,
        }
    }

    /// Runs `job` on the blocking pool once a place is free, or refuses
    /// with [`Refusal::Busy`] after the configured wait. A caller that
    /// gives up (its request timed out) leaves the job to finish: it keeps
    /// its place until then, so the bound holds.
    pub async fn run<T, F>(&self, size: Size, job: F) -> Result<T, Refusal>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let places = async {
            let large = match size {
                Size::Large => Some(self.large.clone().acquire_owned().await),
                Size::Ordinary => None,
            };
            (large, self.all.clone().acquire_owned().await)
        };
        let (large, place) = match tokio::time::timeout(self.wait, places).await {
            Ok((Some(Ok(l)), Ok(p))) => (Some(l), p),
            Ok((None, Ok(p))) => (None, p),
            // The semaphores are never closed.
            Ok(_) => return Err(Refusal::Internal),
            Err(_) => return Err(Refusal::Busy),
        };
        tokio::task::spawn_blocking(move || {
            let out = job();
            drop((large, place));
            out
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "a crypto job panicked");
            Refusal::Internal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_pool_answers_busy_after_the_wait() {
        let pool = Arc::new(Pool::new(1, Duration::from_millis(50)));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let held = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(Size::Ordinary, move || rx.recv().is_ok()).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(pool.run(Size::Ordinary, || 1).await, Err(Refusal::Busy));
        tx.send(()).unwrap_or_default();
        assert_eq!(held.await.ok(), Some(Ok(true)));
        assert_eq!(pool.run(Size::Ordinary, || 2).await, Ok(2));
    }

    #[tokio::test]
    async fn large_jobs_leave_room_for_ordinary_ones() {
        let pool = Arc::new(Pool::new(2, Duration::from_millis(50)));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let held = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(Size::Large, move || rx.recv().is_ok()).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(pool.run(Size::Large, || 1).await, Err(Refusal::Busy));
        assert_eq!(pool.run(Size::Ordinary, || 2).await, Ok(2));
        tx.send(()).unwrap_or_default();
        assert_eq!(held.await.ok(), Some(Ok(true)));
    }
}
