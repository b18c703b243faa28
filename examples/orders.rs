//! Typed UP42 v2 endpoints declared with `#[up42_endpoint]`, a typed client,
//! and a whole job: list every order (paged), place one, wait until it is
//! fulfilled, download its asset.
//!
//! ```text
//! cargo run --example orders
//! ```
//!
//! Runs against the local sandbox unless UP42 credentials are found
//! (`UP42_USERNAME`/`UP42_PASSWORD` or `~/.up42/credentials.json`). Against UP42
//! it makes read-only calls only, and needs `UP42_WORKSPACE_ID` for the
//! workspace-scoped ones.

use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use up42_auth::{
    Authenticated, Credentials, Download, Error, ErrorKind, Paged, Up42Client, delegate_authenticated, poll,
    up42_endpoint,
};
use up42_testkit::Sandbox;

/// A paged v2 answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub content: Vec<T>,
    pub total_pages: u32,
    pub total_elements: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub workspace_id: String,
    pub display_name: Option<String>,
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data_product_id: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub created_at: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOrder {
    pub display_name: String,
    pub data_product: String,
    pub params: Value,
    pub feature_collection: Value,
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct PlacedOrders {
    pub results: Vec<PlacedOrder>,
    pub errors: Vec<Value>,
}

#[derive(Debug, Deserialize)]
pub struct PlacedOrder {
    pub index: u32,
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct Estimate {
    pub summary: EstimateSummary,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EstimateSummary {
    pub total_credits: u64,
    pub total_size: f64,
    pub unit: String,
}

#[derive(Debug, Deserialize)]
pub struct Collection {
    pub name: String,
    pub title: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Eula {
    pub id: String,
    pub title: String,
    pub is_accepted: bool,
}

#[derive(Debug, Deserialize)]
pub struct StacCollection {
    pub id: String,
    pub title: Option<String>,
    pub license: String,
}

#[derive(Debug, Deserialize)]
pub struct StacItem {
    pub id: String,
    pub collection: String,
    pub bbox: Vec<f64>,
}

#[derive(Debug, Deserialize)]
pub struct Job {
    #[serde(rename = "jobID")]
    pub id: String,
    #[serde(rename = "processID")]
    pub process_id: String,
    pub status: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quotation {
    pub id: String,
    pub order_id: String,
    pub credits_price: u64,
    pub decision: String,
}

/// Where an asset can be downloaded: a signed URL on a storage host.
#[derive(Debug, Deserialize)]
pub struct SignedUrl {
    pub url: String,
}

/// One order.
#[up42_endpoint(GET, "/v2/orders/{order_id}")]
pub async fn get_order(client: &impl Authenticated, order_id: &str) -> Result<Order, Error>;

/// Places an order in a workspace.
#[up42_endpoint(POST, "/v2/orders")]
pub async fn place_order(
    client: &impl Authenticated,
    #[query("workspaceId")] workspace_id: &str,
    #[body] order: &NewOrder,
) -> Result<PlacedOrders, Error>;

/// What an order would cost.
#[up42_endpoint(POST, "/v2/orders/estimate")]
pub async fn estimate_order(client: &impl Authenticated, #[body] order: &NewOrder)
-> Result<Estimate, Error>;

/// Cancels an order; the API answers 204.
#[up42_endpoint(POST, "/v2/orders/{order_id}/cancellation")]
pub async fn cancel_order(client: &impl Authenticated, order_id: &str) -> Result<(), Error>;

/// The public catalogue of collections: no token needed.
#[up42_endpoint(GET, "/v2/collections", public)]
pub async fn collections(
    client: &impl Authenticated,
    #[query] page: Option<u32>,
) -> Result<Page<Collection>, Error>;

/// A licence agreement.
#[up42_endpoint(GET, "/v2/eulas/{eula_id}")]
pub async fn eula(client: &impl Authenticated, eula_id: &str) -> Result<Eula, Error>;

/// A STAC collection of delivered assets.
#[up42_endpoint(GET, "/v2/assets/stac/collections/{collection_id}")]
pub async fn stac_collection(
    client: &impl Authenticated,
    collection_id: &str,
) -> Result<StacCollection, Error>;

/// One STAC item of a collection.
#[up42_endpoint(GET, "/v2/assets/stac/collections/{collection_id}/items/{item_id}")]
pub async fn stac_item(
    client: &impl Authenticated,
    collection_id: &str,
    item_id: &str,
) -> Result<StacItem, Error>;

/// One processing job.
#[up42_endpoint(GET, "/v2/processing/jobs/{job_id}")]
pub async fn job(client: &impl Authenticated, job_id: &str) -> Result<Job, Error>;

/// A signed URL for an asset of a fulfilled order.
#[up42_endpoint(POST, "/v2/assets/{asset_id}/download-url")]
pub async fn download_url(client: &impl Authenticated, asset_id: &str) -> Result<SignedUrl, Error>;

/// Tasking quotations, by id.
#[up42_endpoint(GET, "/v2/tasking/quotation")]
pub async fn quotations(client: &impl Authenticated, #[query] id: &str) -> Result<Page<Quotation>, Error>;

/// A typed client: an `Up42Client` plus the workspace its calls are about.
#[derive(Clone)]
pub struct Workspace {
    client: Up42Client,
    id: String,
}

delegate_authenticated!(Workspace => client);

impl Workspace {
    /// Every order of the workspace: the toolkit asks for page after page.
    #[up42_endpoint(GET, "/v2/orders", paged, query(workspaceId = self.id))]
    pub async fn all_orders(&self) -> Result<Vec<Order>, Error>;

    /// The workspace's processing jobs, a page (linked to the next) at a time.
    #[up42_endpoint(GET, "/v2/processing/jobs", paged = "jobs", query(workspaceId = self.id))]
    pub fn jobs(&self, #[query] limit: u32) -> Paged<Job>;
}

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Error> {
    match Credentials::discover() {
        Ok(credentials) => against_up42(credentials).await,
        Err(error) if error.kind() == ErrorKind::CredentialsMissing => {
            let sandbox = Sandbox::builder()
                .order_status_schedule(&[("PLACED", 1), ("BEING_FULFILLED", 2)], "FULFILLED")
                .start()
                .await;
            println!(
                "No UP42 credentials found: running against the local sandbox at {}.\n",
                sandbox.base_url()
            );
            against_sandbox(&sandbox).await?;
            let counters = sandbox.counters();
            println!(
                "\n{} API calls, {} token request(s). This ran locally; nothing was sent to UP42.",
                counters.api_calls, counters.token_requests
            );
            Ok(())
        }
        Err(other) => Err(other),
    }
}

async fn against_sandbox(sandbox: &Sandbox) -> Result<(), Error> {
    let workspace = Workspace {
        client: sandbox.client()?,
        id: up42_testkit::WORKSPACE_ID.to_string(),
    };
    let client = &workspace.client;

    let order = get_order(client, up42_testkit::ORDER_ID).await?;
    println!("order {} is {} ({})", order.id, order.status, order.kind);

    let orders = workspace.all_orders().await?;
    println!("the workspace has {} orders, read page by page", orders.len());

    let new_order = NewOrder {
        display_name: "Berlin, March".into(),
        data_product: up42_testkit::seed::ARCHIVE_PRODUCT_ID.into(),
        params: serde_json::json!({"id": up42_testkit::seed::SCENE_ID}),
        feature_collection: serde_json::json!({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [[[13.35, 52.45], [13.45, 52.45], [13.45, 52.55], [13.35, 52.55], [13.35, 52.45]]]},
        }]}),
        tags: vec!["example".into()],
    };
    let estimate = estimate_order(client, &new_order).await?;
    println!(
        "estimate: {} credits for {} {}",
        estimate.summary.total_credits, estimate.summary.total_size, estimate.summary.unit
    );
    let placed = place_order(client, &workspace.id, &new_order).await?;
    let id = &placed.results[0].id;
    println!("placed order {id} ({} errors)", placed.errors.len());
    let done = poll(|| get_order(client, id))
        .until(|order| {
            matches!(
                order.status.as_str(),
                "FULFILLED" | "FAILED_PERMANENTLY" | "PLACEMENT_FAILED" | "CANCELED"
            )
        })
        .every(Duration::from_millis(50))
        .timeout(Duration::from_secs(60))
        .await?;
    println!("waited for it: {}", done.status);

    let signed = download_url(client, up42_testkit::seed::ASSET_ID).await?;
    let target = std::env::temp_dir().join(format!("up42-example-{}.tif", std::process::id()));
    let bytes = Download::get(client, &signed.url)
        .await?
        .progress(|p| println!("  {} of {:?} bytes", p.bytes, p.total))
        .to_file(&target)
        .await?;
    println!(
        "downloaded {bytes} bytes to {} (no token sent to the storage host)",
        target.display()
    );
    let _ = std::fs::remove_file(&target);

    let other = place_order(client, &workspace.id, &new_order).await?;
    cancel_order(client, &other.results[0].id).await?;
    println!("placed and cancelled another");

    let catalogue = collections(client, None).await?;
    let names: Vec<&str> = catalogue.content.iter().map(|c| c.name.as_str()).collect();
    println!("public collections: {}", names.join(", "));

    let licence = eula(client, "eula-airbus").await?;
    println!(
        "EULA {}: {} (accepted: {})",
        licence.id, licence.title, licence.is_accepted
    );
    let delivery = stac_collection(client, up42_testkit::seed::STAC_COLLECTION_ID).await?;
    println!("STAC collection {} ({})", delivery.id, delivery.license);
    let item = stac_item(
        client,
        up42_testkit::seed::STAC_COLLECTION_ID,
        up42_testkit::seed::STAC_ITEM_ID,
    )
    .await?;
    println!(
        "STAC item {} of {}, bbox {:?}",
        item.id, item.collection, item.bbox
    );
    let jobs: Vec<Job> = workspace.jobs(2).take(2).try_collect().await?;
    let every: usize = workspace.jobs(2).count().await;
    let first = job(client, &jobs[0].id).await?;
    println!(
        "{every} processing jobs, 2 a page; the first ran {} and is {}",
        first.process_id, first.status
    );
    let quote = &quotations(client, up42_testkit::seed::QUOTATION_ID)
        .await?
        .content[0];
    println!(
        "quotation {}: {} credits, {}",
        quote.id, quote.credits_price, quote.decision
    );
    Ok(())
}

async fn against_up42(credentials: Credentials) -> Result<(), Error> {
    println!(
        "Using UP42 credentials of {}; read-only calls.\n",
        credentials.username()
    );
    let client = Up42Client::builder().credentials(credentials).build()?;
    let catalogue = collections(&client, None).await?;
    println!("{} public collections", catalogue.total_elements);
    match std::env::var("UP42_WORKSPACE_ID") {
        Ok(id) => {
            let workspace = Workspace { client, id };
            let orders = workspace.all_orders().await?;
            println!("{} orders in the workspace", orders.len());
            if let Some(order) = orders.first() {
                let again = get_order(&workspace, &order.id).await?;
                println!("order {} is {}", again.id, again.status);
            }
        }
        Err(_) => println!("Set UP42_WORKSPACE_ID to list the workspace's orders."),
    }
    Ok(())
}
