//! Every form of `#[up42_endpoint]`, run against the sandbox's echo routes,
//! which show exactly what arrived: method, raw path, query, headers, body.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use up42_auth::{
    Authenticated, Error, ErrorKind, Up42Client, Url,
    auth::{RefreshToken, TokenCache, TokenGrant, TokenSource},
    delegate_authenticated, up42_endpoint,
};
use up42_testkit::Sandbox;

/// What the echo routes answer.
#[derive(Debug, Deserialize)]
struct Echo {
    method: String,
    path: String,
    query: Option<String>,
    headers: BTreeMap<String, Vec<String>>,
    body: String,
}

impl Echo {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.first()).map(String::as_str)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewOrder {
    display_name: String,
    data_product_id: String,
}

#[derive(Serialize, up42_auth::Query)]
#[serde(rename_all = "camelCase")]
struct OrderFilter {
    workspace_id: &'static str,
    status: Vec<&'static str>,
    tags: Option<&'static str>,
    #[query(comma)]
    order_ids: Vec<&'static str>,
}

/// An order id that is only `Display`.
struct OrderNumber(u64);

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "order-{}", self.0)
    }
}

#[up42_endpoint(GET, "/echo/orders/{order_id}", unchecked)]
async fn get_order(client: &impl Authenticated, order_id: &str) -> Result<Echo, Error>;

#[up42_endpoint(POST, "/echo/orders", unchecked)]
async fn place_order(
    client: &Up42Client,
    #[query("workspaceId")] workspace_id: &str,
    #[body] order: &NewOrder,
) -> Result<Echo, Error>;

/// Doc comments stay on the generated function.
#[up42_endpoint(GET, "/echo/orders", unchecked)]
async fn list_orders(
    client: &dyn Authenticated,
    #[query] page: Option<u32>,
    #[query(flatten)] filter: &OrderFilter,
    #[header("X-Correlation-Id")] correlation: &str,
) -> Result<Echo, Error>;

#[up42_endpoint(GET, "/public/echo/collections", public, unchecked)]
async fn collections(client: &Up42Client) -> Result<Echo, Error>;

#[up42_endpoint(DELETE, "/echo/orders/{order_id}", unchecked)]
async fn delete_order(client: &Up42Client, order_id: OrderNumber) -> Result<(), Error>;

#[up42_endpoint(PUT, "/echo/orders/{order_id}/tags", unchecked)]
async fn put_tags(client: &Up42Client, order_id: u64, #[body] tags: &[&str]) -> Result<Echo, Error>;

#[up42_endpoint(PATCH, "/echo/orders/{order_id}", unchecked)]
async fn patch_order(
    client: &Up42Client,
    order_id: u64,
    #[body] patch: &serde_json::Value,
) -> Result<Echo, Error>;

/// A merge patch, as `PATCH /v2/orders/{id}` takes it.
#[up42_endpoint(
    PATCH,
    "/echo/orders/{order_id}",
    unchecked,
    content_type = "application/merge-patch+json"
)]
async fn merge_patch_order(
    client: &Up42Client,
    order_id: u64,
    #[body] patch: &serde_json::Value,
) -> Result<Echo, Error>;

/// A `Content-Type` of the caller's own: it replaces the endpoint's.
#[up42_endpoint(
    PATCH,
    "/echo/orders/{order_id}",
    unchecked,
    content_type = "application/merge-patch+json"
)]
async fn patch_with_header(
    client: &Up42Client,
    order_id: u64,
    #[header("Content-Type")] content_type: &str,
    #[body] patch: &serde_json::Value,
) -> Result<Echo, Error>;

/// Filters UP42 takes comma-joined, next to one it takes repeated.
#[up42_endpoint(GET, "/echo/list", unchecked)]
async fn joined(
    client: &Up42Client,
    #[query("budgetIds", comma)] budgets: &[&str],
    #[query(comma)] ids: Option<Vec<u32>>,
    #[query] status: &[&str],
) -> Result<Echo, Error>;

#[up42_endpoint(HEAD, "/echo/orders/{order_id}", unchecked)]
async fn head_order(client: &Up42Client, order_id: u64) -> Result<(), Error>;

