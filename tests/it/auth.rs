//! Token exchange, caching and renewal of `Up42Client`, against the local sandbox.

use std::sync::Arc;
use std::time::Duration;

use up42_auth::{Authenticated, Credentials, Error, ErrorKind, Up42Client, policy::RetryPolicy};
use up42_testkit::{Fault, PASSWORD, Route, Sandbox, USERNAME};

const HOSTILE_PASSWORD: &str = "pa&ss=word+%# ü/?";

async fn api_status(client: &Up42Client, token: &up42_auth::auth::AccessToken) -> u16 {
    client
        .http_client()
        .get(
            client
                .api_url()
                .join(&format!("/v2/orders/{}", up42_testkit::ORDER_ID))
                .unwrap(),
        )
        .header("Authorization", token.bearer_header())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn password_grant_sends_exactly_the_documented_form() {
    let sandbox = Sandbox::builder()
        .user("odd@example.com", HOSTILE_PASSWORD)
        .start()
        .await;
    let client = sandbox
        .client_builder()
        .credentials(Credentials::new("odd@example.com", HOSTILE_PASSWORD))
        .build()
        .unwrap();
    client.access_token().await.unwrap();
    let form = sandbox.last_token_form().unwrap();
    let expected = [
        ("grant_type", "password"),
        ("username", "odd@example.com"),
        ("password", HOSTILE_PASSWORD),
        ("client_id", "up42-api"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(form, expected);
}

#[tokio::test]
async fn a_cached_token_serves_a_hundred_calls_with_one_request() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let first = client.access_token().await.unwrap();
    for _ in 0..99 {
        assert!(client.access_token().await.unwrap().same_token(&first));
    }
    assert_eq!(sandbox.counters().token_requests, 1);
    assert_eq!(api_status(&client, &first).await, 200);
    assert!(first.secret().starts_with("eyJ"), "the sandbox issues JWTs");
}

#[tokio::test]
async fn an_expired_token_is_renewed_with_the_refresh_grant() {
    let sandbox = Sandbox::builder()
        .access_token_lifetime(Duration::from_secs(1))
        .start()
        .await;
    let client = sandbox.client().unwrap();
    let first = client.access_token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(950)).await;
    let second = client.access_token().await.unwrap();
    assert!(!second.same_token(&first));
    let counters = sandbox.counters();
    assert_eq!((counters.password_grants, counters.refresh_grants), (1, 1));
    assert_eq!(api_status(&client, &second).await, 200);
}

#[tokio::test]
async fn rotated_refresh_tokens_are_always_the_newest() {
    let sandbox = Sandbox::builder().rotate_refresh_tokens(true).start().await;
    let client = sandbox.client().unwrap();
    for _ in 0..3 {
        client.access_token().await.unwrap();
        client.token_cache().force_refresh().await.unwrap();
    }
    client.access_token().await.unwrap();
    let counters = sandbox.counters();
    // A reused refresh token would have answered `Stale token` and forced a password login.
    assert_eq!((counters.password_grants, counters.refresh_grants), (1, 3));
}

#[tokio::test]
async fn a_revoked_refresh_token_falls_back_to_one_password_login() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let first = client.access_token().await.unwrap();
    sandbox.revoke_refresh_tokens();
    client.token_cache().report_rejected(&first);
    let second = client.access_token().await.unwrap();
    assert!(!second.same_token(&first));
    let counters = sandbox.counters();
    assert_eq!((counters.password_grants, counters.refresh_grants), (2, 1));
}

#[tokio::test]
async fn without_refresh_tokens_renewal_logs_in_again() {
    let sandbox = Sandbox::builder().refresh_token_lifetime(None).start().await;
    let client = sandbox.client().unwrap();
    let first = client.access_token().await.unwrap();
    client.token_cache().report_rejected(&first);
    client.access_token().await.unwrap();
    let counters = sandbox.counters();
    assert_eq!((counters.password_grants, counters.refresh_grants), (2, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_callers_at_expiry_cause_one_token_request() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let stale = client.access_token().await.unwrap();
    client.token_cache().report_rejected(&stale);
    sandbox.reset_counters();
    // A slow answer makes sure all callers pile up behind the one renewal.
    sandbox.set_delay(Route::Token, Duration::from_millis(200));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap());
    }
    assert_eq!(sandbox.counters().token_requests, 1);
    assert!(
        tokens
            .iter()
            .all(|t| t.same_token(&tokens[0]) && !t.same_token(&stale))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_failed_login() {
    let sandbox = Sandbox::start().await;
    sandbox.set_delay(Route::Token, Duration::from_millis(200));
    let client = sandbox
        .client_builder()
        .credentials(Credentials::new(USERNAME, "wrong"))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.access_token().await })
        })
        .collect();
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert!(err.kind() == ErrorKind::InvalidCredentials, "{err}");
    }
    assert_eq!(sandbox.counters().token_requests, 1);
}

