//! What counting one use of a key for usage analytics costs, on this
//! machine: `Usage::record`, the only work `--usage-analytics on` adds to
//! a request (the writes happen on their own thread, in batches).
//!
//!     cargo run --release --example usage_cost
//!
//! Records uses of 1,000 keys picked at random, on one thread and on two
//! threads at once (two workers taking the same shard locks), and prints
//! the median of five rounds, in nanoseconds of CPU per use, as JSON. CPU
//! time, read per thread from /proc/thread-self/schedstat, so that other
//! work on a shared host does not count; wall time where that is missing.

use std::time::Instant;

use keyward::domain::AccountId;
use keyward::service::usage::Usage;
use keyward::service::verify::VerifyCode;

const KEYS: usize = 1_000;
const USES: usize = 2_000_000;

/// Nanoseconds this thread has run on a CPU, if the kernel says.
fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Nanoseconds per use with `threads` threads recording `USES` uses each.
fn round(threads: usize) -> f64 {
    let usage = Usage::new(true);
    let account = AccountId::generate();
    let keys: Vec<uuid::Uuid> = (0..KEYS).map(|_| uuid::Uuid::new_v4()).collect();
    let spent: Vec<u64> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (usage, account, keys) = (&usage, &account, &keys);
                s.spawn(move || {
                    let (cpu, wall) = (cpu_ns(), Instant::now());
                    // A cheap generator: the keys in a scattered order.
                    let mut x = 0x9e37_79b9_7f4a_7c15_u64 ^ t as u64;
                    for _ in 0..USES {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let key = keys[(x % KEYS as u64) as usize];
                        usage.record(key, account, VerifyCode::Valid);
                    }
                    match (cpu, cpu_ns()) {
                        (Some(before), Some(after)) => after - before,
                        _ => wall.elapsed().as_nanos() as u64,
                    }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    spent.iter().sum::<u64>() as f64 / (threads * USES) as f64
}

fn median(threads: usize) -> f64 {
    let mut rounds: Vec<f64> = (0..5).map(|_| round(threads)).collect();
    rounds.sort_by(f64::total_cmp);
    rounds[2]
}

fn main() {
    let one = median(1);
    let two = median(2);
    println!("{{\"one_thread_ns\": {one:.1}, \"two_threads_ns\": {two:.1}}}");
}
