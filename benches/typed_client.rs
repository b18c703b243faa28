//! The typed client (`up42::Client`) against the sandbox, printed as
//! Markdown tables:
//!
//! 1. A typed call against the same call written by hand with reqwest,
//!    interleaved on one connection pool, both decoding `up42::orders::Order`:
//!    what the typed layer and the runtime add (goal ≤ 1.05× at p50).
//! 2. A list of 100 pages with 20 ms of latency injected on every API call,
//!    one page at a time against `concurrent_pages(4)` and `(8)` (goal ≥ 3×
//!    faster, items in the same order).
//!
//! `cargo bench --bench typed_client`

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use up42::orders::{NewOrder, Order};
use up42::toolkit::Authenticated;
use up42_testkit::{Fault, Route, Sandbox};

mod common;
use common::{get_by_hand, percentile};

async fn typed_against_hand_written(rounds: usize) {
    let sandbox = Sandbox::start().await;
    let client = up42::Client::from(sandbox.client().expect("client"));
    let bearer = client
        .access_token()
        .await
        .expect("token")
        .bearer_header()
        .clone();
    let http = client.http_client().clone();
    let url = format!("{}/v2/orders/{}", sandbox.api_url(), up42_testkit::ORDER_ID);
    let orders = client.orders();
    let (mut typed, mut by_hand) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds + 200 {
        let started = Instant::now();
        std::hint::black_box(orders.get(up42_testkit::ORDER_ID).await.expect("call"));
        let typed_time = started.elapsed();
        let started = Instant::now();
        std::hint::black_box(get_by_hand::<Order>(&http, &url, &bearer).await);
        let by_hand_time = started.elapsed();
        if round >= 200 {
            typed.push(typed_time);
            by_hand.push(by_hand_time);
        }
    }
    typed.sort();
    by_hand.sort();
    let (t, h) = (percentile(&typed, 0.5), percentile(&by_hand, 0.5));
    println!("| call ({rounds} interleaved rounds) | p50 | p99 |");
    println!("|---|---|---|");
    println!(
        "| `client.orders().get(id)` | {t:.2?} | {:.2?} |",
        percentile(&typed, 0.99)
    );
    println!(
        "| hand-written reqwest GET into `Order` | {h:.2?} | {:.2?} |",
        percentile(&by_hand, 0.99)
    );
    println!(
        "\nRatio typed / hand-written at p50: **{:.3}**\n",
        t.as_secs_f64() / h.as_secs_f64()
    );
}

async fn concurrent_pages(pages: u64, latency: Duration, runs: usize) {
    let sandbox = Sandbox::start().await;
    let client = up42::Client::from(sandbox.client().expect("client"));
    let order: NewOrder =
        serde_json::from_value(up42_testkit::seed::archive_order_request("bench")).expect("order");
    for _ in up42_testkit::ORDER_COUNT..pages {
        client.orders().place(&order).await.expect("placed");
    }
    sandbox.inject(Route::Api, Fault::Delay(latency), usize::MAX);
    let walk = |in_flight: usize| {
        let client = client.clone();
        async move {
            let started = Instant::now();
            let orders: Vec<Order> = client
                .orders()
                .list()
                .page_size(1)
                .concurrent_pages(in_flight)
                .items()
                .try_collect()
                .await
                .expect("listed");
            (
                started.elapsed(),
                orders.into_iter().map(|o| o.id).collect::<Vec<_>>(),
            )
        }
    };
    let (_, reference) = walk(1).await;
    assert_eq!(reference.len() as u64, pages);
    println!("| {pages} pages, {latency:?} latency each | median of {runs} | speed-up |");
    println!("|---|---|---|");
    let mut one_at_a_time = Duration::ZERO;
    for in_flight in [1, 4, 8] {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let (time, ids) = walk(in_flight).await;
            assert_eq!(ids, reference, "the same items in the same order");
            times.push(time);
        }
        times.sort();
        let median = percentile(&times, 0.5);
        if in_flight == 1 {
            one_at_a_time = median;
        }
        println!(
            "| `concurrent_pages({in_flight})` | {median:.2?} | {:.2}× |",
            one_at_a_time.as_secs_f64() / median.as_secs_f64()
        );
    }
    println!();
}

fn main() {
    common::run_bench(async {
        typed_against_hand_written(3_000).await;
        concurrent_pages(100, Duration::from_millis(20), 3).await;
    });
}