#[tokio::test]
async fn a_reported_401_renews_once_and_never_drops_a_newer_token() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let first = client.access_token().await.unwrap();
    sandbox.revoke_access_tokens();
    assert_eq!(api_status(&client, &first).await, 401);

    assert!(
        client.token_cache().report_rejected(&first),
        "the cached token is dropped"
    );
    let second = client.access_token().await.unwrap();
    assert!(
        client.token_cache().report_rejected(&first),
        "a late report of the old token: send again, with the newer token"
    );
    assert!(client.access_token().await.unwrap().same_token(&second));
    assert_eq!(api_status(&client, &second).await, 200);

    let counters = sandbox.counters();
    assert_eq!(counters.token_requests, 2);
    assert_eq!(counters.unauthorized, 1);
}

#[tokio::test]
async fn a_two_second_token_is_not_renewed_on_every_call() {
    let sandbox = Sandbox::builder()
        .access_token_lifetime(Duration::from_secs(2))
        .start()
        .await;
    let client = sandbox.client().unwrap();
    let started = tokio::time::Instant::now();
    let mut calls = 0u64;
    while started.elapsed() < Duration::from_millis(2500) {
        let token = client.access_token().await.unwrap();
        assert!(!token.expires_in().is_zero(), "an expired token was handed out");
        calls += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let counters = sandbox.counters();
    assert!(calls > 100, "{calls} calls");
    // One login, then one renewal when 1.6 s (of 2 s) have passed: the second lasts past 2.5 s.
    assert_eq!(counters.token_requests, 2, "{counters:?} after {calls} calls");
    assert_eq!(counters.refresh_grants, 1);
}

#[tokio::test]
async fn works_as_a_trait_object() {
    let sandbox = Sandbox::start().await;
    let client: Arc<dyn Authenticated> = Arc::new(sandbox.client().unwrap());
    let by_ref: &dyn Authenticated = &client;
    let token = by_ref.access_token().await.unwrap();
    assert!(client.access_token().await.unwrap().same_token(&token));
    assert_eq!(sandbox.counters().token_requests, 1);
}

#[tokio::test]
async fn wrong_password_is_a_clear_error_that_is_not_retried() {
    let sandbox = Sandbox::start().await;
    let client = sandbox
        .client_builder()
        .credentials(Credentials::new(USERNAME, "hunter2"))
        .build()
        .unwrap();
    let err = client.access_token().await.unwrap_err();
    assert!(err.kind() == ErrorKind::InvalidCredentials, "{err}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.oauth_error(), Some("invalid_grant"));
    assert!(!err.is_retryable());
    let msg = err.to_string();
    assert!(
        msg.contains(USERNAME) && msg.contains("Invalid user credentials"),
        "{msg}"
    );
    assert!(
        !msg.contains("hunter2") && !format!("{err:?}").contains("hunter2"),
        "{msg}"
    );
    assert_eq!(sandbox.counters().token_requests, 1);
}

#[tokio::test]
async fn an_unknown_client_id_is_explained() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client_builder().client_id("up42-web").build().unwrap();
    let err = client.access_token().await.unwrap_err();
    assert!(err.kind() == ErrorKind::InvalidClient, "{err}");
    assert!(err.to_string().contains("`up42-web`"), "{err}");
    assert!(err.hint().unwrap().contains("`up42-api`"), "{err:?}");
}

#[tokio::test]
async fn a_wrong_token_url_says_where_tokens_come_from() {
    let sandbox = Sandbox::start().await;
    let wrong_realm = format!("{}/realms/up42/protocol/openid-connect/token", sandbox.base_url());
    let api_route = format!("{}/v2/collections", sandbox.base_url());
    for url in [wrong_realm, api_route] {
        let client = sandbox.client_builder().token_url(&url).build().unwrap();
        let err = client.access_token().await.unwrap_err();
        assert!(err.kind() == ErrorKind::WrongTokenUrl, "{url}: {err}");
        let hint = err.hint().unwrap();
        assert!(hint.contains("https://auth.up42.com/realms/public"), "{hint}");
    }
}

#[tokio::test]
async fn an_unreachable_host_is_a_retryable_transport_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Up42Client::builder()
        .credentials(Credentials::new(USERNAME, PASSWORD))
        .token_url(&format!(
            "http://127.0.0.1:{port}/realms/public/protocol/openid-connect/token"
        ))
        .api_url(&format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let err = client.access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(err.is_retryable());
    assert!(err.to_string().contains("token request"), "{err}");
    assert!(
        err.to_string().ends_with("failed: connection refused"),
        "the root cause is in the message: {err}"
    );
}

#[tokio::test]
async fn a_hung_token_server_times_out() {
    let sandbox = Sandbox::start().await;
    sandbox.set_delay(Route::Token, Duration::from_secs(5));
    let client = sandbox
        .client_builder()
        .token_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client.access_token().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(
        err.to_string().contains("token request") && err.to_string().contains("timed out"),
        "{err}"
    );
}

#[tokio::test]
async fn a_failed_login_does_not_poison_the_client() {
    let sandbox = Sandbox::start().await;
    sandbox.set_delay(Route::Token, Duration::from_secs(5));
    let client = sandbox
        .client_builder()
        .token_timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    assert!(client.access_token().await.is_err());
    sandbox.set_delay(Route::Token, Duration::ZERO);
    client.access_token().await.unwrap();
    assert_eq!(sandbox.counters().token_requests, 2);
}

#[tokio::test]
async fn a_token_url_redirecting_to_another_host_never_gets_the_password_there() {
    let sandbox = Sandbox::start().await;
    let foreign = Sandbox::start().await;
    let target = format!(
        "http://localhost:{}/realms/public/protocol/openid-connect/token",
        foreign.addr().port()
    );
    sandbox.inject(Route::Token, Fault::redirect(307, &target), 1);
    // Even a client whose API calls would follow redirects.
    let client = sandbox
        .client_builder()
        .http_client(up42_auth::reqwest::Client::new())
        .build()
        .unwrap();
    let err = client.access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongTokenUrl, "{err}");
    assert_eq!(foreign.counters().token_requests, 0, "the password stayed home");
}

