//! A generated endpoint call against the same call written by hand with
//! reqwest and a pre-fetched bearer header, on the same sandbox route.
//!
//! `cargo bench --bench call_overhead`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use up42_auth::Authenticated;
use up42_testkit::Sandbox;

mod common;
use common::{get_order, get_order_by_hand};

fn call_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (_sandbox, client, bearer, url) = runtime.block_on(async {
        let sandbox = Sandbox::start().await;
        let client = sandbox.client().expect("client");
        let token = client.access_token().await.expect("token");
        let url = format!("{}/v2/orders/{}", sandbox.api_url(), up42_testkit::ORDER_ID);
        (sandbox, client, token.bearer_header().clone(), url)
    });
    // The same HTTP client (and so the same timeouts and pool) for both calls:
    // the difference is what the macro and the runtime add.
    let http = client.http_client().clone();

    let mut group = c.benchmark_group("call_overhead");
    group.bench_function("generated #[up42_endpoint] GET", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(get_order(&client, up42_testkit::ORDER_ID).await.expect("call")) })
    });
    group.bench_function("hand-written reqwest GET, static bearer", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(get_order_by_hand(&http, &url, &bearer).await) })
    });
    group.finish();
}

criterion_group!(benches, call_overhead);
criterion_main!(benches);
