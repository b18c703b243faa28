//! One scenario for every token store: the user switches accounts while a
//! renewal waits for the first account's lock, held by another process.

use std::time::Duration;

use up42_auth::store::{StoreKey, StoreLock, TokenStore};
use up42_auth::{Authenticated, Credentials, Up42Client};
use up42_testkit::{PASSWORD, Sandbox, USERNAME};

/// Runs the switch against `store` (a fresh one) and asserts that a fresh
/// process of the first account then logs in as itself: nothing of the
/// other account was saved under its entry.
pub async fn switch_accounts_mid_renewal<S: TokenStore + Clone + 'static>(store: S) {
    let sandbox = Sandbox::start().await;
    sandbox.set_password("other@up42.example", "other-password");
    let client_of = |username: &str, password: &str| {
        Up42Client::builder()
            .credentials(Credentials::new(username, password))
            .token_url(&sandbox.token_url())
            .api_url(&sandbox.api_url())
            .token_store(store.clone())
            .seal_rounds(1_000)
            .build()
            .unwrap()
    };
    // Another process holds the first account's renewal lock.
    let key = StoreKey::sealed_with_rounds(&sandbox.token_url(), "up42-api", USERNAME, PASSWORD, 1_000);
    let held = hold(&store, &key).await;
    let client = client_of(USERNAME, PASSWORD);
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.access_token().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sandbox.counters().token_requests,
        0,
        "the renewal waits for the lock"
    );
    // The user switches accounts while it waits; then the holder lets go.
    client.set_credentials(Credentials::new("other@up42.example", "other-password"));
    held.release().await.unwrap();
    let _ = waiting.await.unwrap();
    sandbox.reset_counters();
    client_of(USERNAME, PASSWORD).access_token().await.unwrap();
    assert_eq!(
        sandbox.counters().password_grants,
        1,
        "not adopted from the store"
    );
    let form = sandbox.last_token_form().unwrap();
    assert!(
        form.contains(&("username".to_string(), USERNAME.to_string())),
        "{form:?}"
    );
}

/// `key`'s renewal lock in `store`, taken as another process would.
pub async fn hold<S: TokenStore>(store: &S, key: &StoreKey) -> Box<dyn StoreLock> {
    store
        .lock(key, Duration::ZERO)
        .await
        .unwrap()
        .expect("the lock is free")
}