#[up42_endpoint(GET, "/echo/assets/{asset_id}", raw, unchecked)]
async fn download(client: &Up42Client, asset_id: &str) -> Result<up42_auth::reqwest::Response, Error>;

#[up42_endpoint(GET, "/echo/list", unchecked)]
async fn repeated(
    client: &Up42Client,
    #[query] status: &[&str],
    #[query("size")] n: usize,
) -> Result<Echo, Error>;

/// Generic over the client type.
#[up42_endpoint(GET, "/echo/generic/{id}", unchecked)]
async fn generic<A: Authenticated>(client: &A, id: i32) -> Result<Echo, Error>;

/// Argument names that a careless macro would collide with.
#[up42_endpoint(POST, "/echo/{url}/{request}/{client}", unchecked)]
#[allow(clippy::too_many_arguments)]
async fn hygiene(
    api: &Up42Client,
    url: &str,
    request: &str,
    client: &str,
    #[query] response: u32,
    #[header("X-Token")] token: &str,
    #[query] __up42_request: u8,
    #[body] endpoint: &str,
) -> Result<Echo, Error>;

#[up42_endpoint(GET, "/v2/status/{code}", unchecked)]
async fn status(client: &Up42Client, code: u16) -> Result<(), Error>;

#[up42_endpoint(GET, "/v2/orders")]
async fn paged_orders(client: &Up42Client) -> Result<WrongPage, Error>;

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct WrongPage {
    content: Vec<WrongOrder>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct WrongOrder {
    id: String,
    status: u32, // the API sends a string
}

/// A typed client: `Authenticated` by delegation, endpoints as methods.
struct MyApi {
    inner: Up42Client,
}

delegate_authenticated!(MyApi => inner);

impl MyApi {
    #[up42_endpoint(GET, "/echo/eulas/{eula_id}", unchecked)]
    pub async fn eula(&self, eula_id: &str) -> Result<Echo, Error>;
}

/// An application error that wraps ours.
#[derive(Debug)]
enum AppError {
    Up42(Error),
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        AppError::Up42(error)
    }
}

#[up42_endpoint(GET, "/echo/app/{id}", unchecked)]
async fn app_call(client: &Up42Client, id: &str) -> Result<Echo, AppError>;

#[tokio::test]
async fn get_sends_bearer_agent_and_path() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let echo = get_order(&client, "o-1").await.unwrap();
    assert_eq!(
        (echo.method.as_str(), echo.path.as_str(), echo.query.as_deref()),
        ("GET", "/echo/orders/o-1", None)
    );
    let token = client.access_token().await.unwrap();
    assert_eq!(
        echo.header("authorization"),
        Some(format!("Bearer {}", token.secret()).as_str())
    );
    assert_eq!(echo.header("user-agent"), Some(up42_auth::defaults::USER_AGENT));
}

#[tokio::test]
async fn hostile_path_values_stay_one_segment() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let cases = [
        ("a/b", "/echo/orders/a%2Fb"),
        ("../x", "/echo/orders/..%2Fx"),
        ("?x=1#f", "/echo/orders/%3Fx%3D1%23f"),
        ("%2F", "/echo/orders/%252F"),
        ("ü", "/echo/orders/%C3%BC"),
        ("a b", "/echo/orders/a%20b"),
    ];
    for (value, path) in cases {
        let echo = get_order(&client, value).await.unwrap();
        assert_eq!(echo.path, path, "{value}");
        assert_eq!(echo.query, None, "{value}");
    }
    for refused in ["", ".", ".."] {
        let err = get_order(&client, refused).await.unwrap_err();
        assert!(err.kind() == ErrorKind::InvalidArgument, "{refused:?}: {err}");
    }
    assert_eq!(
        sandbox.counters().api_calls,
        cases.len() as u64,
        "refused values send nothing"
    );
}

#[tokio::test]
async fn post_sends_renamed_query_and_json_body() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let order = NewOrder {
        display_name: "Berlin & Co".into(),
        data_product_id: "dp-1".into(),
    };
    let echo = place_order(&client, "w 1&2", &order).await.unwrap();
    assert_eq!(echo.method, "POST");
    assert_eq!(echo.query.as_deref(), Some("workspaceId=w+1%262"));
    assert_eq!(echo.header("content-type"), Some("application/json"));
    assert_eq!(
        echo.body,
        r#"{"displayName":"Berlin & Co","dataProductId":"dp-1"}"#
    );
}