#[tokio::test]
async fn the_token_client_follows_no_redirect() {
    let sandbox = Sandbox::start().await;
    let redirecting = format!(
        "{}/redirect/realms/public/protocol/openid-connect/token",
        sandbox.base_url()
    );
    let client = sandbox.client_builder().token_url(&redirecting).build().unwrap();
    let err = client.access_token().await.unwrap_err();
    assert!(err.kind() == ErrorKind::WrongTokenUrl, "{err}");
    assert!(err.to_string().contains("redirect"), "{err}");
    assert_eq!(
        sandbox.counters().token_requests,
        0,
        "the credentials never reached the redirect target"
    );
}

#[tokio::test]
async fn a_changed_password_is_not_hammered_and_new_credentials_work_at_once() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let token = client.access_token().await.unwrap();
    // The owner changes the password; the sessions end with it.
    sandbox.set_password(USERNAME, "changed-password");
    sandbox.revoke_refresh_tokens();
    client.token_cache().report_rejected(&token);
    sandbox.reset_counters();
    // A worker polling every 50 ms for 1.5 s: one refresh grant, one failed
    // login, then the remembered error (for at least 2 s) with no request.
    for _ in 0..30 {
        let err = client.access_token().await.unwrap_err();
        assert!(err.kind() == ErrorKind::InvalidCredentials, "{err}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let counters = sandbox.counters();
    assert_eq!((counters.refresh_grants, counters.password_grants), (1, 1));

    client.set_credentials(Credentials::new(USERNAME, "changed-password"));
    client.access_token().await.unwrap();
    assert_eq!(sandbox.counters().password_grants, 2, "logged in at once");
}

#[tokio::test]
async fn a_caller_cancelled_mid_refresh_loses_nothing_under_rotation() {
    let sandbox = Sandbox::builder().rotate_refresh_tokens(true).start().await;
    let client = sandbox.client().unwrap();
    let first = client.access_token().await.unwrap();
    client.token_cache().report_rejected(&first);
    sandbox.set_delay(Route::Token, Duration::from_millis(300));
    let cancelled = tokio::time::timeout(Duration::from_millis(50), client.access_token()).await;
    assert!(cancelled.is_err(), "the only caller gave up mid-refresh");
    sandbox.set_delay(Route::Token, Duration::ZERO);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The refresh completed without its caller: its token is cached, and its
    // rotated refresh token is the one the next renewal sends.
    let second = client.access_token().await.unwrap();
    assert!(!second.same_token(&first));
    client.token_cache().force_refresh().await.unwrap();
    client.access_token().await.unwrap();
    let counters = sandbox.counters();
    assert_eq!(
        (counters.password_grants, counters.refresh_grants),
        (1, 2),
        "{counters:?}"
    );
}

#[test]
fn the_client_is_cheap_to_share_across_tasks() {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<Up42Client>();
    assert_shareable::<up42_auth::auth::AccessToken>();
    assert_shareable::<Error>();
}

#[tokio::test]
async fn https_urls_are_verified_against_the_systems_roots() {
    // The sandbox's certificate is its own: a client that was not given it
    // must refuse the server, through the process's shared TLS configuration
    // (built with the system's roots, once), and send no password.
    let sandbox = Sandbox::builder().https().start().await;
    let stranger = Up42Client::builder()
        .credentials(Credentials::new(USERNAME, PASSWORD))
        .token_url(&sandbox.token_url())
        .api_url(&sandbox.api_url())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let refused = stranger.access_token().await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Transport, "{refused:?}");
    let chain = format!("{:?}", std::error::Error::source(&refused));
    assert!(chain.to_lowercase().contains("certificate"), "{chain}");
    assert_eq!(sandbox.counters().token_requests, 0, "the password never left");
    // Given the sandbox's certificate, the same URLs work.
    let trusting = sandbox.client().unwrap();
    trusting.access_token().await.unwrap();
    assert_eq!(sandbox.counters().token_requests, 1);
}

