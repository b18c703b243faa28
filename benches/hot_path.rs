//! The cached-token path against its physical floor, an `Arc<str>` clone.
//!
//! `cargo bench --bench hot_path`

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use up42_auth::{Authenticated, Up42Client};
use up42_testkit::Sandbox;

/// A client with a fresh cached token, and the sandbox that issued it.
fn warm_client(runtime: &tokio::runtime::Runtime) -> (Sandbox, Up42Client) {
    runtime.block_on(async {
        let sandbox = Sandbox::start().await;
        let client = sandbox.client().expect("sandbox client");
        client.access_token().await.expect("first token");
        (sandbox, client)
    })
}

/// `iters` calls of `call` on this thread while a second thread calls it too.
fn contended(iters: u64, call: impl Fn() + Sync) -> Duration {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                call();
            }
        });
        let started = Instant::now();
        for _ in 0..iters {
            call();
        }
        let elapsed = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        elapsed
    })
}

fn hot_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (_sandbox, client) = warm_client(&runtime);
    let floor: Arc<str> = Arc::from("eyJhbGciOiJSUzI1NiJ9.payload.signature");
    let cache = client.token_cache();

    let mut group = c.benchmark_group("hot_path");
    group.bench_function("baseline: Arc<str> clone", |b| {
        b.iter(|| black_box(Arc::clone(black_box(&floor))))
    });
    group.bench_function("TokenCache::fresh (endpoint path)", |b| {
        b.iter(|| black_box(cache.fresh()))
    });
    group.bench_function("Authenticated::access_token (ready future, no box)", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(client.access_token().await.expect("token")) })
    });
    group.bench_function("contended baseline: Arc<str> clone, 2 threads", |b| {
        b.iter_custom(|iters| contended(iters, || drop(black_box(Arc::clone(&floor)))))
    });
    group.bench_function("contended TokenCache::fresh, 2 threads", |b| {
        b.iter_custom(|iters| contended(iters, || drop(black_box(cache.fresh()))))
    });
    group.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
