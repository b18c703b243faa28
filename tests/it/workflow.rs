//! A real UP42 job end to end against the sandbox: list (paged), place an
//! order, wait until it is done, download its asset.

use std::time::Duration;

use serde::Deserialize;
use up42::orders::Order;
use up42_auth::{Download, Error, ErrorKind, Up42Client, delegate_authenticated, poll, up42_endpoint};
use up42_testkit::{Route, Sandbox, WORKSPACE_ID};

#[derive(Deserialize)]
struct Placed {
    results: Vec<PlacedOrder>,
}

#[derive(Deserialize)]
struct PlacedOrder {
    id: String,
}

#[derive(Deserialize)]
struct SignedUrl {
    url: String,
}

struct Workspace {
    client: Up42Client,
    id: String,
}

delegate_authenticated!(Workspace => client);

impl Workspace {
    #[up42_endpoint(GET, "/v2/orders", paged, query(workspaceId = self.id))]
    async fn orders(&self, #[query] size: u32) -> Result<Vec<Order>, Error>;

    #[up42_endpoint(POST, "/v2/orders", query(workspaceId = self.id))]
    async fn place(&self, #[body] order: &serde_json::Value) -> Result<Placed, Error>;

    #[up42_endpoint(GET, "/v2/orders/{order_id}")]
    async fn order(&self, order_id: &str) -> Result<Order, Error>;

    #[up42_endpoint(POST, "/v2/assets/{asset_id}/download-url")]
    async fn download_url(&self, asset_id: &str) -> Result<SignedUrl, Error>;
}

fn done(order: &Order) -> bool {
    matches!(
        order.status.as_str(),
        "FULFILLED" | "FAILED_PERMANENTLY" | "PLACEMENT_FAILED" | "CANCELED"
    )
}

async fn workspace(sandbox: &Sandbox) -> Workspace {
    Workspace {
        client: sandbox.client().unwrap(),
        id: WORKSPACE_ID.to_string(),
    }
}

fn order_fetches(sandbox: &Sandbox, id: &str) -> usize {
    let path = format!("/v2/orders/{id}");
    sandbox
        .journal_of(Route::Api)
        .iter()
        .filter(|r| r.path == path)
        .count()
}

#[tokio::test]
async fn list_place_wait_download() {
    let sandbox = Sandbox::builder()
        .order_status_schedule(&[("PLACED", 1), ("BEING_FULFILLED", 3)], "FULFILLED")
        .start()
        .await;
    sandbox.add_asset("asset-1", b"the scene".to_vec());
    let workspace = workspace(&sandbox).await;

    assert_eq!(workspace.orders(10).await.unwrap().len(), 25);
    let new = up42_testkit::seed::archive_order_request("Berlin");
    let id = workspace.place(&new).await.unwrap().results.remove(0).id;
    let order = poll(|| workspace.order(&id))
        .until(done)
        .every(Duration::from_millis(5))
        .timeout(Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(order.status, "FULFILLED");
    assert_eq!(
        order_fetches(&sandbox, &id),
        5,
        "1 PLACED + 3 BEING_FULFILLED, then FULFILLED"
    );
    assert_eq!(workspace.orders(10).await.unwrap().len(), 26);

    let signed = workspace.download_url("asset-1").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bytes = Download::get(&workspace, &signed.url)
        .await
        .unwrap()
        .to_file(dir.path().join("scene"))
        .await
        .unwrap();
    assert_eq!(bytes, 9);
}

#[tokio::test]
async fn a_final_error_ends_the_wait_at_once() {
    let sandbox = Sandbox::start().await;
    let workspace = workspace(&sandbox).await;
    let error = poll(|| workspace.order("no-such-order"))
        .until(done)
        .every(Duration::from_millis(5))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(order_fetches(&sandbox, "no-such-order"), 1);
}

#[tokio::test]
async fn a_wait_that_never_ends_times_out_naming_time_and_calls() {
    let sandbox = Sandbox::builder()
        .order_status_schedule(&[], "BEING_FULFILLED")
        .start()
        .await;
    let workspace = workspace(&sandbox).await;
    let id = workspace
        .place(&up42_testkit::seed::archive_order_request("never"))
        .await
        .unwrap()
        .results
        .remove(0)
        .id;
    let error = poll(|| workspace.order(&id))
        .until(done)
        .every(Duration::from_millis(10))
        .max_interval(Duration::from_millis(20))
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    // The error counts calls made; the last may have been dropped before it reached the server.
    let received = order_fetches(&sandbox, &id);
    let text = error.to_string();
    let made: usize = text
        .split(" and ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        received >= 2 && (made == received || made == received + 1),
        "{made} vs {received}: {text}"
    );
}
