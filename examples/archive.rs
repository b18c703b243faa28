//! An archive order from start to finish with the typed client: find a
//! collection, search its archive, estimate and place an order for the
//! clearest scene, wait for it, deliver its files to disk, verified.
//!
//! ```text
//! cargo run --example archive
//! ```
//!
//! It runs against the local sandbox (`up42-testkit`): orders cost credits,
//! so an example never places one on your account. `flow` is what you would
//! run against UP42, with a client from
//! `up42::Client::builder().credentials(up42::Credentials::discover()?).build()?`.

use std::time::Duration;

use futures_util::TryStreamExt;
use serde_json::json;
use up42::Client;
use up42::catalog::CatalogSearch;
use up42::glossary::{CollectionType, Integration};
use up42::orders::{NewOrder, OrderOutcome};

/// What the flow can fail with: UP42's errors, and its own checks.
type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() {
    let sandbox = up42_testkit::Sandbox::start().await;
    println!(
        "Against the local sandbox at {}: nothing is sent to UP42.\n",
        sandbox.base_url()
    );
    let result = match sandbox.client() {
        Ok(client) => flow(&Client::from(client)).await,
        Err(error) => Err(error.into()),
    };
    if let Err(error) = result {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
    let counters = sandbox.counters();
    println!(
        "\n{} API calls, {} token request.",
        counters.api_calls, counters.token_requests
    );
}

async fn flow(client: &Client) -> std::result::Result<(), Failure> {
    // 1. A searchable archive collection, and where its searches go.
    let collections: Vec<_> = client.glossary().collections().items().try_collect().await?;
    let collection = collections
        .iter()
        .find(|c| {
            c.collection_type == CollectionType::Archive
                && c.integrations.contains(&Integration::SearchAvailable)
        })
        .ok_or("no searchable archive collection")?;
    let host = collection.host().ok_or("the collection has no host")?;
    let product = collection.data_products[0]
        .id
        .clone()
        .ok_or("no orderable product")?;
    println!(
        "1. {} ({}), searched at {}",
        collection.title, collection.name, host.name
    );

    // 2. The clearest scene over Berlin this year.
    let berlin = [13.3, 52.45, 13.45, 52.55];
    let search = CatalogSearch::new()
        .collections([collection.name.clone()])
        .bbox(berlin)
        .datetime("2026-01-01T00:00:00Z/..")
        .max_cloud_cover(30.0);
    let scenes: Vec<_> = client
        .catalog()
        .search(host.name.as_str(), &search)
        .items()
        .try_collect()
        .await?;
    let scene = scenes
        .iter()
        .min_by(|a, b| {
            a.properties
                .cloud_coverage
                .partial_cmp(&b.properties.cloud_coverage)
                .expect("numbers")
        })
        .ok_or("no scene found")?;
    let clouds = scene.properties.cloud_coverage.unwrap_or(f64::NAN);
    println!(
        "2. {} scenes; the clearest is {} ({clouds} % clouds)",
        scenes.len(),
        scene.properties.id
    );

    // 3. Estimate, then place, an order of it for the area of interest.
    let aoi: up42::geojson::FeatureCollection = serde_json::from_value(json!({
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
            "coordinates": [[[13.35, 52.47], [13.42, 52.47], [13.42, 52.53], [13.35, 52.53], [13.35, 52.47]]]}}],
    }))?;
    let order = NewOrder::new(product, "Berlin, clearest", aoi)
        .params(json!({"id": scene.properties.id}))
        .tags(["example"]);
    let estimate = client.orders().estimate(&order).await?;
    println!(
        "3. It costs {} credits for {} {}",
        estimate.summary.total_credits, estimate.summary.total_size, estimate.summary.unit
    );
    let placement = client.orders().place(&order).await?;
    for failed in &placement.errors {
        println!("   feature {} was not ordered: {}", failed.index, failed.message);
    }
    let id = placement.ids().next().ok_or("nothing was ordered")?.clone();
    println!("   placed order {id}");

    // 4. Wait until it settles; report each look.
    let outcome = client
        .orders()
        .wait(&id)
        .every(Duration::from_millis(200))
        .timeout(Duration::from_secs(3600))
        .on_progress(|order| println!("   … {}", order.status))
        .await?;
    let OrderOutcome::Fulfilled(order) = outcome else {
        return Err(format!("the order did not succeed: {outcome:?}").into());
    };
    println!("4. {} is {}", order.display_name, order.status);

    // 5. Its delivery: every file of every item, to DIR/<item id>/<file name>,
    //    verified against its checksums; a second run skips what is complete.
    let scratch = tempfile::tempdir()?;
    let dir = scratch.path().join("delivery");
    let report = client
        .storage()
        .download_order(&id)
        .to_dir(&dir)
        .concurrency(4)
        .await?;
    for file in &report.files {
        println!(
            "5. {} {} ({} bytes, sha256 {})",
            file.outcome.name(),
            file.path.strip_prefix(&dir)?.display(),
            file.bytes,
            file.sha256.as_deref().unwrap_or("-")
        );
    }
    if !report.is_complete() {
        return Err("some files could not be completed; run again to resume them".into());
    }
    let again = client.storage().download_order(&id).to_dir(&dir).await?;
    println!(
        "   again: {:?} (downloaded, resumed, skipped, failed)",
        again.counts()
    );
    Ok(())
}
