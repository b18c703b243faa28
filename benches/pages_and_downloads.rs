//! Paged lists and downloads against the sandbox, printed as Markdown tables:
//!
//! 1. A `paged` endpoint collecting 25 orders in 5 pages, against the same
//!    five requests in a hand-written loop, interleaved; medians and ratio.
//! 2. A 256 MiB download: `Download::to_file` against the buffered way
//!    (`Response::bytes` then one write); time and peak heap of each.
//!
//! `cargo bench --bench pages_and_downloads`

use std::time::{Duration, Instant};

use serde::Deserialize;
use up42_auth::{Authenticated, Download, Error, Up42Client, up42_endpoint};
use up42_testkit::{Sandbox, WORKSPACE_ID};

#[path = "../tests/support/peak.rs"]
mod peak;

mod common;

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Order {
    id: String,
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    content: Vec<Order>,
    total_pages: u64,
}

#[up42_endpoint(GET, "/v2/orders", paged)]
async fn all_orders(
    client: &Up42Client,
    #[query("workspaceId")] workspace: &str,
    #[query] size: u32,
) -> Result<Vec<Order>, Error>;

/// What users write by hand: a page at a time until `totalPages`.
async fn all_orders_by_hand(client: &Up42Client, http: &reqwest::Client) -> Vec<Order> {
    let bearer = client.access_token().await.expect("token");
    let mut orders = Vec::new();
    let mut page = 0;
    loop {
        let url = format!(
            "{}v2/orders?workspaceId={WORKSPACE_ID}&size=5&page={page}",
            client.api_url()
        );
        let answer: Page = common::get_by_hand(http, &url, bearer.bearer_header()).await;
        orders.extend(answer.content);
        page += 1;
        if page >= answer.total_pages {
            return orders;
        }
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn paging(rounds: usize) {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().expect("client");
    let http = reqwest::Client::new();
    let (mut generated, mut by_hand) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let started = Instant::now();
        assert_eq!(
            all_orders(&client, WORKSPACE_ID, 5).await.expect("pages").len(),
            25
        );
        generated.push(started.elapsed());
        let started = Instant::now();
        assert_eq!(all_orders_by_hand(&client, &http).await.len(), 25);
        by_hand.push(started.elapsed());
    }
    let (g, h) = (median(generated), median(by_hand));
    println!("\n### Paged list: 25 orders in 5 pages ({rounds} rounds each, interleaved)\n");
    println!("| call | p50 |");
    println!("|---|---|");
    println!("| `paged` endpoint, collected | {g:.2?} |");
    println!("| hand-written page loop | {h:.2?} |");
    println!("\nratio: **{:.3}**", g.as_secs_f64() / h.as_secs_f64());
}

/// Time and peak heap growth of `f`.
async fn measured<F: std::future::Future<Output = u64>>(f: F) -> (Duration, usize, u64) {
    let started = Instant::now();
    let (bytes, peak) = peak::peak_growth(f).await;
    (started.elapsed(), peak, bytes)
}

async fn downloads(runs: usize) {
    const SIZE: u64 = 256 * 1024 * 1024;
    let sandbox = Sandbox::start().await;
    sandbox.add_generated_asset("scene", SIZE, None);
    let client = sandbox.client().expect("client");
    let url = format!("{}/storage/scene", sandbox.storage_url());
    let dir = tempfile::tempdir().expect("scratch directory");
    let target = dir.path().join("scene.tif");
    println!("\n### Download of 256 MiB over loopback ({runs} runs each)\n");
    println!("| way | time | throughput | peak heap growth |");
    println!("|---|---|---|---|");
    let mib = |bytes: usize| bytes as f64 / (1024.0 * 1024.0);
    for _ in 0..runs {
        let (took, peak, bytes) = measured(async {
            let download = Download::get(&client, &url).await.expect("answer");
            download.to_file(&target).await.expect("written")
        })
        .await;
        assert_eq!(bytes, SIZE);
        let rate = mib(bytes as usize) / took.as_secs_f64();
        println!(
            "| `Download::to_file` | {took:.2?} | {rate:.0} MiB/s | {:.1} MiB |",
            mib(peak)
        );
        let (took, peak, bytes) = measured(async {
            let response = client.http_client().get(&url).send().await.expect("answer");
            let body = response.bytes().await.expect("body");
            tokio::fs::write(&target, &body).await.expect("written");
            body.len() as u64
        })
        .await;
        assert_eq!(bytes, SIZE);
        let rate = mib(bytes as usize) / took.as_secs_f64();
        println!(
            "| buffered: `bytes()` then one write | {took:.2?} | {rate:.0} MiB/s | {:.1} MiB |",
            mib(peak)
        );
    }
}

fn main() {
    common::run_bench(async {
        paging(500).await;
        downloads(3).await;
    });
}
