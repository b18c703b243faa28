//! Whole scenarios against the sandbox, printed as Markdown tables:
//!
//! 1. Stampede: N concurrent callers when the token has just gone stale. How
//!    many token requests (must be 1) and how long the callers waited.
//! 2. The documented pattern (log in before every call) against the cached
//!    client, for 1,000 sequential calls.
//! 3. Call overhead, interleaved: a generated endpoint call and the same call
//!    written by hand alternate on one connection pool, so drift and order
//!    effects hit both alike; medians and their ratio.
//! 4. The early-renewal window: 1,000 calls while the token is fresh, then
//!    1,000 while it is due for an early renewal that takes 200 ms; the
//!    renewal runs on the cache's own task, so the p99s should match.
//!
//! `cargo bench --bench scenarios`

use std::time::{Duration, Instant};

use up42_auth::Authenticated;
use up42_testkit::{PASSWORD, Sandbox, USERNAME};

mod common;
use common::{Order, get_order, get_order_by_hand, percentile};

async fn stampede(callers: usize) -> (u64, Duration, Duration, Duration) {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().expect("client");
    let stale = client.access_token().await.expect("token");
    client.token_cache().report_rejected(&stale);
    sandbox.reset_counters();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                client.access_token().await.expect("renewed token");
                started.elapsed()
            })
        })
        .collect();
    let mut waits = Vec::with_capacity(callers);
    for task in tasks {
        waits.push(task.await.expect("task"));
    }
    waits.sort();
    let requests = sandbox.counters().token_requests;
    (
        requests,
        percentile(&waits, 0.5),
        percentile(&waits, 0.99),
        *waits.last().expect("callers"),
    )
}

