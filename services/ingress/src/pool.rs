//! Where the expensive work runs: SM2, SM4 over large payloads, Base64 of
//! files, PDF signature checks and the parse of large bodies. Not on the
//! async threads, which must stay free to accept connections and answer
//! `/healthz`; on threads of its own, one per core.
//!
//! The threads take jobs from one queue, so under load each goes from one
//! job to the next without sleeping in between. (tokio's `spawn_blocking`
//! behind a semaphore parked and woke a thread for every job: measured,
//! that cost a third of ELY101's throughput on 2 cores.) At most two jobs
//! per thread are let in, running or queued; a call that cannot get in
//! within `crypto_wait_ms` is answered "busy, send again" (ELY 301,
//! Fujian code 0) rather than queued without end. Large jobs (an ELY104
//! letter) are let in at most one per two threads, so that a flood of
//! them leaves threads for the ordinary calls.

use crate::refusal::Refusal;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// How much a job weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// One request's envelope or fields: a few milliseconds at most.
    Ordinary,
    /// A file: megabytes through SM4, Base64 and SM3.
    Large,
}

type Job = Box<dyn FnOnce() + Send>;

pub struct Pool {
    /// Jobs let in, running or queued.
    places: Arc<Semaphore>,
    /// Large jobs let in.
    large: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    wait: Duration,
}

impl Pool {
    /// `workers` 0 means one per core. The threads end when the pool is
    /// dropped.
    pub fn new(workers: usize, wait: Duration) -> Pool {
        let workers = if workers == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            workers
        };
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let mut started = 0;
        for i in 0..workers {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("baohan-crypto-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for a job.
                        let next = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        match next {
                            Ok(job) => job(),
                            // Every sender is gone: the pool was dropped.
                            Err(_) => return,
                        }
                    }
                });
            match spawned {
                Ok(_) => started += 1,
                Err(e) => tracing::error!(error = %e, "could not start a crypto thread"),
            }
        }
        // Sized by the threads that run. With none (it was logged above),
        // no call is let in, and each is answered busy.
        Pool {
            places: Arc::new(Semaphore::new(2 * started)),
            large: Arc::new(Semaphore::new((started / 2).max(1))),
            jobs,
            wait,
        }
    }

    /// Runs `job` on a crypto thread once it is let in, or refuses with
    /// [`Refusal::Busy`] after the configured wait. A caller that gives up
    /// (its request timed out) leaves the job to finish: it keeps its
    /// place until then, so the bound holds.
    pub async fn run<T, F>(&self, size: Size, job: F) -> Result<T, Refusal>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permits = match tokio::time::timeout(self.wait, self.admit(size)).await {
            Ok(Some(permits)) => permits,
            // The semaphores are never closed.
            Ok(None) => return Err(Refusal::Internal),
            Err(_) => return Err(Refusal::Busy),
        };
        let (done, answer) = oneshot::channel();
        let job: Job = Box::new(move || {
            // A panic is a bug of ours; it must not take the thread with it.
            let out = std::panic::catch_unwind(AssertUnwindSafe(job));
            drop(permits);
            let _ = done.send(out);
        });
        if self.jobs.send(job).is_err() {
            tracing::error!("no crypto thread is running");
            return Err(Refusal::Internal);
        }
        match answer.await {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(_)) => {
                tracing::error!("a crypto job panicked");
                Err(Refusal::Internal)
            }
            Err(_) => Err(Refusal::Internal),
        }
    }

    async fn admit(
        &self,
        size: Size,
    ) -> Option<(Option<OwnedSemaphorePermit>, OwnedSemaphorePermit)> {
        let large = match size {
            Size::Large => Some(self.large.clone().acquire_owned().await.ok()?),
            Size::Ordinary => None,
        };
        let place = self.places.clone().acquire_owned().await.ok()?;
        Some((large, place))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A job that runs until told to finish.
    fn held(
        pool: &Arc<Pool>,
        size: Size,
    ) -> (
        std::sync::mpsc::Sender<()>,
        tokio::task::JoinHandle<Result<bool, Refusal>>,
    ) {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let pool = pool.clone();
        let task = tokio::spawn(async move { pool.run(size, move || rx.recv().is_ok()).await });
        (tx, task)
    }

    #[tokio::test]
    async fn a_full_pool_answers_busy_after_the_wait() {
        // One thread: two places, running or queued.
        let pool = Arc::new(Pool::new(1, Duration::from_millis(50)));
        let (a, first) = held(&pool, Size::Ordinary);
        let (b, second) = held(&pool, Size::Ordinary);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(pool.run(Size::Ordinary, || 1).await, Err(Refusal::Busy));
        a.send(()).unwrap_or_default();
        b.send(()).unwrap_or_default();
        assert_eq!(first.await.ok(), Some(Ok(true)));
        assert_eq!(second.await.ok(), Some(Ok(true)));
        assert_eq!(pool.run(Size::Ordinary, || 2).await, Ok(2));
    }

    #[tokio::test]
    async fn large_jobs_leave_room_for_ordinary_ones() {
        let pool = Arc::new(Pool::new(2, Duration::from_millis(50)));
        let (tx, task) = held(&pool, Size::Large);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(pool.run(Size::Large, || 1).await, Err(Refusal::Busy));
        assert_eq!(pool.run(Size::Ordinary, || 2).await, Ok(2));
        tx.send(()).unwrap_or_default();
        assert_eq!(task.await.ok(), Some(Ok(true)));
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_internal_error_and_the_thread_lives_on() {
        let pool = Pool::new(1, Duration::from_millis(500));
        let boom: Result<(), Refusal> = pool.run(Size::Ordinary, || panic!("a bug")).await;
        assert_eq!(boom, Err(Refusal::Internal));
        assert_eq!(pool.run(Size::Ordinary, || 3).await, Ok(3));
    }
}
