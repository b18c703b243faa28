//! Fault injection: every fault against the token call, an API `GET` and an API
//! `POST`, with the outcome and the exact number of requests the sandbox saw.
//! Then a revocation storm and hostile inputs. The soak runs alone in `soak.rs`.

use std::time::Duration;

use serde::Deserialize;
use up42_auth::{Authenticated, Error, ErrorKind, Up42Client, policy::RetryPolicy, up42_endpoint};
use up42_testkit::{Fault, Route, Sandbox};

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Order {
    id: String,
    status: String,
}

#[up42_endpoint(GET, "/v2/orders/{order_id}")]
async fn get_order(client: &Up42Client, order_id: &str) -> Result<Order, Error>;

#[up42_endpoint(POST, "/v2/orders/estimate")]
async fn estimate(client: &Up42Client, #[body] order: &serde_json::Value)
-> Result<serde_json::Value, Error>;

#[up42_endpoint(POST, "/v2/orders/estimate", retry = true)]
async fn estimate_retried(
    client: &Up42Client,
    #[body] order: &serde_json::Value,
) -> Result<serde_json::Value, Error>;

#[up42_endpoint(GET, "/v2/orders/{order_id}", retry = false)]
async fn get_order_once(client: &Up42Client, order_id: &str) -> Result<Order, Error>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Token,
    ApiGet,
    ApiPost,
}

/// What a case expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Server,
    Api(u16),
    Transport,
    Timeout,
    InvalidCredentials,
    Malformed,
    WrongTokenUrl,
}

fn outcome(result: &Result<(), Error>) -> Outcome {
    let Err(error) = result else {
        return Outcome::Ok;
    };
    match error.kind() {
        ErrorKind::Server => Outcome::Server,
        ErrorKind::Api => Outcome::Api(error.api().map_or(0, |api| api.status.as_u16())),
        ErrorKind::Timeout => Outcome::Timeout,
        ErrorKind::Transport => Outcome::Transport,
        ErrorKind::InvalidCredentials => Outcome::InvalidCredentials,
        ErrorKind::MalformedResponse => Outcome::Malformed,
        ErrorKind::WrongTokenUrl => Outcome::WrongTokenUrl,
        _ => panic!("unexpected error: {error}"),
    }
}

/// A client with quick backoff and short timeouts, so the matrix runs fast.
fn quick_client(sandbox: &Sandbox) -> Up42Client {
    sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20)))
        .token_timeout(Duration::from_millis(500))
        .request_timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

/// A client that makes every call once, so each fault shows as it is.
fn without_retries(sandbox: &Sandbox) -> Up42Client {
    sandbox
        .client_builder()
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
}

