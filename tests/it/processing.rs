//! Processing through the typed client: from a process and its licence to
//! a job's results in storage.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::TryStreamExt;
use serde_json::{Value, json};
use up42::list::Direction;
use up42::processing::{JobOutcome, JobSortField, JobStatus};
use up42_testkit::{Sandbox, seed};

use crate::fixtures::{self, queries};

/// Inputs for `process` on the seeded delivery's item.
fn inputs(sandbox: &Sandbox) -> Value {
    let item = format!(
        "{}/v2/assets/stac/collections/{}/items/{}",
        sandbox.api_url(),
        seed::STAC_COLLECTION_ID,
        seed::STAC_ITEM_ID
    );
    json!({"title": "typed", "item": item})
}

#[tokio::test]
async fn a_process_names_its_licence_and_price() {
    let (_sandbox, client) = fixtures::start().await;
    let process = client.processing().process(seed::PROCESS_ID).await.unwrap();
    assert_eq!(process.id, seed::PROCESS_ID);
    let eula_id = process.eula_id().expect("an eula-id parameter");
    assert!(process.price()[0].credits > 0.0);
    let eula = client.processing().eula(&eula_id).await.unwrap();
    assert_eq!(eula.id, eula_id);
    assert!(eula.is_accepted);
}

#[tokio::test]
async fn validation_problems_are_data_and_an_unknown_process_is_an_error() {
    let (sandbox, client) = fixtures::start().await;
    let processing = client.processing();
    assert!(
        processing
            .validate(seed::PROCESS_ID, &inputs(&sandbox))
            .await
            .unwrap()
            .is_valid()
    );

    let unlicensed = processing
        .validate("detection-cars-oi", &inputs(&sandbox))
        .await
        .unwrap();
    assert_eq!(unlicensed.errors[0].name, "EulaNotAccepted");

    let schema = processing
        .validate(seed::PROCESS_ID, &json!({"item": "x"}))
        .await
        .unwrap();
    assert_eq!(schema.errors[0].name, "InvalidSchema");
    assert!(schema.errors[0].message.contains("title"));

    let unknown = processing
        .validate("no-such-process", &inputs(&sandbox))
        .await
        .unwrap_err();
    assert_eq!(unknown.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn a_job_runs_to_success_and_its_results_are_in_storage() {
    let (sandbox, client) = fixtures::start().await;
    let processing = client.processing();
    let cost = processing
        .cost(seed::PROCESS_ID, &inputs(&sandbox))
        .await
        .unwrap();
    assert!(cost.total_credits > 0);

    let job = processing
        .execute(seed::PROCESS_ID, &inputs(&sandbox))
        .budget(seed::BUDGET_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(job.status, JobStatus::Created);
    assert_eq!(job.workspace_id.as_ref().unwrap(), up42_testkit::WORKSPACE_ID);
    let execution = &queries(
        &sandbox,
        &format!("/v2/processing/processes/{}/execution", seed::PROCESS_ID),
    )[0];
    assert!(
        execution.contains(&format!("budgetId={}", seed::BUDGET_ID)),
        "{execution}"
    );

    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let done = processing
        .jobs()
        .wait(&job.job_id)
        .every(Duration::from_millis(1))
        .on_progress(move |job| log.lock().unwrap().push(job.status.clone()))
        .await
        .unwrap();
    let JobOutcome::Succeeded(done) = done else {
        panic!("the job did not succeed: {done:?}");
    };
    assert_eq!(done.status, JobStatus::Successful);
    assert_eq!(seen.lock().unwrap().last(), Some(&JobStatus::Successful));
    assert!(
        seen.lock().unwrap().len() > 1,
        "it ran through other statuses first"
    );
    assert!(done.finished.is_some() && done.credit_consumption.is_some());

    let results = done.results_collection().expect("a results collection");
    let collection = client.storage().collection(&results).await.unwrap();
    assert_eq!(collection.id, results);
}

#[tokio::test]
async fn a_failed_job_is_waited_on_until_its_credits_are_released() {
    let (sandbox, client) =
        fixtures::with(Sandbox::builder().job_status_schedule(&[("created", 1), ("failed", 2)], "released"))
            .await;
    let job = client
        .processing()
        .execute(seed::PROCESS_ID, &inputs(&sandbox))
        .send()
        .await
        .unwrap();
    let done = client
        .processing()
        .jobs()
        .wait(&job.job_id)
        .every(Duration::from_millis(1))
        .await
        .unwrap();
    assert!(matches!(done, JobOutcome::Failed(_)), "{done:?}");
    assert_eq!(done.job().status, JobStatus::Released);
    assert!(!JobStatus::Failed.is_terminal());
}

#[tokio::test]
async fn jobs_list_follows_next_links_with_comma_joined_filters() {
    let (sandbox, client) = fixtures::start().await;
    let jobs: Vec<_> = client
        .processing()
        .jobs()
        .list()
        .status([
            JobStatus::Successful,
            JobStatus::Captured,
            JobStatus::Failed,
            JobStatus::Released,
        ])
        .sort(JobSortField::Created, Direction::Ascending)
        .page_size(1)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(jobs.len() as u64, seed::JOB_COUNT);
    let asked = queries(&sandbox, "/v2/processing/jobs");
    assert_eq!(asked.len() as u64, seed::JOB_COUNT, "one page a job: {asked:?}");
    assert!(
        asked[0].contains("status=successful%2Ccaptured%2Cfailed%2Creleased"),
        "{}",
        asked[0]
    );
    let one = client.processing().jobs().get(seed::JOB_ID).await.unwrap();
    assert_eq!(one.job_id, seed::JOB_ID);
}