/// UP42's documented pattern: a password login before every API call.
async fn login_then_call(http: &reqwest::Client, sandbox: &Sandbox) {
    let form = [
        ("username", USERNAME),
        ("password", PASSWORD),
        ("grant_type", "password"),
        ("client_id", "up42-api"),
    ];
    let answer: serde_json::Value = http
        .post(sandbox.token_url())
        .form(&form)
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = answer["access_token"].as_str().expect("access_token");
    let order: Order = http
        .get(format!(
            "{}/v2/orders/{}",
            sandbox.api_url(),
            up42_testkit::ORDER_ID
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("call")
        .json()
        .await
        .expect("json");
    std::hint::black_box(order);
}

async fn versus_documented_pattern(calls: usize) {
    let sandbox = Sandbox::start().await;
    let http = reqwest::Client::new();
    login_then_call(&http, &sandbox).await; // warm the connection and the signing key
    sandbox.reset_counters();
    let started = Instant::now();
    for _ in 0..calls {
        login_then_call(&http, &sandbox).await;
    }
    let pattern_time = started.elapsed();
    let pattern_auth = sandbox.counters().token_requests;

    let client = sandbox.client().expect("client");
    sandbox.reset_counters();
    let started = Instant::now();
    for _ in 0..calls {
        get_order(&client, up42_testkit::ORDER_ID).await.expect("call");
    }
    let cached_time = started.elapsed();
    let cached_auth = sandbox.counters().token_requests;

    println!("\n### Versus the documented pattern ({calls} sequential calls)\n");
    println!("| client | auth requests | total time | per call |");
    println!("|---|---|---|---|");
    println!(
        "| log in before every call | {pattern_auth} | {pattern_time:.2?} | {:.2?} |",
        pattern_time / calls as u32
    );
    println!(
        "| `Up42Client` + `#[up42_endpoint]` | {cached_auth} | {cached_time:.2?} | {:.2?} |",
        cached_time / calls as u32
    );
    println!(
        "\nRatios (pattern / cached): auth requests {:.0}x, total time {:.2}x",
        pattern_auth as f64 / cached_auth.max(1) as f64,
        pattern_time.as_secs_f64() / cached_time.as_secs_f64()
    );
}

async fn interleaved_call_overhead(rounds: usize) {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().expect("client");
    let bearer = client
        .access_token()
        .await
        .expect("token")
        .bearer_header()
        .clone();
    let http = client.http_client().clone();
    let url = format!("{}/v2/orders/{}", sandbox.api_url(), up42_testkit::ORDER_ID);
    let (mut generated, mut by_hand) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds + 200 {
        let started = Instant::now();
        std::hint::black_box(get_order(&client, up42_testkit::ORDER_ID).await.expect("call"));
        let generated_time = started.elapsed();
        let started = Instant::now();
        std::hint::black_box(get_order_by_hand(&http, &url, &bearer).await);
        let by_hand_time = started.elapsed();
        if round >= 200 {
            // The first 200 rounds warm up.
            generated.push(generated_time);
            by_hand.push(by_hand_time);
        }
    }
    generated.sort();
    by_hand.sort();
    let (g, h) = (percentile(&generated, 0.5), percentile(&by_hand, 0.5));
    println!("\n### Call overhead, interleaved ({rounds} calls each, loopback)\n");
    println!("| call | p50 | p90 |");
    println!("|---|---|---|");
    println!(
        "| `#[up42_endpoint]` GET | {g:.2?} | {:.2?} |",
        percentile(&generated, 0.9)
    );
    println!(
        "| hand-written reqwest GET, static bearer | {h:.2?} | {:.2?} |",
        percentile(&by_hand, 0.9)
    );
    println!(
        "\nRatio generated / hand-written (p50): {:.3}",
        g.as_secs_f64() / h.as_secs_f64()
    );
}

/// `calls` sequential endpoint calls: their p50, p99 and max.
async fn call_times(client: &up42_auth::Up42Client, calls: usize) -> [Duration; 3] {
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        std::hint::black_box(get_order(client, up42_testkit::ORDER_ID).await.expect("call"));
        times.push(started.elapsed());
    }
    times.sort();
    [
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[calls - 1],
    ]
}

async fn early_window(calls: usize) {
    // 20 s tokens: margin 2 s, early window from 16 s to 18 s.
    let sandbox = Sandbox::builder()
        .access_token_lifetime(Duration::from_secs(20))
        .start()
        .await;
    let client = sandbox.client().expect("client");
    call_times(&client, 200).await; // warm-up, and the first token
    let before = call_times(&client, calls).await;
    let valid_for = client.token_cache().valid_for().expect("a cached token");
    tokio::time::sleep(valid_for.saturating_sub(Duration::from_millis(3_900))).await;
    sandbox.set_delay(up42_testkit::Route::Token, Duration::from_millis(200));
    sandbox.reset_counters();
    let early = call_times(&client, calls).await;
    let renewals = sandbox.counters().token_requests;
    // Fresh again (renewed by then): the same moment's baseline.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = call_times(&client, calls).await;
    println!("\n### Early-renewal window ({calls} calls each; the renewal takes 200 ms)\n");
    println!("| token | p50 | p99 | max |");
    println!("|---|---|---|---|");
    for (label, [p50, p99, max]) in [
        ("fresh, before", before),
        ("in its early-renewal window", early),
        ("fresh again, after", after),
    ] {
        println!("| {label} | {p50:.2?} | {p99:.2?} | {max:.2?} |");
    }
    println!(
        "\nRatio window / after (p99): {:.3}; token requests in the window: {renewals}",
        early[1].as_secs_f64() / after[1].as_secs_f64()
    );
}

fn main() {
    common::run_bench(async {
        println!("### Stampede: callers arriving when the token has just gone stale\n");
        println!("| callers | token requests | p50 wait | p99 wait | max wait |");
        println!("|---|---|---|---|---|");
        for callers in [1, 100, 1_000, 10_000] {
            let (requests, p50, p99, max) = stampede(callers).await;
            println!("| {callers} | {requests} | {p50:.2?} | {p99:.2?} | {max:.2?} |");
        }
        versus_documented_pattern(1_000).await;
        interleaved_call_overhead(3_000).await;
        early_window(1_000).await;
    });
}