#[tokio::test]
async fn a_slow_renewal_counts_inside_the_calls_time_limit_and_serves_the_next_call() {
    let sandbox = Sandbox::start().await;
    sandbox.set_delay(Route::Token, Duration::from_millis(1500));
    let toolkit = sandbox
        .client_builder()
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let client = up42::Client::from(toolkit.clone());
    let error = client.orders().get(up42_testkit::ORDER_ID).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(error.to_string().contains("waited for a token"), "{error}");
    assert_eq!(sandbox.counters().api_calls, 0, "nothing was sent");
    // The renewal went on without the call; once done, the next call uses it.
    let renewed = toolkit.token_cache().clone();
    tokio::time::timeout(Duration::from_secs(10), async {
        while renewed.fresh().is_none() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the renewal finished");
    client.orders().get(up42_testkit::ORDER_ID).await.unwrap();
    assert_eq!(sandbox.counters().token_requests, 1, "one renewal for both calls");
}

/// A client of `credentials` sharing tokens through the file store `store`.
fn stored_client(
    sandbox: &Sandbox,
    store: &up42_auth::store::FileTokenStore,
    credentials: Credentials,
) -> up42_auth::Up42ClientBuilder {
    Up42Client::builder()
        .credentials(credentials)
        .token_url(&sandbox.token_url())
        .api_url(&sandbox.api_url())
        .token_store(store.clone())
        .seal_rounds(1_000)
}

/// The default user's renewal lock in `store`, held as another process would.
async fn hold_the_lock(
    sandbox: &Sandbox,
    store: &up42_auth::store::FileTokenStore,
) -> (up42_auth::store::StoreKey, Box<dyn up42_auth::store::StoreLock>) {
    use up42_auth::store::StoreKey;
    let key = StoreKey::sealed_with_rounds(&sandbox.token_url(), "up42-api", USERNAME, PASSWORD, 1_000);
    let held = crate::switch::hold(store, &key).await;
    (key, held)
}

/// The file store's run of `support/switch.rs`; the Redis one is in `token_store.rs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_accounts_mid_renewal_plants_nothing_under_the_first_account() {
    let dir = tempfile::tempdir().unwrap();
    crate::switch::switch_accounts_mid_renewal(up42_auth::store::FileTokenStore::new(dir.path())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_past_its_holders_deadline_is_not_waited_for() {
    use up42_auth::store::FileTokenStore;
    let sandbox = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = FileTokenStore::new(dir.path());
    let client = |timeout: Duration| {
        let credentials = Credentials::new(USERNAME, PASSWORD);
        stored_client(&sandbox, &store, credentials)
            .request_timeout(timeout)
            .build()
            .unwrap()
    };
    let (key, _held) = hold_the_lock(&sandbox, &store).await;
    // A live holder is waited for: the call ends at its own time limit.
    let waiting = up42::Client::from(client(Duration::from_millis(500)));
    let error = waiting.orders().get(up42_testkit::ORDER_ID).await.unwrap_err();
    assert!(error.to_string().contains("waited for a token"), "{error}");
    assert_eq!(sandbox.counters().token_requests, 0);
    // The holder stopped past its deadline (a SIGSTOPped process): the
    // next process renews at once, without the lock.
    std::fs::write(dir.path().join(format!("{}.lock", key.as_str())), b"1000").unwrap();
    let fresh = client(Duration::from_secs(30));
    tokio::time::timeout(Duration::from_secs(20), fresh.access_token())
        .await
        .expect("not the 75 s of a live holder's wait")
        .unwrap();
    // The first process's renewal, still waiting in the background, may have
    // given up on the same lock meanwhile: one login each at most.
    assert!((1..=2).contains(&sandbox.counters().token_requests));
}