#[tokio::test]
async fn query_options_structs_and_headers() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let filter = OrderFilter {
        workspace_id: "w1",
        status: vec!["FULFILLED", "FAILED_PERMANENTLY"],
        tags: None,
        order_ids: vec!["a", "b"],
    };
    let echo = list_orders(&client, Some(2), &filter, "corr-7").await.unwrap();
    assert_eq!(
        echo.query.as_deref(),
        Some("page=2&workspaceId=w1&status=FULFILLED&status=FAILED_PERMANENTLY&orderIds=a%2Cb")
    );
    assert_eq!(echo.header("x-correlation-id"), Some("corr-7"));
    let echo = list_orders(&client, None, &filter, "corr-8").await.unwrap();
    assert_eq!(
        echo.query.as_deref(),
        Some("workspaceId=w1&status=FULFILLED&status=FAILED_PERMANENTLY&orderIds=a%2Cb")
    );

    let echo = repeated(&client, &["a", "b"], 50).await.unwrap();
    assert_eq!(echo.query.as_deref(), Some("status=a&status=b&size=50"));
}

#[tokio::test]
async fn comma_joined_lists_go_as_one_value() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let echo = joined(
        &client,
        &["b-1", "b 2"],
        Some(vec![7, 8]),
        &["PLACED", "FULFILLED"],
    )
    .await
    .unwrap();
    assert_eq!(
        echo.query.as_deref(),
        Some("budgetIds=b-1%2Cb+2&ids=7%2C8&status=PLACED&status=FULFILLED")
    );
    // Empty and absent lists are left out.
    let echo = joined(&client, &[], None, &[]).await.unwrap();
    assert_eq!(echo.query, None);
    // A value that holds a comma would split: refused, nothing is sent.
    let calls = sandbox.counters().api_calls;
    let error = joined(&client, &["a,b"], None, &[]).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{error}");
    assert!(error.to_string().contains("budgetIds"), "{error}");
    assert_eq!(sandbox.counters().api_calls, calls);
}

#[tokio::test]
async fn exactly_one_content_type_goes_out() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let patch = serde_json::json!({"tags": ["a"], "budgetId": null});
    let echo = merge_patch_order(&client, 7, &patch).await.unwrap();
    assert_eq!(echo.headers["content-type"], ["application/merge-patch+json"]);
    assert_eq!(echo.body, r#"{"tags":["a"],"budgetId":null}"#);
    let echo = patch_with_header(&client, 7, "application/json-patch+json", &patch)
        .await
        .unwrap();
    assert_eq!(echo.headers["content-type"], ["application/json-patch+json"]);
    let echo = patch_order(&client, 7, &patch).await.unwrap();
    assert_eq!(echo.headers["content-type"], ["application/json"]);
}

#[tokio::test]
async fn calls_go_through_the_users_own_http_client() {
    let sandbox = Sandbox::start().await;
    let mut headers = up42_auth::reqwest::header::HeaderMap::new();
    headers.insert("x-from", "my-client".parse().unwrap());
    let mine = up42_auth::reqwest::Client::builder()
        .redirect(up42_auth::redirect::policy())
        .default_headers(headers)
        .build()
        .unwrap();
    let client = sandbox.client_builder().http_client(mine).build().unwrap();
    let echo = get_order(&client, "o-1").await.unwrap();
    assert_eq!(echo.headers["x-from"], ["my-client"]);
    assert!(echo.headers.contains_key("authorization"));
    // The token request does not go through it.
    assert_eq!(sandbox.counters().token_requests, 1);
}

#[tokio::test]
async fn public_endpoints_fetch_no_token_and_send_no_header() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let echo = collections(&client).await.unwrap();
    assert_eq!(echo.header("authorization"), None);
    assert_eq!(sandbox.counters().token_requests, 0);
}

