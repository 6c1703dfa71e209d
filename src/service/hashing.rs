//! A few dedicated threads for argon2, the only CPU-heavy work Keyward does.
//!
//! Running it here rather than on the shared blocking pool bounds how many
//! hashes run at once (so hashing cannot take every core from requests that
//! need none) and keeps argon2's large allocations on the same few threads,
//! where the allocator reuses them instead of growing one arena per thread.

use std::sync::{mpsc, Arc, Mutex};

use crate::error::ApiError;

type Job = Box<dyn FnOnce() + Send>;

/// The argon2 threads. They stop when the pool is dropped.
pub struct HashingPool {
    jobs: mpsc::Sender<Job>,
}

impl HashingPool {
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("keyward-argon2-{n}"))
                .spawn(move || loop {
                    let job = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                })?;
        }
        Ok(Self { jobs: sender })
    }

    /// Runs `work` on a hashing thread and waits for it without blocking.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The request went away while queued: skip the hash nobody awaits.
            if done.is_closed() {
                return;
            }
            let _ = done.send(work());
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiError::internal(anyhow::anyhow!("hashing threads stopped")))?;
        result
            .await
            .map_err(|_| ApiError::internal(anyhow::anyhow!("a hashing job was dropped")))
    }
}
