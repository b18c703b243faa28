//! `paged` endpoints against the sandbox: every page collected or streamed,
//! page size and other query values kept, next links followed on the API
//! host only, and servers that never end stopped with an error.

use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::json;
use up42_auth::{Authenticated, Error, ErrorKind, Paged, Up42Client, delegate_authenticated, up42_endpoint};
use up42_testkit::{Mock, Recorded, Respond, Route, Sandbox, WORKSPACE_ID};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Order {
    id: String,
    workspace_id: String,
}

#[derive(Debug, Deserialize)]
struct Job {
    #[serde(rename = "jobID")]
    id: String,
}

#[up42_endpoint(GET, "/v2/orders", paged)]
async fn all_orders(
    client: &Up42Client,
    #[query("workspaceId")] workspace: &str,
    #[query] size: Option<u32>,
) -> Result<Vec<Order>, Error>;

#[up42_endpoint(GET, "/v2/orders", paged)]
fn orders(client: &dyn Authenticated, #[query] size: Option<u32>) -> Paged<Order>;

#[up42_endpoint(GET, "/v2/orders", paged)]
fn orders_of(client: &impl Authenticated, #[query("workspaceId")] workspace: &str) -> Paged<Order, MyError>;

#[up42_endpoint(GET, "/v2/processing/jobs", paged = "jobs")]
async fn all_jobs(client: &Up42Client, #[query] limit: u32) -> Result<Vec<Job>, Error>;

#[up42_endpoint(GET, "/v2/processing/jobs", paged = "jobs")]
fn jobs(client: &Up42Client, #[query] limit: u32) -> Paged<Job>;

/// A typed client whose methods take the workspace from its own field.
struct Workspace {
    client: Up42Client,
    id: String,
}

delegate_authenticated!(Workspace => client);

impl Workspace {
    #[up42_endpoint(GET, "/v2/orders", paged, query(workspaceId = self.id))]
    fn orders(&self, #[query] size: u32) -> Paged<Order>;

    #[up42_endpoint(GET, "/v2/orders", paged, query(workspaceId = self.id))]
    async fn all_orders(&self) -> Result<Vec<Order>, Error>;
}

/// An error type of the caller's own.
#[derive(Debug)]
struct MyError(Error);

impl From<Error> for MyError {
    fn from(error: Error) -> Self {
        MyError(error)
    }
}

fn list_requests(sandbox: &Sandbox, path: &str) -> Vec<Recorded> {
    sandbox
        .journal_of(Route::Api)
        .into_iter()
        .filter(|r| r.path == path && r.method == "GET")
        .collect()
}

fn query_of(recorded: &Recorded) -> String {
    recorded.query.clone().unwrap_or_default()
}

#[tokio::test]
async fn collects_every_page_in_order_keeping_the_query() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let orders = all_orders(&client, WORKSPACE_ID, Some(5)).await.unwrap();
    assert_eq!(orders.len(), 25);
    let ids: Vec<&str> = orders.iter().map(|o| o.id.as_str()).collect();
    let expected: Vec<String> = (0..25)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    assert_eq!(ids, expected);
    assert!(orders.iter().all(|o| o.workspace_id == WORKSPACE_ID));
    let queries: Vec<String> = list_requests(&sandbox, "/v2/orders")
        .iter()
        .map(query_of)
        .collect();
    let expected: Vec<String> = (0..5)
        .map(|page| format!("workspaceId={WORKSPACE_ID}&size=5&page={page}"))
        .collect();
    assert_eq!(queries, expected, "one request a page, page size kept");
}

#[tokio::test]
async fn one_page_and_no_items_cost_one_request_each() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    assert_eq!(
        all_orders(&client, WORKSPACE_ID, Some(100)).await.unwrap().len(),
        25
    );
    assert_eq!(list_requests(&sandbox, "/v2/orders").len(), 1);
    sandbox.clear_journal();
    assert!(
        all_orders(&client, "no-such-workspace", None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(list_requests(&sandbox, "/v2/orders").len(), 1);
}

#[tokio::test]
async fn the_stream_fetches_a_page_only_when_the_consumer_gets_there() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let mut stream = orders(&client, Some(2));
    assert!(
        list_requests(&sandbox, "/v2/orders").is_empty(),
        "nothing is sent before the first poll"
    );
    for _ in 0..3 {
        stream.try_next().await.unwrap().expect("an order");
    }
    assert_eq!(
        list_requests(&sandbox, "/v2/orders").len(),
        2,
        "pages 0 and 1 only"
    );
    drop(stream);
    let all: Vec<Order> = orders(&client, Some(10)).try_collect().await.unwrap();
    assert_eq!(all.len(), 25);
}

#[tokio::test]
async fn a_stream_borrows_nothing_and_moves_to_another_task() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let workspace = String::from(WORKSPACE_ID);
    let stream = orders_of(&client, &workspace);
    drop(workspace);
    drop(client);
    let counted = tokio::spawn(stream.count()).await.unwrap();
    assert_eq!(counted, 25);
}

#[tokio::test]
async fn a_typed_client_fills_the_query_from_its_field() {
    let sandbox = Sandbox::start().await;
    let workspace = Workspace {
        client: sandbox.client().unwrap(),
        id: WORKSPACE_ID.to_string(),
    };
    assert_eq!(workspace.all_orders().await.unwrap().len(), 25);
    let first: Vec<Order> = workspace.orders(7).take(8).try_collect().await.unwrap();
    assert_eq!(first.len(), 8);
    let queries: Vec<String> = list_requests(&sandbox, "/v2/orders")
        .iter()
        .map(query_of)
        .collect();
    // 25 orders at the sandbox's default 10 a page, then 8 orders at 7 a page.
    let pages: Vec<String> = (0..3)
        .map(|p| format!("workspaceId={WORKSPACE_ID}&page={p}"))
        .collect();
    assert_eq!(queries[..3], pages);
    assert_eq!(
        queries[3..],
        [
            format!("workspaceId={WORKSPACE_ID}&size=7&page=0"),
            format!("workspaceId={WORKSPACE_ID}&size=7&page=1"),
        ]
    );
    let other = Workspace {
        client: workspace.client.clone(),
        id: "another".to_string(),
    };
    assert!(other.all_orders().await.unwrap().is_empty());
}

#[tokio::test]
async fn next_links_are_followed() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let jobs_all = all_jobs(&client, 1).await.unwrap();
    assert_eq!(jobs_all.len(), 3);
    assert_eq!(list_requests(&sandbox, "/v2/processing/jobs").len(), 3);
    let streamed: Vec<String> = jobs(&client, 2).map_ok(|j| j.id).try_collect().await.unwrap();
    let ids: Vec<String> = jobs_all.into_iter().map(|j| j.id).collect();
    assert_eq!(streamed, ids);
    assert_eq!(list_requests(&sandbox, "/v2/processing/jobs").len(), 5);
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused_and_never_sent() {
    let sandbox = Sandbox::start().await;
    let elsewhere = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let href = format!("{}/v2/processing/jobs?token=1", elsewhere.base_url());
    sandbox.mount(
        Mock::given("GET", "/v2/processing/jobs").respond_with(Respond::json(
            200,
            json!({"jobs": [{"jobID": "j-1"}], "links": [{"rel": "next", "href": href}]}),
        )),
    );
    let error = all_jobs(&client, 1).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MalformedResponse);
    assert!(error.to_string().contains("another origin"), "{error}");
    assert!(elsewhere.journal().is_empty(), "the other host saw nothing");
}

#[tokio::test]
async fn a_server_that_repeats_a_page_is_stopped() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    // Always page 0, never the last.
    sandbox.mount(Mock::given("GET", "/v2/orders").respond_with(Respond::json(
        200,
        json!({"content": [{"id": "o", "workspaceId": "w"}], "number": 0, "totalPages": 9, "last": false}),
    )));
    let error = all_orders(&client, WORKSPACE_ID, None).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MalformedResponse);
    assert!(
        error
            .to_string()
            .contains("page 1 was asked for and the server answered page 0"),
        "{error}"
    );
    assert_eq!(list_requests(&sandbox, "/v2/orders").len(), 2);

    // A next link to the page itself.
    sandbox.mount(
        Mock::given("GET", "/v2/processing/jobs").respond_with(Respond::json(
            200,
            json!({"jobs": [{"jobID": "j"}], "links": [{"rel": "next", "href": "/v2/processing/jobs?limit=1"}]}),
        )),
    );
    let error = all_jobs(&client, 1).await.unwrap_err();
    assert!(error.to_string().contains("points at the page itself"), "{error}");
}

