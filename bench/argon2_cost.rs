//! What one verification of an API key secret costs at a range of argon2id
//! parameters, on this machine: the figure `HashCost::default` is chosen by.
//!
//!     cargo run --release --example argon2_cost
//!
//! Each line verifies a real key against its PHC string many times on one
//! thread and prints the median of five rounds.

use std::time::Instant;

use keyward::secret::{CredentialKind, HashCost, Secret, SecretHasher};

fn main() {
    let secret = Secret::generate(CredentialKind::ApiKey, uuid::Uuid::new_v4());
    println!("| m (KiB) | t | µs per verification |");
    println!("|---:|---:|---:|");
    for (memory_kib, iterations) in [
        (8, 1),
        (32, 1),
        (64, 1),
        (128, 1),
        (256, 1),
        (1024, 1),
        (19_456, 2),
    ] {
        let Ok(hasher) = SecretHasher::new(HashCost {
            memory_kib,
            iterations,
        }) else {
            continue;
        };
        let Ok(phc) = hasher.hash(&secret) else {
            continue;
        };
        let rounds = if memory_kib > 1024 { 20 } else { 2_000 };
        let mut medians: Vec<f64> = (0..5)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..rounds {
                    assert!(hasher.verify(&secret, &phc));
                }
                start.elapsed().as_secs_f64() * 1e6 / f64::from(rounds)
            })
            .collect();
        medians.sort_by(f64::total_cmp);
        println!("| {memory_kib} | {iterations} | {:.1} |", medians[2]);
    }
}