/// Runs `call` with `fault` injected `times`; returns the outcome and the
/// number of requests that reached the faulted route.
async fn run(call: Call, fault: &Fault, times: usize) -> (Outcome, u64) {
    let sandbox = Sandbox::start().await;
    let client = quick_client(&sandbox);
    let route = match call {
        Call::Token => Route::Token,
        Call::ApiGet | Call::ApiPost => {
            client.access_token().await.unwrap(); // the token is not part of the case
            Route::Api
        }
    };
    sandbox.reset_counters();
    sandbox.inject(route, fault.clone(), times);
    let result = match call {
        Call::Token => client.access_token().await.map(drop),
        Call::ApiGet => get_order(&client, up42_testkit::ORDER_ID).await.map(drop),
        Call::ApiPost => estimate(&client, &up42_testkit::seed::archive_order_request("a"))
            .await
            .map(drop),
    };
    let counters = sandbox.counters();
    let requests = match route {
        Route::Token => counters.token_requests,
        _ => counters.api_calls,
    };
    (outcome(&result), requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    use Call::*;
    use Outcome::*;
    let delay = Fault::Delay(Duration::from_secs(2));
    /// A fault, how many times it strikes, and per call the outcome and request count.
    type Case = (String, Fault, usize, [(Call, Outcome, u64); 3]);
    let cases: Vec<Case> = vec![
        (
            "503 twice".to_string(),
            Fault::status(503),
            2,
            [(Token, Ok, 3), (ApiGet, Ok, 3), (ApiPost, Api(503), 1)],
        ),
        (
            "503 three times".to_string(),
            Fault::status(503),
            3,
            [(Token, Server, 3), (ApiGet, Api(503), 3), (ApiPost, Api(503), 1)],
        ),
        (
            "dropped connection".to_string(),
            Fault::DropConnection,
            1,
            [(Token, Ok, 2), (ApiGet, Ok, 2), (ApiPost, Transport, 1)],
        ),
        (
            "hung server".to_string(),
            delay,
            1,
            [(Token, Ok, 2), (ApiGet, Ok, 2), (ApiPost, Timeout, 1)],
        ),
        (
            "400".to_string(),
            Fault::status(400),
            1,
            [
                (Token, Malformed, 1),
                (ApiGet, Api(400), 1),
                (ApiPost, Api(400), 1),
            ],
        ),
        (
            "404 html".to_string(),
            Fault::body(404, "text/html", "<html>Not Found</html>"),
            1,
            [
                (Token, WrongTokenUrl, 1),
                (ApiGet, Api(404), 1),
                (ApiPost, Api(404), 1),
            ],
        ),
    ];
    // Each transient status, once: retried where that is safe.
    let transient = [408u16, 429, 500, 502, 503, 504].map(|status| {
        let fault = match status {
            429 => Fault::retry_after(429, "0"),
            _ => Fault::status(status),
        };
        (
            format!("{status} once"),
            fault,
            1,
            [(Token, Ok, 2), (ApiGet, Ok, 2), (ApiPost, Api(status), 1)],
        )
    });
    let mut table = Vec::new();
    for (name, fault, times, expectations) in transient.into_iter().chain(cases) {
        for (call, expected, expected_requests) in expectations {
            let (got, requests) = run(call, &fault, times).await;
            table.push(format!(
                "{name:<20} {call:?}: {got:?} after {requests} request(s)"
            ));
            assert_eq!(
                (got, requests),
                (expected, expected_requests),
                "{name} on {call:?}"
            );
        }
    }
    println!("{}", table.join("\n"));
}

#[tokio::test]
async fn broken_token_answers_are_clear_errors_and_not_retried() {
    let huge = format!(
        "{{\"access_token\":\"{}\",\"expires_in\":300}}",
        "a".repeat(10 << 20)
    );
    let cases: Vec<(&str, Fault, &str)> = vec![
        (
            "html",
            Fault::body(200, "text/html", "<html>login</html>"),
            "not a JSON token answer",
        ),
        (
            "truncated",
            Fault::body(200, "application/json", r#"{"access_token":"ab"#),
            "not a JSON token answer",
        ),
        (
            "no token",
            Fault::body(200, "application/json", r#"{"expires_in":300}"#),
            "no `access_token`",
        ),
        (
            "zero life",
            Fault::body(200, "application/json", r#"{"access_token":"a","expires_in":0}"#),
            "`expires_in` is 0",
        ),
        (
            "mac",
            Fault::body(
                200,
                "application/json",
                r#"{"access_token":"a","expires_in":9,"token_type":"mac"}"#,
            ),
            "`token_type` is `mac`",
        ),
        (
            "10 MiB",
            Fault::body(200, "application/json", huge),
            "larger than the 64 KiB",
        ),
        (
            "not UTF-8",
            Fault::body(200, "application/json", vec![b'{', 0xff, 0xfe, b'}']),
            "not a JSON token answer",
        ),
        (
            "error in a 200",
            Fault::body(200, "application/json", r#"{"error":"invalid_grant"}"#),
            "username or password rejected for `sandbox@up42.example` (HTTP 200, invalid_grant)",
        ),
    ];
    for (name, fault, expected) in cases {
        let sandbox = Sandbox::start().await;
        let client = quick_client(&sandbox);
        sandbox.inject(Route::Token, fault, 1);
        let err = client.access_token().await.unwrap_err();
        assert!(err.to_string().contains(expected), "{name}: {err}");
        assert_eq!(sandbox.counters().token_requests, 1, "{name}: not retried");
    }
}

#[tokio::test]
async fn posts_are_retried_only_when_declared_and_gets_can_opt_out() {
    let sandbox = Sandbox::start().await;
    let client = quick_client(&sandbox);
    client.access_token().await.unwrap();
    sandbox.inject(Route::Api, Fault::status(503), 1);
    estimate_retried(&client, &up42_testkit::seed::archive_order_request("a"))
        .await
        .unwrap();
    assert_eq!(sandbox.counters().api_calls, 2);

    sandbox.reset_counters();
    sandbox.inject(Route::Api, Fault::status(503), 1);
    let err = get_order_once(&client, "o").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(sandbox.counters().api_calls, 1);
}

#[tokio::test]
async fn retry_after_is_honoured_and_capped() {
    let sandbox = Sandbox::start().await;
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().backoff(Duration::ZERO, Duration::ZERO))
        .build()
        .unwrap();
    client.access_token().await.unwrap();
    sandbox.inject(Route::Api, Fault::retry_after(429, "1"), 1);
    let started = tokio::time::Instant::now();
    get_order(&client, up42_testkit::ORDER_ID).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );

    let capped = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().max_retry_after(Duration::from_millis(50)))
        .build()
        .unwrap();
    sandbox.inject(Route::Api, Fault::retry_after(503, "3600"), 1);
    get_order(&capped, up42_testkit::ORDER_ID).await.unwrap();
}

#[tokio::test]
async fn a_wrong_password_is_remembered_briefly_not_retried() {
    let sandbox = Sandbox::start().await;
    let client = sandbox
        .client_builder()
        .credentials(up42_auth::Credentials::new(up42_testkit::USERNAME, "wrong"))
        .build()
        .unwrap();
    for _ in 0..50 {
        assert!(
            client
                .access_token()
                .await
                .as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::InvalidCredentials)
        );
    }
    assert_eq!(
        sandbox.counters().token_requests,
        1,
        "50 calls within 2 s: one request"
    );
}

#[tokio::test]
async fn a_transient_token_failure_never_poisons_the_client() {
    let sandbox = Sandbox::start().await;
    let client = without_retries(&sandbox);
    sandbox.inject(Route::Token, Fault::status(503), 1);
    assert!(client.access_token().await.unwrap_err().is_retryable());
    client.access_token().await.unwrap();
    assert_eq!(sandbox.counters().token_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_storm_costs_one_renewal() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    client.access_token().await.unwrap();
    sandbox.reset_counters();
    sandbox.set_delay(Route::Api, Duration::from_millis(300));
    let tasks: Vec<_> = (0..500)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { get_order(&client, up42_testkit::ORDER_ID).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    sandbox.revoke_access_tokens(); // all 500 are in flight, waiting in the sandbox
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let counters = sandbox.counters();
    println!("revocation storm: {counters:?}");
    assert!(counters.token_requests <= 2, "{counters:?}");
    assert!(
        counters.api_calls <= 1000,
        "at most one resend each: {counters:?}"
    );
    assert_eq!(counters.api_calls, 500 + counters.unauthorized);
}

#[tokio::test]
async fn hostile_api_answers_are_clear_errors() {
    let sandbox = Sandbox::start().await;
    let client = without_retries(&sandbox);
    client.access_token().await.unwrap();

    let huge_error = vec![b'x'; 10 << 20];
    sandbox.inject(Route::Api, Fault::body(500, "text/plain", huge_error), 1);
    let err = get_order(&client, up42_testkit::ORDER_ID).await.unwrap_err();
    let Some(api) = err.api() else { panic!("{err}") };
    assert_eq!(
        (api.status.as_u16(), api.body_excerpt.as_str()),
        (500, ""),
        "an oversized error body is not quoted"
    );

    sandbox.inject(
        Route::Api,
        Fault::body(200, "application/json", vec![b'{', 0xff, b'}']),
        1,
    );
    let err = get_order(&client, up42_testkit::ORDER_ID).await.unwrap_err();
    assert!(err.kind() == ErrorKind::MalformedResponse, "{err}");

    let big_order = format!(r#"{{"id":"o","status":"{}"}}"#, "S".repeat(10 << 20));
    sandbox.inject(Route::Api, Fault::body(200, "application/json", big_order), 1);
    assert_eq!(
        get_order(&client, up42_testkit::ORDER_ID)
            .await
            .unwrap()
            .status
            .len(),
        10 << 20,
        "large results decode"
    );
}

#[up42_endpoint(GET, "/v2/status/{code}", unchecked)]
async fn answer_with(client: &Up42Client, code: u16) -> Result<(), Error>;

/// `is_retryable()` is the one question "should I try later?" for both
/// servers: the token server's 408/429/5xx are `ErrorKind::Server`, the API's
/// are `ErrorKind::Api`, and both say yes; other statuses say no.
#[tokio::test]
async fn try_later_is_one_question_for_both_servers() {
    let sandbox = Sandbox::start().await;
    let client = without_retries(&sandbox);
    for code in [408, 429, 500, 502, 503, 504] {
        sandbox.inject(Route::Token, Fault::retry_after(code, "7"), 1);
        let token_side = client.token_cache().force_refresh().await.unwrap_err();
        assert_eq!(token_side.kind(), ErrorKind::Server, "{code}: {token_side}");
        assert!(token_side.is_retryable(), "{code}");
        assert_eq!(token_side.retry_after(), Some(Duration::from_secs(7)), "{code}");

        let api_side = answer_with(&client, code).await.unwrap_err();
        assert_eq!(api_side.kind(), ErrorKind::Api, "{code}: {api_side}");
        assert!(api_side.is_retryable(), "{code}");
        assert_eq!(api_side.status().map(|s| s.as_u16()), Some(code));
    }
    for code in [400, 403, 404, 409, 422] {
        let api_side = answer_with(&client, code).await.unwrap_err();
        assert!(!api_side.is_retryable(), "{code}");
    }
}

#[tokio::test]
async fn a_rate_limit_wait_counts_inside_the_time_limit() {
    let sandbox = Sandbox::start().await;
    let client = sandbox
        .client_builder()
        .rate_limit(up42_auth::policy::RateLimit::new(1, 1))
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    get_order_once(&client, up42_testkit::ORDER_ID).await.unwrap();
    // The next slot is a second away, past the 300 ms the call may take.
    let error = get_order_once(&client, up42_testkit::ORDER_ID).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(error.to_string().contains("rate limit"), "{error}");
    assert!(error.to_string().contains("was not sent"), "{error}");
    assert_eq!(sandbox.counters().api_calls, 1, "the second call never left");
}