#[tokio::test]
async fn a_server_that_never_says_last_is_stopped_after_the_maximum() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    // No `last`, no `totalPages`, no `number`: only the item count says anything.
    sandbox.mount(Mock::given("GET", "/v2/orders").respond_with(Respond::json(
        200,
        json!({"content": [{"id": "o", "workspaceId": "w"}]}),
    )));
    let error = all_orders(&client, WORKSPACE_ID, None).await.unwrap_err();
    assert!(error.to_string().contains("after 10000"), "{error}");
    assert_eq!(
        sandbox.counters().api_calls,
        u64::from(up42_auth::paging::MAX_PAGES)
    );
}

#[tokio::test]
async fn collecting_pages_holds_a_bounded_number_of_bytes() {
    let sandbox = Sandbox::start().await;
    // A 1 KiB answer limit: the pages collected may add up to 8 KiB.
    let client = sandbox.client_builder().max_response_size(1024).build().unwrap();
    let note = "n".repeat(900);
    sandbox.mount(Mock::given("GET", "/v2/orders").respond_with_fn(move |_| {
        Respond::json(
            200,
            json!({"content": [{"id": "o", "workspaceId": "w", "note": note}], "last": false}),
        )
    }));
    let error = all_orders(&client, WORKSPACE_ID, None).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MalformedResponse);
    assert!(
        error.to_string().contains("more than one call holds in memory"),
        "{error}"
    );
    // Nine pages of about 950 bytes pass 8 KiB; the tenth is never asked for.
    assert_eq!(list_requests(&sandbox, "/v2/orders").len(), 9);
}

