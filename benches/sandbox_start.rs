//! How long `Sandbox::start` takes: the cost every sandbox test pays first.
//!
//! `cargo bench --bench sandbox_start`

use std::time::{Duration, Instant};

mod common;

fn main() {
    common::run_bench(async {
        let mut times: Vec<Duration> = Vec::new();
        for _ in 0..200 {
            let started = Instant::now();
            let sandbox = up42_testkit::Sandbox::start().await;
            times.push(started.elapsed());
            drop(sandbox);
        }
        times.sort();
        println!(
            "Sandbox::start over 200 starts: median {:?}, p90 {:?}",
            times[100], times[180]
        );
    });
}