#[tokio::test]
async fn every_method_and_return_form() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    delete_order(&client, OrderNumber(7)).await.unwrap();
    head_order(&client, 7).await.unwrap();
    let echo = put_tags(&client, 7, &["a", "b"]).await.unwrap();
    assert_eq!(
        (echo.method.as_str(), echo.body.as_str()),
        ("PUT", r#"["a","b"]"#)
    );
    let echo = patch_order(&client, 7, &serde_json::json!({"displayName": "x"}))
        .await
        .unwrap();
    assert_eq!(echo.method, "PATCH");
    let response = download(&client, "asset-1").await.unwrap();
    assert_eq!(response.status(), 200);
    let echo: Echo = response.json().await.unwrap();
    assert_eq!(echo.path, "/echo/assets/asset-1");
    let echo = generic(&client, -3).await.unwrap();
    assert_eq!(echo.path, "/echo/generic/-3");
    assert_eq!(sandbox.counters().api_calls, 6);
    assert_eq!(sandbox.counters().token_requests, 1);
}

#[tokio::test]
async fn argument_names_do_not_collide_with_generated_code() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let echo = hygiene(&client, "u", "r", "c", 5, "t", 9, "body").await.unwrap();
    assert_eq!(echo.path, "/echo/u/r/c");
    assert_eq!(echo.query.as_deref(), Some("response=5&__up42_request=9"));
    assert_eq!(echo.header("x-token"), Some("t"));
    assert_eq!(echo.body, r#""body""#);
}

#[tokio::test]
async fn typed_clients_and_user_error_types() {
    let sandbox = Sandbox::start().await;
    let api = MyApi {
        inner: sandbox.client().unwrap(),
    };
    assert_eq!(api.eula("e-1").await.unwrap().path, "/echo/eulas/e-1");
    let echo = app_call(&api.inner, "x").await.unwrap();
    assert_eq!(echo.path, "/echo/app/x");
    let AppError::Up42(err) = app_call(&api.inner, "..").await.unwrap_err();
    assert!(err.kind() == ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn the_api_base_path_is_kept() {
    let sandbox = Sandbox::start().await;
    let client = sandbox
        .client_builder()
        .api_url(&format!("{}/echo/prefix", sandbox.base_url()))
        .build()
        .unwrap();
    #[up42_endpoint(GET, "/v2/orders/{order_id}")]
    async fn prefixed(client: &Up42Client, order_id: &str) -> Result<Echo, Error>;
    assert_eq!(
        prefixed(&client, "o").await.unwrap().path,
        "/echo/prefix/v2/orders/o"
    );
}

#[tokio::test]
async fn a_stale_token_gets_one_resend() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    get_order(&client, "warm-up").await.unwrap();
    sandbox.revoke_access_tokens();
    sandbox.reset_counters();
    get_order(&client, "o").await.unwrap();
    let counters = sandbox.counters();
    assert_eq!(counters.api_calls, 2, "{counters:?}");
    assert_eq!(counters.unauthorized, 1);
    assert_eq!((counters.token_requests, counters.refresh_grants), (1, 1));
}

/// Hands out tokens the sandbox never issued: every call is a 401.
#[derive(Default)]
struct ForgedTokens {
    issued: AtomicUsize,
}

#[up42_auth::async_trait]
impl TokenSource for ForgedTokens {
    async fn request_token(&self, _refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
        let n = self.issued.fetch_add(1, Ordering::SeqCst);
        Ok(TokenGrant::new(
            format!("eyJ.forged.{n}"),
            Duration::from_secs(300),
        ))
    }
}

/// A client of the sandbox's API with forged tokens.
struct Forged {
    api_url: Url,
    http: up42_auth::reqwest::Client,
    cache: TokenCache,
    tokens: Arc<ForgedTokens>,
}

impl Forged {
    fn new(sandbox: &Sandbox) -> Self {
        let tokens = Arc::new(ForgedTokens::default());
        Forged {
            api_url: Url::parse(sandbox.base_url()).unwrap(),
            http: up42_auth::reqwest::Client::new(),
            cache: TokenCache::new(Arc::clone(&tokens)),
            tokens,
        }
    }
}

impl Authenticated for Forged {
    fn api_url(&self) -> &Url {
        &self.api_url
    }
    fn http_client(&self) -> &up42_auth::reqwest::Client {
        &self.http
    }
    fn token_cache(&self) -> &TokenCache {
        &self.cache
    }
}

#[tokio::test]
async fn a_second_401_is_returned_not_looped() {
    let sandbox = Sandbox::start().await;
    let forged = Forged::new(&sandbox);
    let err = get_order(&forged, "o").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err}");
    assert_eq!(sandbox.counters().api_calls, 2, "one send, one resend");
}