#[tokio::test]
async fn each_page_goes_through_the_token_and_retry_path() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let mut stream = orders(&client, Some(10));
    for _ in 0..10 {
        stream.try_next().await.unwrap().unwrap();
    }
    sandbox.revoke_access_tokens();
    sandbox.inject(Route::Api, up42_testkit::Fault::retry_after(503, "0"), 1);
    let rest: Vec<Order> = stream.try_collect().await.unwrap();
    assert_eq!(rest.len(), 15);
    let counters = sandbox.counters();
    assert_eq!(counters.unauthorized, 1, "the revoked token was refused once");
    assert_eq!(counters.token_requests, 2, "then renewed once");
}

#[tokio::test]
async fn items_that_do_not_fit_name_the_path_and_bad_arguments_are_the_first_item() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Strict {
        id: u32,
    }
    #[up42_endpoint(GET, "/v2/orders", paged)]
    fn strict(client: &Up42Client) -> Paged<Strict, MyError>;
    #[up42_endpoint(GET, "/v2/orders", paged)]
    fn sized(client: &Up42Client, #[query] size: &[Vec<u32>]) -> Paged<Order>;

    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let MyError(error) = strict(&client).next().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MalformedResponse);
    assert!(error.to_string().contains("content[0].id"), "{error}");
    let mut bad = sized(&client, &[vec![1]]);
    let error = bad.next().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    assert!(bad.next().await.is_none(), "nothing after the error");
}

#[derive(Debug, Deserialize)]
struct Scene {
    id: String,
}

#[derive(serde::Serialize)]
struct Search {
    collections: Vec<&'static str>,
    limit: u32,
}

/// The archive search: its next link is POSTed again with the same body.
#[up42_endpoint(POST, "/catalog/hosts/{host}/stac/search", paged = "features", retry = true)]
async fn search_catalog(
    client: &Up42Client,
    host: &str,
    #[body] search: &Search,
) -> Result<Vec<Scene>, Error>;

