//! `BearerAuth` in a reqwest-middleware stack, next to reqwest-retry: tokens
//! for the API host only, one resend after a 401, retries left to the other
//! middleware.

use std::time::Duration;

use reqwest_middleware::ClientBuilder;
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use up42_auth::middleware::BearerAuth;
use up42_testkit::{Fault, Route, Sandbox};

fn stack(sandbox: &Sandbox) -> reqwest_middleware::ClientWithMiddleware {
    let up42 = sandbox.client().unwrap();
    let retries = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(5))
        .build_with_max_retries(2);
    // Exactly the README's construction.
    ClientBuilder::new(BearerAuth::http_client().unwrap())
        .with(RetryTransientMiddleware::new_with_policy(retries))
        .with(BearerAuth::new(up42))
        .build()
}

#[tokio::test]
async fn a_redirect_through_another_host_never_carries_the_token() {
    let sandbox = Sandbox::start().await;
    let foreign = Sandbox::start().await;
    let client = stack(&sandbox);
    // The API redirects to a foreign host that redirects again: reqwest's own
    // policy re-adds `Authorization` on that second hop.
    let hop = format!(
        "http://localhost:{}/redirect/public/echo/stolen",
        foreign.addr().port()
    );
    sandbox.inject(Route::Api, Fault::redirect(307, &hop), 1);
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
async fn an_answer_from_another_origin_is_refused() {
    let sandbox = Sandbox::start().await;
    let foreign = Sandbox::start().await;
    // A stack on a client that follows every redirect.
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(BearerAuth::new(sandbox.client().unwrap()))
        .build();
    let elsewhere = format!("http://localhost:{}/public/echo/x", foreign.addr().port());
    sandbox.inject(Route::Api, Fault::redirect(307, &elsewhere), 1);
    let error = client
        .get(format!("{}/v2/orders", sandbox.api_url()))
        .send()
        .await
        .unwrap_err();
    let reqwest_middleware::Error::Middleware(refused) = error else {
        panic!("not the middleware's error: {error:?}");
    };
    let refused = refused.downcast::<up42_auth::Error>().unwrap();
    assert_eq!(refused.kind(), up42_auth::ErrorKind::Redirected, "{refused:?}");
}

#[tokio::test]
async fn tokens_go_to_the_api_host_and_retries_to_the_other_middleware() {
    let sandbox = Sandbox::start().await;
    let client = stack(&sandbox);
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
