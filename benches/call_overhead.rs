//! A generated endpoint call against the same call written by hand with
//! reqwest and a pre-fetched bearer header, on the same sandbox route.
//!
//! `cargo bench --bench call_overhead`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde::Deserialize;
use up42_auth::{Authenticated, Error, Up42Client, up42_endpoint};
use up42_testkit::Sandbox;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Order {
    id: String,
    workspace_id: String,
    status: String,
}

#[up42_endpoint(GET, "/v2/orders/{order_id}")]
async fn get_order(client: &Up42Client, order_id: &str) -> Result<Order, Error>;

/// What users write by hand: a static token, no renewal, no retry.
async fn get_order_by_hand(
    http: &reqwest::Client,
    base: &str,
    bearer: &reqwest::header::HeaderValue,
    order_id: &str,
) -> Order {
    http.get(format!("{base}/v2/orders/{order_id}"))
        .header(reqwest::header::AUTHORIZATION, bearer.clone())
        .send()
        .await
        .expect("sent")
        .error_for_status()
        .expect("2xx")
        .json()
        .await
        .expect("json")
}

fn call_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (_sandbox, client, bearer, base) = runtime.block_on(async {
        let sandbox = Sandbox::start().await;
        let client = sandbox.client().expect("client");
        let token = client.access_token().await.expect("token");
        let base = sandbox.api_url();
        (sandbox, client, token.bearer_header().clone(), base)
    });
    // The same HTTP client (and so the same timeouts and pool) for both calls:
    // the difference is what the macro and the runtime add.
    let http = client.http_client().clone();

    let mut group = c.benchmark_group("call_overhead");
    group.bench_function("generated #[up42_endpoint] GET", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(get_order(&client, "5b3c1d2e").await.expect("call")) })
    });
    group.bench_function("hand-written reqwest GET, static bearer", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(get_order_by_hand(&http, &base, &bearer, "5b3c1d2e").await) })
    });
    group.finish();
}

criterion_group!(benches, call_overhead);
criterion_main!(benches);
