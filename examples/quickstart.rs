//! Fetch a token, reuse it, renew it.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With `UP42_USERNAME`/`UP42_PASSWORD` set, or `~/.up42/credentials.json`
//! present, it logs in to UP42. Without credentials it starts the local sandbox
//! (`up42-testkit`) in-process and runs against that: no account, no network.

use std::time::Instant;

use up42_auth::{Authenticated, Credentials, Error, ErrorKind, Up42Client};
use up42_testkit::Sandbox;

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Error> {
    // Keep the sandbox alive (if any) for as long as the client is used.
    let (client, sandbox) = match Credentials::discover() {
        Ok(credentials) => {
            println!("Using UP42 credentials of {}.", credentials.username());
            (Up42Client::builder().credentials(credentials).build()?, None)
        }
        Err(error) if error.kind() == ErrorKind::CredentialsMissing => {
            let sandbox = Sandbox::start().await;
            println!(
                "No UP42 credentials found: running against the local sandbox at {}.",
                sandbox.base_url()
            );
            println!("(Set UP42_USERNAME/UP42_PASSWORD or write ~/.up42/credentials.json to use UP42.)\n");
            (sandbox.client()?, Some(sandbox))
        }
        Err(other) => return Err(other),
    };
    println!("Token URL: {}", client.token_url());

    let started = Instant::now();
    let token = client.access_token().await?;
    println!(
        "1. Logged in in {:?}: a {}-character token, valid for {:?}.",
        started.elapsed(),
        token.secret().len(),
        token.expires_in()
    );

    let started = Instant::now();
    for _ in 0..1_000 {
        let again = client.access_token().await?;
        assert!(again.same_token(&token));
    }
    println!(
        "2. 1,000 more calls reused the cached token in {:?} in all.",
        started.elapsed()
    );

    // What happens after the API answers 401 to a token: the next call renews it,
    // with the refresh token.
    client.token_cache().report_rejected(&token);
    let started = Instant::now();
    let renewed = client.access_token().await?;
    println!(
        "3. Renewed in {:?} (refresh grant): a new token, valid for {:?}.",
        started.elapsed(),
        renewed.expires_in()
    );
    println!("   Debug output stays redacted: {renewed:?}");

    if let Some(sandbox) = sandbox {
        let counters = sandbox.counters();
        println!(
            "\nThe sandbox saw {} token requests ({} password, {} refresh) for 1,002 token lookups.",
            counters.token_requests, counters.password_grants, counters.refresh_grants
        );
        println!("This ran locally against the up42-testkit sandbox; nothing was sent to UP42.");
    }
    Ok(())
}
