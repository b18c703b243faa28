//! A processing job with the typed client: check a process's licence,
//! validate and price the inputs, run the job, wait for it, find its
//! results in storage.
//!
//! ```text
//! cargo run --example processing
//! ```
//!
//! It runs against the local sandbox (`up42-testkit`): jobs cost credits,
//! so an example never runs one on your account.

use std::time::Duration;

use futures_util::TryStreamExt;
use serde_json::json;
use up42::Client;
use up42::processing::JobOutcome;

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
        Ok(client) => flow(&Client::from(client), up42_testkit::seed::PROCESS_ID).await,
        Err(error) => Err(error.into()),
    };
    if let Err(error) = result {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn flow(client: &Client, process_id: &str) -> std::result::Result<(), Failure> {
    let processing = client.processing();

    // 1. The process, and whether its licence is accepted.
    let process = processing.process(process_id).await?;
    if let Some(eula_id) = process.eula_id() {
        let eula = processing.eula(eula_id).await?;
        println!(
            "1. {}: licence {:?} accepted: {}",
            process.id, eula.title, eula.is_accepted
        );
    }

    // 2. An item of a delivery in storage to process.
    let mut collections = client.storage().collections().items();
    let collection = collections.try_next().await?.ok_or("storage is empty")?;
    let item = client
        .storage()
        .items(&collection.id)
        .items()
        .try_next()
        .await?
        .ok_or("the collection is empty")?;
    let href = item.self_href().ok_or("the item has no self link")?;
    let inputs = json!({"title": "Ships in the port", "item": href});
    println!("2. processing item {}", item.id);

    // 3. Validate and price the inputs.
    let validation = processing.validate(process_id, &inputs).await?;
    if !validation.is_valid() {
        return Err(format!("invalid inputs: {:?}", validation.errors).into());
    }
    let cost = processing.cost(process_id, &inputs).await?;
    println!(
        "3. valid; it costs {} credits ({})",
        cost.total_credits, cost.pricing_strategy
    );

    // 4. Run it and wait.
    let job = processing.execute(process_id, &inputs).send().await?;
    println!("4. job {} is {}", job.job_id, job.status);
    let job = processing
        .jobs()
        .wait(&job.job_id)
        .every(Duration::from_millis(200))
        .timeout(Duration::from_secs(3600))
        .on_progress(|job| println!("   … {}", job.status))
        .await?;
    let job = match job {
        JobOutcome::Succeeded(job) => job,
        other => {
            let job = other.job();
            return Err(format!("the job ended {}: {:?}", job.status, job.results).into());
        }
    };

    // 5. Its results: a STAC collection in storage.
    let results = job.results_collection().ok_or("no results")?;
    let items: Vec<_> = client.storage().items(&results).items().try_collect().await?;
    println!("5. results in collection {results}: {} item(s)", items.len());
    Ok(())
}
