//! The bound on password work. argon2 at the password cost takes tens of
//! milliseconds and 19 MiB per check, and it runs on the blocking thread
//! pool that every database call uses too. Unbounded, a flood of sign-ins
//! (random emails, many addresses: the throttle counts per email and per
//! address, so it does not stop that) would hold those threads and that
//! memory and starve key-cache misses, writes and `/readyz`. So at most
//! `threads` password checks or hashes run at once (`--password-hash-threads`,
//! by default the number of cores), at most `queue` more wait for a turn
//! (`--password-hash-queue`), and anything past that is answered `503` at
//! once, before any hashing.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Semaphore, SemaphorePermit};

/// How much password work may run and wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordSettings {
    /// Password checks and hashes that run at once.
    pub threads: usize,
    /// Password work that may wait for a turn; more is refused.
    pub queue: usize,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            threads: default_threads(),
            queue: 64,
        }
    }
}

/// The number of cores, or 2 when it cannot be told.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Lets password work through, `threads` at a time.
pub struct PasswordGate {
    turns: Semaphore,
    waiting: AtomicUsize,
    queue: usize,
}

/// Undoes one count of `waiting` however the wait ends.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordGate {
    pub fn new(settings: PasswordSettings) -> Self {
        Self {
            turns: Semaphore::new(settings.threads.max(1)),
            waiting: AtomicUsize::new(0),
            queue: settings.queue,
        }
    }

    /// A turn to run password work, once one is free; `None` at once when
    /// the queue is full.
    pub async fn enter(&self) -> Option<SemaphorePermit<'_>> {
        if let Ok(turn) = self.turns.try_acquire() {
            return Some(turn);
        }
        let _waiting = Waiting(&self.waiting);
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            return None;
        }
        self.turns.acquire().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<T>(work: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(work)
    }

    #[test]
    fn past_the_queue_work_is_refused_at_once() {
        run(async {
            let gate = PasswordGate::new(PasswordSettings {
                threads: 1,
                queue: 1,
            });
            let running = gate.enter().await.expect("the one turn");
            // One may wait: it gets the turn once the first is done.
            let waiter = gate.enter();
            tokio::pin!(waiter);
            assert!(futures_poll_once(waiter.as_mut()).await.is_none());
            // The queue is full now: refused without waiting.
            assert!(gate.enter().await.is_none());
            drop(running);
            assert!(waiter.await.is_some());
            // And the queue is free again.
            assert!(gate.enter().await.is_some());
        });
    }

    /// Polls `future` once: its output if it was ready.
    async fn futures_poll_once<F: std::future::Future + Unpin>(future: F) -> Option<F::Output> {
        let mut future = future;
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut future).poll(cx) {
                std::task::Poll::Ready(out) => Some(out),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }
}
