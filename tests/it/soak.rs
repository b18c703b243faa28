//! Soak: 200 tasks × 50 calls with 2 s tokens and 5 % injected 503s. In a test
//! binary of its own, so that no other test competes for the two cores: the
//! token-request bound assumes requests reach the sandbox within the 0.2 s
//! safety margin of a 2 s token.

use std::time::Duration;

use up42::orders::Order;
use up42_auth::{Error, Up42Client, policy::RetryPolicy, up42_endpoint};
use up42_testkit::{Route, Sandbox};

#[up42_endpoint(GET, "/v2/orders/{order_id}")]
async fn get_order(client: &Up42Client, order_id: &str) -> Result<Order, Error>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_two_hundred_tasks_with_short_tokens_and_five_percent_503s() {
    let sandbox = Sandbox::builder()
        .access_token_lifetime(Duration::from_secs(2))
        .start()
        .await;
    let client = sandbox
        .client_builder()
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(5)
                .backoff(Duration::from_millis(10), Duration::from_millis(100)),
        )
        .build()
        .unwrap();
    sandbox.fail_every(Route::Api, 20, 503);
    let started = tokio::time::Instant::now();
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..50 {
                    get_order(&client, up42_testkit::ORDER_ID).await?;
                }
                Ok::<(), Error>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    let counters = sandbox.counters();
    // Renewal starts 1.6 s into each 2 s token: at most one login plus one
    // renewal per 1.6 s of run time (and one for rounding).
    let bound = 2 + (elapsed.as_secs_f64() / 1.6).ceil() as u64;
    println!("soak: 10000 calls in {elapsed:?}, {counters:?}, token bound {bound}");
    assert!(
        counters.token_requests <= bound,
        "token requests over the bound {bound}: {counters:?} in {elapsed:?}"
    );
    assert!(counters.api_calls >= 10_000 + 10_000 / 20, "{counters:?}");
}
