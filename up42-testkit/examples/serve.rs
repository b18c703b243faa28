//! Runs a sandbox until stdin closes (or the process is stopped), for
//! clients in other languages: prints one JSON line with its URLs and the
//! default user's credentials, then serves.
//!
//! Placed orders go through every status UP42 shows, `CREATED` first (so
//! that clients which cancel only `CREATED` orders can).
//!
//! `cargo run -p up42-testkit --example serve`

use tokio::io::AsyncReadExt;

#[tokio::main]
async fn main() {
    let sandbox = up42_testkit::Sandbox::builder()
        .order_status_schedule(
            &[
                ("CREATED", 1),
                ("BEING_PLACED", 1),
                ("PLACED", 1),
                ("BEING_FULFILLED", 1),
            ],
            "FULFILLED",
        )
        .start()
        .await;
    let urls = serde_json::json!({
        "base_url": sandbox.base_url(),
        "token_url": sandbox.token_url(),
        "storage_url": sandbox.storage_url(),
        "username": up42_testkit::USERNAME,
        "password": up42_testkit::PASSWORD,
    });
    println!("{urls}");
    // Serve until stdin closes: the parent process ends the sandbox by closing it.
    let mut sink = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    let counters = sandbox.counters();
    eprintln!(
        "sandbox stopped: {} API calls, {} token requests",
        counters.api_calls, counters.token_requests
    );
}
