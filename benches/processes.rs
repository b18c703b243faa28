//! Logins across processes, with and without a token store, and the
//! fleet-wide rate limit's measured rate, printed as Markdown tables. The
//! benchmark spawns itself as the worker processes (see
//! `tests/support/processes.rs`).
//!
//! `cargo bench --bench processes`

use std::time::Instant;

use up42_testkit::Sandbox;

#[path = "../tests/support/processes.rs"]
mod processes;

use processes::{Job, RedisServer, Store, job};

/// Logins (token requests) and wall time for `n` processes of `calls` calls each.
async fn logins(store: &Store, n: usize, calls: u64, together: bool) -> (u64, std::time::Duration) {
    let sandbox = Sandbox::start().await;
    let batch = job(&sandbox, store, calls, 0);
    let started = Instant::now();
    let reports = match together {
        true => batch.run_together(n).await,
        false => batch.run_one_after_another(n).await,
    };
    let took = started.elapsed();
    assert!(reports.iter().all(|r| r.errors.is_empty()), "a worker failed");
    (sandbox.counters().token_requests, took)
}

async fn shared_rate(redis: &RedisServer) {
    let sandbox = Sandbox::start().await;
    let rate = Job {
        mode: "rate",
        store: format!("redis:{}", redis.url),
        ..job(&sandbox, &Store::file(), 0, 0)
    };
    let reports = rate.run_together(4).await;
    let (permits, windows) = processes::permit_windows(&reports);
    let (first, last) = reports_span(&reports);
    let overall = permits as f64 / ((last - first) as f64 / 1000.0);
    println!("\n### Shared rate limit: 4 processes as fast as they can for 5 s, limit 100/s (burst 1)\n");
    println!("| permits | overall rate | 1 s windows (every 100 ms): min | max |");
    println!("|---|---|---|---|");
    println!(
        "| {permits} | {overall:.1}/s | {} | {} |",
        windows.iter().min().unwrap(),
        windows.iter().max().unwrap()
    );
}

/// The first and the last permit of all workers, wall-clock ms.
fn reports_span(reports: &[processes::Report]) -> (u64, u64) {
    let all = reports.iter().flat_map(|r| r.permits.iter().copied());
    (all.clone().min().unwrap_or(0), all.max().unwrap_or(0))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    processes::set_worker_args(&[]);
    if runtime.block_on(processes::run_worker()) {
        return;
    }
    // `cargo test --benches` runs bench targets with `--bench` absent: skip the work there.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    runtime.block_on(async {
        let redis = RedisServer::start();
        println!("### Logins across processes (1 call each when sequential, 50 each when concurrent)\n");
        println!("| processes | store | logins | wall time |");
        println!("|---|---|---|---|");
        for (label, together, n, calls) in [("10 sequential", false, 10, 1), ("8 concurrent", true, 8, 50)] {
            for store in [Store::None, Store::file(), Store::Redis(RedisServer::start())] {
                let (logins, took) = logins(&store, n, calls, together).await;
                println!("| {label} | {} | {logins} | {took:.2?} |", store.name());
            }
        }
        shared_rate(&redis).await;
    });
}
