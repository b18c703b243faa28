//! `BearerAuth` in a reqwest-middleware stack the toolkit builds, next to
//! reqwest-retry: tokens for the API host only, one resend after a 401,
//! retries left to the other layer, and no client under the token that
//! follows a redirect elsewhere.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest_middleware::{ClientWithMiddleware, Middleware, Next};
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use up42_auth::middleware::BearerAuth;
use up42_testkit::{Fault, Route, Sandbox};

fn retries() -> RetryTransientMiddleware<ExponentialBackoff> {
    let policy = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(5))
        .build_with_max_retries(2);
    RetryTransientMiddleware::new_with_policy(policy)
}

fn stack(sandbox: &Sandbox) -> ClientWithMiddleware {
    // Exactly the reliability guide's construction.
    BearerAuth::stack(sandbox.client().unwrap())
        .with(retries())
        .build()
        .unwrap()
}

/// The API redirects to a foreign host that redirects again within itself:
/// reqwest's own policies re-add `Authorization` on that second hop.
fn foreign_hop(sandbox: &Sandbox, foreign: &Sandbox) {
    let hop = format!(
        "http://localhost:{}/redirect/public/echo/stolen",
        foreign.addr().port()
    );
    sandbox.inject(Route::Api, Fault::redirect(307, &hop), 1);
}

#[tokio::test]
async fn a_redirect_through_another_host_never_carries_the_token() {
    let sandbox = Sandbox::start().await;
    let foreign = Sandbox::start().await;
    let client = stack(&sandbox);
    foreign_hop(&sandbox, &foreign);
    let response = client
        .get(format!("{}/v2/orders", sandbox.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 307, "the redirect comes back unfollowed");
    let seen = foreign.counters();
    assert_eq!((seen.api_calls, seen.with_authorization), (0, 0), "{seen:?}");
}

#[tokio::test]
async fn a_client_builder_of_the_users_cannot_bring_its_redirect_policy() {
    let sandbox = Sandbox::start().await;
    let foreign = Sandbox::start().await;
    // A builder whose policy follows every redirect, as reqwest's default does.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(10));
    let client = BearerAuth::stack(sandbox.client().unwrap())
        .http_client(http)
        .build()
        .unwrap();
    foreign_hop(&sandbox, &foreign);
    let response = client
        .get(format!("{}/v2/orders", sandbox.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 307);
    assert_eq!(foreign.counters().with_authorization, 0);
}

#[tokio::test]
async fn an_http_client_that_cannot_be_built_is_an_error() {
    let sandbox = Sandbox::start().await;
    // No TLS version is left between "at most 1.1" and what rustls speaks.
    let http = reqwest::Client::builder().tls_version_max(reqwest::tls::Version::TLS_1_1);
    let error = BearerAuth::stack(sandbox.client().unwrap())
        .http_client(http)
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), up42_auth::ErrorKind::Config, "{error}");
    let cause = std::error::Error::source(&error).expect("the builder's error is kept");
    assert!(cause.downcast_ref::<reqwest::Error>().is_some(), "{cause:?}");
}

/// Counts the requests it passes on that already carry `Authorization`.
#[derive(Clone, Default)]
struct Peek {
    requests: Arc<AtomicUsize>,
    with_token: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl Middleware for Peek {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if request.headers().contains_key(reqwest::header::AUTHORIZATION) {
            self.with_token.fetch_add(1, Ordering::SeqCst);
        }
        next.run(request, extensions).await
    }
}

#[tokio::test]
async fn tokens_go_to_the_api_host_and_retries_to_the_other_layer() {
    let sandbox = Sandbox::start().await;
    let peek = Peek::default();
    let client = BearerAuth::stack(sandbox.client().unwrap())
        .with(peek.clone())
        .with(retries())
        .build()
        .unwrap();
    sandbox.inject(Route::Api, Fault::status(503), 1);
    let response = client
        .get(format!("{}/v2/orders", sandbox.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let counters = sandbox.counters();
    assert_eq!(
        (counters.api_calls, counters.token_requests),
        (2, 1),
        "{counters:?}"
    );
    assert_eq!(counters.with_authorization, 2, "each try carried the token");
    assert_eq!(
        (
            peek.requests.load(Ordering::SeqCst),
            peek.with_token.load(Ordering::SeqCst)
        ),
        (1, 0),
        "the outer layer saw one request, and never the token"
    );

    let foreign = Sandbox::start().await;
    let elsewhere = format!("http://localhost:{}/public/echo/x", foreign.addr().port());
    assert_eq!(client.get(elsewhere).send().await.unwrap().status(), 200);
    assert_eq!(
        foreign.counters().with_authorization,
        0,
        "no token for another host"
    );
}

#[tokio::test]
async fn a_rejected_token_is_renewed_and_the_request_sent_once_more() {
    let sandbox = Sandbox::start().await;
    let client = stack(&sandbox);
    let url = format!("{}/v2/orders/{}", sandbox.api_url(), up42_testkit::ORDER_ID);
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    sandbox.revoke_access_tokens();
    sandbox.reset_counters();
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    let counters = sandbox.counters();
    assert_eq!(
        (counters.unauthorized, counters.api_calls),
        (1, 2),
        "{counters:?}"
    );
    assert_eq!(counters.refresh_grants, 1);
}