#[tokio::test]
async fn an_api_that_rejects_every_token_does_not_cost_a_login_per_call() {
    let sandbox = Sandbox::start().await;
    let forged = Forged::new(&sandbox);
    for _ in 0..20 {
        let err = get_order(&forged, "o").await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err}");
    }
    // The first call renews once and resends; the next 19, within 10 s of that
    // renewal, are answered with the 401 at once.
    assert_eq!(forged.tokens.issued.load(Ordering::SeqCst), 2);
    assert_eq!(sandbox.counters().api_calls, 21);
}

#[up42_endpoint(GET, "/v2/orders")]
async fn ignored_body(client: &Up42Client, #[query] size: u32) -> Result<(), Error>;

#[tokio::test]
async fn an_ignored_small_body_is_read_so_the_connection_is_reused() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    for _ in 0..5 {
        // About 20 KiB: more than hyper reads along with the headers.
        ignored_body(&client, 25).await.unwrap();
    }
    let counters = sandbox.counters();
    assert_eq!(counters.api_calls, 5);
    // One for the token client, one for all five API calls.
    assert_eq!(counters.connections, 2, "{counters:?}");
}

#[up42_endpoint(GET, "/v2/orders")]
async fn orders_json(client: &Up42Client) -> Result<serde_json::Value, Error>;

#[tokio::test]
async fn answers_over_the_size_limit_are_refused() {
    let sandbox = Sandbox::start().await;
    let small = sandbox.client_builder().max_response_size(1024).build().unwrap();
    let err = orders_json(&small).await.unwrap_err();
    let msg = err.to_string();
    assert!(err.kind() == ErrorKind::MalformedResponse, "{msg}");
    assert!(msg.contains("larger than the 1 KiB"), "{msg}");
    assert!(
        msg.contains("max_response_size"),
        "the message says how to raise it: {msg}"
    );
    let default = sandbox.client().unwrap();
    assert_eq!(
        orders_json(&default).await.unwrap()["content"]
            .as_array()
            .map(Vec::len),
        Some(10)
    );
}

#[tokio::test]
async fn error_statuses_carry_up42_error_fields() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let err = status(&client, 422).await.unwrap_err();
    let Some(api) = err.api() else { panic!("{err}") };
    assert_eq!(api.status.as_u16(), 422);
    assert_eq!(
        api.message.as_deref(),
        Some("Sandbox error (answered 422 on request)")
    );
    assert_eq!(api.code.as_deref(), Some("422"));
    assert!(api.body_excerpt.contains("Sandbox error"));
    // The whole body is kept, to decode UP42's details into a type of one's own.
    #[derive(Deserialize)]
    struct Up42Error {
        error: Up42ErrorFields,
    }
    #[derive(Deserialize)]
    struct Up42ErrorFields {
        code: u16,
        details: String,
    }
    let body: Up42Error = api.body_json().unwrap();
    assert_eq!(
        (body.error.code, body.error.details.as_str()),
        (422, "answered 422 on request")
    );
    assert!(!err.is_retryable());
    assert!(
        err.to_string().contains("HTTP 422") && err.to_string().contains("/v2/status/422"),
        "{err}"
    );
    assert!(status(&client, 503).await.unwrap_err().is_retryable());
}

#[tokio::test]
async fn a_body_that_does_not_decode_names_the_json_path() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let err = paged_orders(&client).await.unwrap_err();
    let msg = err.to_string();
    assert!(err.kind() == ErrorKind::MalformedResponse, "{msg}");
    assert!(msg.contains("content[0].status"), "{msg}");
    assert!(msg.contains("FULFILLED"), "the excerpt shows the body: {msg}");
}
