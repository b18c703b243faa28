//! The sandbox answers every token-endpoint case as Keycloak does (status,
//! `error`, `error_description`, `Cache-Control: no-store`), so that tests
//! against it mean something.

use std::time::Duration;

use serde_json::Value;
use up42_auth::Authenticated;
use up42_testkit::{PASSWORD, Route, Sandbox, USERNAME};

struct Answer {
    status: u16,
    body: Value,
}

async fn post_form(url: &str, form: &[(&str, &str)]) -> Answer {
    let response = reqwest::Client::new().post(url).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    Answer {
        status,
        body: response.json().await.unwrap(),
    }
}

fn error_of(answer: &Answer) -> (u16, &str, &str) {
    (
        answer.status,
        answer.body["error"].as_str().unwrap_or(""),
        answer.body["error_description"].as_str().unwrap_or(""),
    )
}

async fn refresh_token_of(sandbox: &Sandbox) -> String {
    let answer = post_form(
        &sandbox.token_url(),
        &[
            ("grant_type", "password"),
            ("username", USERNAME),
            ("password", PASSWORD),
            ("client_id", "up42-api"),
        ],
    )
    .await;
    answer.body["refresh_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn success_has_keycloak_fields_in_order() {
    let sandbox = Sandbox::start().await;
    let response = reqwest::Client::new()
        .post(sandbox.token_url())
        .form(&[
            ("grant_type", "password"),
            ("username", USERNAME),
            ("password", PASSWORD),
            ("client_id", "up42-api"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.unwrap();
    let keys = [
        "access_token",
        "expires_in",
        "refresh_expires_in",
        "refresh_token",
        "token_type",
        "not-before-policy",
        "session_state",
        "scope",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| text.find(&format!("\"{k}\"")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["refresh_expires_in"], 1800);
    assert_eq!(body["token_type"], "Bearer");
}

#[tokio::test]
async fn every_documented_error_case() {
    let sandbox = Sandbox::builder().rotate_refresh_tokens(true).start().await;
    let url = sandbox.token_url();
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, (u16, &'a str, &'a str));
    let cases: Vec<Case> = vec![
        (
            "wrong password",
            vec![
                ("grant_type", "password"),
                ("username", USERNAME),
                ("password", "x"),
                ("client_id", "up42-api"),
            ],
            (401, "invalid_grant", "Invalid user credentials"),
        ),
        (
            "unknown user",
            vec![
                ("grant_type", "password"),
                ("username", "nobody"),
                ("password", "x"),
                ("client_id", "up42-api"),
            ],
            (401, "invalid_grant", "Invalid user credentials"),
        ),
        (
            "missing username",
            vec![
                ("grant_type", "password"),
                ("password", "x"),
                ("client_id", "up42-api"),
            ],
            (401, "invalid_request", "Missing parameter: username"),
        ),
        (
            "missing grant_type",
            vec![
                ("username", USERNAME),
                ("password", PASSWORD),
                ("client_id", "up42-api"),
            ],
            (400, "invalid_request", "Missing form parameter: grant_type"),
        ),
        (
            "unsupported grant_type",
            vec![("grant_type", "client_credentials"), ("client_id", "up42-api")],
            (400, "unsupported_grant_type", "Unsupported grant_type"),
        ),
        (
            "missing client_id",
            vec![
                ("grant_type", "password"),
                ("username", USERNAME),
                ("password", PASSWORD),
            ],
            (400, "invalid_client", "Missing client_id parameter"),
        ),
        (
            "unknown client",
            vec![
                ("grant_type", "password"),
                ("username", USERNAME),
                ("password", PASSWORD),
                ("client_id", "other"),
            ],
            (
                401,
                "invalid_client",
                "Invalid client or Invalid client credentials",
            ),
        ),
        (
            "no refresh token",
            vec![("grant_type", "refresh_token"), ("client_id", "up42-api")],
            (400, "invalid_request", "No refresh token"),
        ),
        (
            "garbage refresh token",
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", "garbage"),
                ("client_id", "up42-api"),
            ],
            (400, "invalid_grant", "Invalid refresh token"),
        ),
    ];
    for (name, form, expected) in cases {
        let answer = post_form(&url, &form).await;
        assert_eq!(error_of(&answer), expected, "{name}");
    }
}

#[tokio::test]
async fn refresh_token_lifecycle_errors() {
    let sandbox = Sandbox::builder()
        .rotate_refresh_tokens(true)
        .refresh_token_lifetime(Some(Duration::from_secs(1)))
        .start()
        .await;
    let url = sandbox.token_url();
    let refresh = |token: String| {
        let url = url.clone();
        async move {
            let form = [
                ("grant_type", "refresh_token"),
                ("refresh_token", &token),
                ("client_id", "up42-api"),
            ];
            post_form(&url, &form).await
        }
    };

    let token = refresh_token_of(&sandbox).await;
    assert_eq!(refresh(token.clone()).await.status, 200);
    assert_eq!(
        error_of(&refresh(token).await),
        (400, "invalid_grant", "Stale token")
    );

    let token = refresh_token_of(&sandbox).await;
    sandbox.revoke_refresh_tokens();
    assert_eq!(
        error_of(&refresh(token).await),
        (400, "invalid_grant", "Session not active")
    );

    let token = refresh_token_of(&sandbox).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        error_of(&refresh(token).await),
        (400, "invalid_grant", "Token is not active")
    );
}

#[tokio::test]
async fn wrong_media_type_and_unknown_realm() {
    let sandbox = Sandbox::start().await;
    let json_body = reqwest::Client::new()
        .post(sandbox.token_url())
        .json(&serde_json::json!({"grant_type": "password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), 415);
    let body: Value = json_body.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Cannot consume content type")
    );

    let realm = format!("{}/realms/nope/protocol/openid-connect/token", sandbox.base_url());
    let answer = post_form(&realm, &[("grant_type", "password")]).await;
    assert_eq!(
        (answer.status, answer.body["error"].as_str()),
        (404, Some("Realm does not exist"))
    );
}

#[tokio::test]
async fn api_routes_check_the_bearer_token_and_count() {
    let sandbox = Sandbox::start().await;
    let http = reqwest::Client::new();
    let order = format!("{}/v2/orders/{}", sandbox.base_url(), up42_testkit::ORDER_ID);
    assert_eq!(http.get(&order).send().await.unwrap().status(), 401);
    assert_eq!(
        http.get(&order)
            .bearer_auth("eyJ.forged.token")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let collections = format!("{}/v2/collections", sandbox.base_url());
    let page: Value = http.get(&collections).send().await.unwrap().json().await.unwrap();
    assert!(
        page["content"].as_array().unwrap().len() > 1,
        "public listing needs no token"
    );

    let counters = sandbox.counters();
    assert_eq!(
        (counters.api_calls, counters.unauthorized, counters.token_requests),
        (3, 2, 0)
    );
}

#[tokio::test]
async fn the_journal_records_every_request_in_order_without_secrets() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let token = client.access_token().await.unwrap();
    let http = client.http_client();
    let api = sandbox.api_url();
    http.get(format!("{api}/v2/orders?workspaceId=ws-1&page=0"))
        .header("Authorization", token.bearer_header())
        .send()
        .await
        .unwrap();
    http.post(format!("{api}/echo/orders"))
        .header("Authorization", "Bearer not-a-token")
        .body(r#"{"displayName": "x"}"#)
        .send()
        .await
        .unwrap();

    let journal = sandbox.journal();
    assert_eq!(journal.len(), 3);
    let [login, list, forged] = [&journal[0], &journal[1], &journal[2]];
    assert_eq!((login.route, login.method.as_str()), (Route::Token, "POST"));
    assert_eq!(login.authorization, up42_testkit::Authorization::Absent);
    let form = String::from_utf8_lossy(&login.body).into_owned();
    assert!(
        form.contains("grant_type=password") && form.contains("password=..redacted.."),
        "{form}"
    );

    assert_eq!((list.route, list.path.as_str()), (Route::Api, "/v2/orders"));
    assert_eq!(list.query.as_deref(), Some("workspaceId=ws-1&page=0"));
    assert_eq!(list.authorization, up42_testkit::Authorization::ValidBearer);
    assert_eq!(list.header("authorization"), Some("..redacted.."));

    assert_eq!(forged.authorization, up42_testkit::Authorization::Invalid);
    assert_eq!(forged.body, br#"{"displayName": "x"}"#);
    assert_eq!(sandbox.journal_of(Route::Api).len(), 2);

    let shown = format!("{journal:?}");
    assert!(
        !shown.contains(token.secret()) && !shown.contains(PASSWORD),
        "{shown}"
    );
    sandbox.clear_journal();
    assert!(sandbox.journal().is_empty());
}

/// Statuses of `n` requests to an API route of a sandbox with `seed` and a
/// 50 % failure rate.
async fn failure_pattern(seed: u64, n: usize) -> Vec<u16> {
    let sandbox = Sandbox::builder().seed(seed).start().await;
    assert_eq!(sandbox.seed(), seed);
    sandbox.set_failure_rate(Route::Api, 50.0, 503);
    let http = reqwest::Client::new();
    let mut statuses = Vec::with_capacity(n);
    for _ in 0..n {
        let response = http
            .get(format!("{}/public/echo/x", sandbox.base_url()))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn failure_rates_and_latency_replay_from_a_seed() {
    let first = failure_pattern(7, 40).await;
    assert_eq!(
        first,
        failure_pattern(7, 40).await,
        "the same seed replays the run"
    );
    assert_ne!(first, failure_pattern(8, 40).await, "another seed, another run");
    let failed = first.iter().filter(|s| **s == 503).count();
    assert!((8..=32).contains(&failed), "about half of 40 failed: {failed}");
    assert!(first.iter().all(|s| [200, 503].contains(s)));

    let sandbox = Sandbox::start().await;
    sandbox.set_latency_range(Route::Api, Duration::from_millis(20), Duration::from_millis(40));
    let started = std::time::Instant::now();
    reqwest::get(format!("{}/public/echo/x", sandbox.base_url()))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(20),
        "the latency applies"
    );
}

#[tokio::test]
async fn mounted_routes_answer_first_with_matchers_and_the_bearer_check() {
    use serde_json::json;
    use up42_testkit::{Mock, Respond};

    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let token = client.access_token().await.unwrap();
    let http = client.http_client();
    let api = sandbox.api_url();
    sandbox.mount(
        Mock::given("GET", "/v2/things/{id}")
            .respond_with(Respond::json(200, json!({"thing": true})))
            .expect(2), // once with a token, once without (answered 401)
    );
    sandbox.mount(
        Mock::given("GET", "/v2/orders/{order_id}")
            .query("verbose", "true")
            .respond_with(Respond::json(
                404,
                json!({"code": 404, "message": "no such order"}),
            )),
    );
    sandbox.mount(
        Mock::given("POST", "/v2/things")
            .header("x-team", "earth")
            .body_json(json!({"name": "a"}))
            .respond_with_fn(|request| Respond::json(201, json!({"path": request.path}))),
    );
    sandbox.mount(
        Mock::given("GET", "/open/things")
            .public()
            .respond_with(Respond::status(204)),
    );

    let get = |path: &str| {
        http.get(format!("{api}{path}"))
            .header("Authorization", token.bearer_header())
    };
    let thing = get("/v2/things/t-1").send().await.unwrap();
    assert_eq!(thing.json::<Value>().await.unwrap(), json!({"thing": true}));
    // The built-in order route answers unless the mounted matcher holds.
    assert_eq!(
        get(&format!("/v2/orders/{}", up42_testkit::ORDER_ID))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        get(&format!("/v2/orders/{}?verbose=true", up42_testkit::ORDER_ID))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let created = http
        .post(format!("{api}/v2/things"))
        .header("Authorization", token.bearer_header())
        .header("X-Team", "earth")
        .json(&json!({"name": "a"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(
        created.json::<Value>().await.unwrap(),
        json!({"path": "/v2/things"})
    );
    // No token: a mounted route is bearer-checked like any other, unless public.
    let unauthorized_before = sandbox.counters().unauthorized;
    let anonymous = http.get(format!("{api}/v2/things/t-2")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(sandbox.counters().unauthorized, unauthorized_before + 1);
    assert_eq!(
        http.get(format!("{api}/open/things"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    sandbox.verify();
}

#[tokio::test]
#[should_panic(expected = "GET /v2/collections was called 0 time(s), expected 1")]
async fn an_unmet_expectation_fails_the_test_when_the_sandbox_is_dropped() {
    let sandbox = Sandbox::start().await;
    sandbox.mount(
        up42_testkit::Mock::given("GET", "/v2/collections")
            .public()
            .expect(1),
    );
}

mod order_flow {
    use serde::Deserialize;
    use up42_auth::{Error, ErrorKind, Up42Client, up42_endpoint};
    use up42_testkit::{ORDER_COUNT, Route, Sandbox, WORKSPACE_ID};

    #[derive(Debug, Deserialize)]
    pub struct Order {
        pub id: String,
        pub status: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Page {
        pub content: Vec<Order>,
        pub total_elements: u64,
        pub first: bool,
        pub last: bool,
        pub empty: bool,
    }

    #[derive(Debug, Deserialize)]
    pub struct Placed {
        pub results: Vec<serde_json::Value>,
    }

    #[derive(Debug, Deserialize)]
    pub struct DownloadUrl {
        pub url: String,
    }

    #[up42_endpoint(POST, "/v2/orders")]
    async fn place(
        client: &Up42Client,
        #[query("workspaceId")] ws: &str,
        #[body] order: &serde_json::Value,
    ) -> Result<Placed, Error>;

    #[up42_endpoint(GET, "/v2/orders")]
    async fn list(
        client: &Up42Client,
        #[query("workspaceId")] ws: &str,
        #[query] size: u32,
    ) -> Result<Page, Error>;

    #[up42_endpoint(GET, "/v2/orders/{order_id}")]
    async fn get(client: &Up42Client, order_id: &str) -> Result<Order, Error>;

    #[up42_endpoint(POST, "/v2/orders/{order_id}/cancellation")]
    async fn cancel(client: &Up42Client, order_id: &str) -> Result<serde_json::Value, Error>;

    #[up42_endpoint(POST, "/v2/assets/{asset_id}/download-url")]
    async fn download_url(client: &Up42Client, asset_id: &str) -> Result<DownloadUrl, Error>;

    #[tokio::test]
    async fn placed_orders_are_listed_fetched_and_advance_on_schedule() {
        let sandbox = Sandbox::builder()
            .order_status_schedule(&[("PLACED", 1), ("BEING_FULFILLED", 3)], "FULFILLED")
            .start()
            .await;
        let client = sandbox.client().unwrap();
        let placed = place(
            &client,
            WORKSPACE_ID,
            &up42_testkit::seed::archive_order_request("mine"),
        )
        .await
        .unwrap();
        let mut keys: Vec<&String> = placed.results[0].as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["id", "index"], "UP42's exact result keys");
        let id = placed.results[0]["id"].as_str().unwrap().to_string();

        let mine = list(&client, WORKSPACE_ID, 50).await.unwrap();
        assert_eq!(
            mine.total_elements,
            ORDER_COUNT + 1,
            "the seeded orders and this one"
        );
        assert!(
            mine.first && mine.last && !mine.empty,
            "UP42's page object: {mine:?}"
        );
        assert!(mine.content.iter().any(|o| o.id == id));

        // A poller, as a user writes one: fetch until done.
        let mut seen = Vec::new();
        loop {
            let order = get(&client, &id).await.unwrap();
            seen.push(order.status.clone());
            if order.status == "FULFILLED" {
                break;
            }
        }
        assert_eq!(
            seen,
            [
                "PLACED",
                "BEING_FULFILLED",
                "BEING_FULFILLED",
                "BEING_FULFILLED",
                "FULFILLED"
            ]
        );

        // A fulfilled order cannot be canceled; a placed one can.
        let refused = cancel(&client, &id).await.unwrap_err();
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(409));
        let other = place(
            &client,
            WORKSPACE_ID,
            &up42_testkit::seed::archive_order_request("other"),
        )
        .await
        .unwrap();
        let other = other.results[0]["id"].as_str().unwrap().to_string();
        let cancelled = cancel(&client, &other).await.unwrap();
        assert_eq!(cancelled["status"], "CANCELED");

        let unknown = get(&client, "no-such-order").await.unwrap_err();
        assert_eq!(unknown.kind(), ErrorKind::Api);
        assert_eq!(unknown.status().map(|s| s.as_u16()), Some(404));
        assert_eq!(
            unknown.api().unwrap().message.as_deref(),
            Some("Order no-such-order not found")
        );
    }

    #[tokio::test]
    async fn a_signed_download_url_serves_the_assets_bytes_without_a_token() {
        let sandbox = Sandbox::start().await;
        sandbox.add_asset("a-1", b"GeoTIFF bytes".to_vec());
        let client = sandbox.client().unwrap();
        let signed = download_url(&client, "a-1").await.unwrap();
        assert!(signed.url.starts_with(sandbox.storage_url()), "{}", signed.url);
        let bytes = reqwest::get(&signed.url).await.unwrap().bytes().await.unwrap();
        assert_eq!(&bytes[..], b"GeoTIFF bytes");
        let storage = sandbox.journal_of(Route::Storage);
        assert_eq!(storage.len(), 1);
        assert_eq!(storage[0].authorization, up42_testkit::Authorization::Absent);
        assert_eq!(sandbox.counters().storage_requests, 1);
        let missing = download_url(&client, "a-2").await.unwrap_err();
        assert_eq!(missing.status().map(|s| s.as_u16()), Some(404));
    }
}

/// One rule type: steps in sequence, each for a number of requests, then the
/// built-in fake; rules for a side before rules for a path; `inject` as sugar.
#[tokio::test]
async fn rules_answer_in_steps_then_let_requests_through() {
    use serde_json::json;
    use up42_testkit::{Fault, Mock, Respond};

    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let token = client.access_token().await.unwrap();
    let http = reqwest::Client::new();
    let order = format!("{}/v2/orders/{}", sandbox.base_url(), up42_testkit::ORDER_ID);
    let status = || async {
        let answer = http
            .get(&order)
            .header("Authorization", token.bearer_header())
            .send()
            .await;
        answer.map(|a| a.status().as_u16()).unwrap_or(0)
    };
    sandbox.mount(
        Mock::given("GET", "/v2/orders/{id}")
            .respond_with(Respond::status(503))
            .times(2)
            .then(Fault::DropConnection)
            .times(1)
            .then(Respond::json(202, json!({})))
            .times(1)
            .expect(4),
    );
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(status().await);
    }
    assert_eq!(
        seen,
        [503, 503, 0, 202, 200],
        "steps in order, then the built-in order"
    );

    // Faults on a side come before rules for a path; a delay step goes on.
    sandbox.mount(
        Mock::given("GET", "/v2/orders/{id}")
            .respond_with(Respond::status(418))
            .times(1),
    );
    sandbox.inject(Route::Api, Fault::status(500), 1);
    sandbox.inject(Route::Api, Fault::Delay(Duration::from_millis(1)), 1);
    assert_eq!(status().await, 500, "the first injected fault");
    assert_eq!(status().await, 418, "the delay, then the rule for the path");
    assert_eq!(status().await, 200);

    // clear_faults drops injected faults and conditions, not mounted rules.
    sandbox.inject(Route::Api, Fault::status(500), 5);
    sandbox.mount(Mock::given("GET", "/v2/orders/{id}").respond_with(Respond::status(409)));
    sandbox.clear_faults();
    assert_eq!(status().await, 409);
}