/// The storage search: its next link says its method and a body to merge.
#[up42_endpoint(POST, "/v2/assets/stac/search", paged = "features")]
fn search_storage(client: &Up42Client, #[body] search: &Search) -> Paged<Scene>;

fn bodies_of(sandbox: &Sandbox, path: &str) -> Vec<serde_json::Value> {
    sandbox
        .journal_of(Route::Api)
        .into_iter()
        .filter(|r| r.path == path && r.method == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn a_post_search_posts_its_next_link_again_with_the_same_body() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let path = "/catalog/hosts/oneatlas/stac/search";
    let base = sandbox.api_url();
    sandbox.mount(Mock::given("POST", path).respond_with_fn(move |request| {
        let page: u32 = request
            .query
            .as_deref()
            .and_then(|q| q.strip_prefix("next="))
            .map_or(0, |n| n.parse().unwrap());
        let next = match page {
            2 => json!([]),
            n => json!([{"rel": "next", "href": format!("{base}/catalog/hosts/oneatlas/stac/search?next={}", n + 1)}]),
        };
        Respond::json(
            200,
            json!({"type": "FeatureCollection", "features": [{"id": format!("scene-{page}")}], "links": next}),
        )
    }));
    let search = Search {
        collections: vec!["phr"],
        limit: 1,
    };
    let scenes = search_catalog(&client, "oneatlas", &search).await.unwrap();
    let ids: Vec<&str> = scenes.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["scene-0", "scene-1", "scene-2"]);
    let bodies = bodies_of(&sandbox, path);
    assert_eq!(bodies.len(), 3, "one POST a page");
    assert!(
        bodies
            .iter()
            .all(|b| *b == json!({"collections": ["phr"], "limit": 1})),
        "{bodies:?}"
    );
    let queries: Vec<String> = sandbox
        .journal_of(Route::Api)
        .iter()
        .filter(|r| r.path == path)
        .map(query_of)
        .collect();
    assert_eq!(queries, ["", "next=1", "next=2"]);
}

#[tokio::test]
async fn a_stac_next_link_merges_its_body_into_the_search_even_on_the_same_url() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let path = "/v2/assets/stac/search";
    let href = format!("{}{path}", sandbox.api_url());
    sandbox.mount(Mock::given("POST", path).respond_with_fn(move |request| {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        match body.get("token").and_then(|t| t.as_str()) {
            None => Respond::json(
                200,
                json!({"features": [{"id": "item-1"}], "links": [
                    {"rel": "self", "href": href},
                    {"rel": "next", "href": href, "method": "POST", "body": {"token": "next:2"}, "merge": true}
                ]}),
            ),
            Some(_) => Respond::json(200, json!({"features": [{"id": "item-2"}], "links": []})),
        }
    }));
    let search = Search {
        collections: vec!["my-data"],
        limit: 1,
    };
    let items: Vec<String> = search_storage(&client, &search)
        .map_ok(|item| item.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, ["item-1", "item-2"]);
    assert_eq!(
        bodies_of(&sandbox, path),
        [
            json!({"collections": ["my-data"], "limit": 1}),
            json!({"collections": ["my-data"], "limit": 1, "token": "next:2"}),
        ]
    );
}

#[tokio::test]
async fn a_next_link_cycle_of_two_pages_is_stopped_at_once() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let base = sandbox.api_url();
    // Page a links to page b, and b back to a: without a memory of the pages
    // asked for, this ran to the 10,000-page limit.
    sandbox.mount(
        Mock::given("GET", "/v2/processing/jobs").respond_with_fn(move |request| {
            let other = match request.query.as_deref() {
                Some(q) if q.contains("token=b") => "a",
                _ => "b",
            };
            Respond::json(
                200,
                json!({"jobs": [{"jobID": "j"}], "links": [{"rel": "next", "href": format!("{base}/v2/processing/jobs?limit=1&token={other}")}]}),
            )
        }),
    );
    let error = all_jobs(&client, 1).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MalformedResponse);
    assert!(error.to_string().contains("already fetched"), "{error}");
    assert_eq!(
        list_requests(&sandbox, "/v2/processing/jobs").len(),
        3,
        "the start, b, a; b again is not asked for"
    );
}
