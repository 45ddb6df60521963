//! The baseline for `scripts/bench-issue.sh`: argon2id hashing of N fresh provisional
//! passwords on every core, with the same code and parameters `hagaki issue` uses, and nothing
//! else. Usage: `hash_bench N [MEMORY_KIB ITERATIONS PARALLELISM]`; prints the seconds taken.

use std::time::Instant;

use hagaki::credential;
use hagaki::secret::{self, HashParams};
use rayon::prelude::*;

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("whole numbers"))
        .collect();
    let n = *args
        .first()
        .expect("usage: hash_bench N [MEMORY_KIB ITERATIONS PARALLELISM]");
    let mut params = HashParams::default();
    if let [_, m, t, p] = args[..] {
        params = HashParams {
            memory_kib: m,
            iterations: t,
            parallelism: p,
        };
    }
    let started = Instant::now();
    let hashed = (0..n)
        .into_par_iter()
        .map(|_| {
            let pw = credential::generate_password(&mut rand::rngs::OsRng, 12);
            secret::hash_password(&pw, params).expect("hash")
        })
        .filter(|h| h.starts_with("$argon2id$"))
        .count();
    assert_eq!(hashed, n as usize);
    println!("{:.2}", started.elapsed().as_secs_f64());
}
