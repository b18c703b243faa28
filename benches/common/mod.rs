//! What the call benchmarks share: the order type, the generated endpoint, and
//! its hand-written equivalent. Each benchmark uses a part of it.

#![allow(dead_code)]

use serde::Deserialize;
use up42_auth::{Error, Up42Client, up42_endpoint};

/// The fields of an order the calls decode.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct Order {
    pub id: String,
    pub workspace_id: String,
    pub status: String,
}

/// The generated call.
#[up42_endpoint(GET, "/v2/orders/{order_id}")]
pub async fn get_order(client: &Up42Client, order_id: &str) -> Result<Order, Error>;

/// What users write by hand: a pre-fetched bearer header, no renewal, no
/// retry, no 401 handling.
pub async fn get_order_by_hand(
    http: &reqwest::Client,
    url: &str,
    bearer: &reqwest::header::HeaderValue,
) -> Order {
    get_by_hand(http, url, bearer).await
}

/// A hand-written GET decoded as `T`, as [`get_order_by_hand`] does it.
pub async fn get_by_hand<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    bearer: &reqwest::header::HeaderValue,
) -> T {
    http.get(url)
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

/// Runs `work` on a multi-threaded runtime, when the benchmark was started
/// by `cargo bench`: `cargo test --benches` runs bench targets without
/// `--bench`, and then they skip the work.
pub fn run_bench(work: impl std::future::Future<Output = ()>) {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(work);
}

/// The `p`-th percentile (0.0 to 1.0) of `sorted` durations.
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}
