//! A tasking order with the typed client: order a new acquisition, wait
//! until it needs a decision, accept the quotation, wait until it is
//! fulfilled, see what is covered.
//!
//! ```text
//! cargo run --example tasking
//! ```
//!
//! It runs against the local sandbox (`up42-testkit`): tasking costs
//! credits, so an example never orders on your account.

use std::time::Duration;

use serde_json::json;
use up42::orders::{NewOrder, OrderOutcome, OrderSubStatus};
use up42::tasking::QuotationDecision;
use up42::{Client, Result};

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
        Ok(client) => flow(&Client::from(client), up42_testkit::seed::TASKING_PRODUCT_ID).await,
        Err(error) => Err(error.into()),
    };
    if let Err(error) = result {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

/// Waits for an order, saying what it sees.
async fn settle(client: &Client, id: &up42::ids::OrderId) -> Result<OrderOutcome> {
    client
        .orders()
        .wait(id)
        .every(Duration::from_millis(200))
        .timeout(Duration::from_secs(24 * 3600))
        .on_progress(|order| {
            let sub_status = order.sub_status().map(|s| s.as_str()).unwrap_or("-");
            println!("   … {} / {sub_status}", order.status)
        })
        .await
}

async fn flow(client: &Client, product: &str) -> std::result::Result<(), Failure> {
    // 1. A new acquisition over Berlin in February.
    let aoi: up42::geojson::FeatureCollection = serde_json::from_value(json!({
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
            "coordinates": [[[13.35, 52.47], [13.42, 52.47], [13.42, 52.53], [13.35, 52.53], [13.35, 52.47]]]}}],
    }))?;
    let order = NewOrder::new(product, "Berlin, February", aoi).params(json!({
        "acquisitionStart": "2026-02-01T00:00:00Z",
        "acquisitionEnd": "2026-02-28T23:59:59Z",
        "acquisitionMode": "MONO",
    }));
    let placement = client.orders().place(&order).await?;
    let id = placement.ids().next().ok_or("nothing was ordered")?.clone();
    println!("1. placed tasking order {id}");

    // 2. UP42 prepares a quotation; the wait ends when it waits for us.
    let outcome = settle(client, &id).await?;
    let OrderOutcome::NeedsDecision(waiting) = outcome else {
        return Err(format!("expected a decision to make: {outcome:?}").into());
    };
    if waiting.sub_status() != Some(&OrderSubStatus::QuotationWaitingResponse) {
        return Err("expected a quotation".into());
    }
    let quotation = client
        .tasking()
        .quotations()
        .for_order(&id)
        .await?
        .ok_or("no quotation")?;
    println!("2. quoted {} credits", quotation.credits_price);

    // 3. Accept it; the order goes ahead.
    client
        .tasking()
        .quotations()
        .decide(&quotation.id, QuotationDecision::Accepted)
        .await?;
    println!("3. accepted");
    let outcome = settle(client, &id).await?;
    let OrderOutcome::Fulfilled(order) = outcome else {
        return Err(format!("the order did not succeed: {outcome:?}").into());
    };
    let coverage = client.tasking().coverage(&order.id).await?;
    println!(
        "4. {} is {}: {} % of {:.1} km² covered",
        order.display_name, order.status, coverage.covered.percentage, coverage.covered.sq_km_area
    );
    Ok(())
}
