//! Processing: processes (with their EULA and price), EULAs, input
//! validation (400 `schema-error`, 422 `errors`), cost, execution creating a
//! job that moves through UP42's lower-case statuses to its results in
//! storage, and the jobs list with next links and comma-joined filters.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Params, any_of, json_body};
use crate::seed::{self, Caller};
use crate::shapes::{self, error, link};
use crate::state::{JobRecord, Shared, Store};

/// Credits per input item of a process.
fn price(process_id: &str) -> u64 {
    match process_id {
        "pansharpening" | "true-color-conversion" => 10,
        _ => 40,
    }
}

/// `GET /v2/processing/processes/{process_id}`: the process description with
/// `additionalParameters` (`eula-id`, `price`), or UP42's 404.
pub(crate) async fn process(State(shared): State<Arc<Shared>>, Path(process_id): Path<String>) -> Response {
    if !seed::PROCESSES.contains(&process_id.as_str()) {
        return error::not_found("Process", &process_id);
    }
    let eula = seed::eula_of(seed::process_provider(&process_id));
    Json(json!({
        "id": process_id,
        "title": process_id.replace('-', " "),
        "description": format!("The sandbox's {process_id}"),
        "version": "1.0.0",
        "jobControlOptions": ["async-execute"],
        "additionalParameters": {"parameters": [
            {"name": "eula-id", "value": [eula]},
            {"name": "price", "value": [{"credits": price(&process_id), "unit": "SQ_KM"}]},
        ]},
        "links": [link("self", &shared.url(&format!("/v2/processing/processes/{process_id}")), "application/json")],
    }))
    .into_response()
}

/// `GET /v2/eulas/{eula_id}`: `{id, title, content, isAccepted}`.
pub(crate) async fn eula(Path(eula_id): Path<String>) -> Response {
    if !seed::eula_known(&eula_id) {
        return error::not_found("EULA", &eula_id);
    }
    Json(json!({
        "id": eula_id,
        "title": format!("Licence {eula_id}"),
        "content": "Use the sandbox's data for testing only.",
        "isAccepted": seed::eula_accepted(&eula_id),
    }))
    .into_response()
}

/// The STAC item hrefs among a job's inputs (`item`, `items`, `sourceItem`,
/// `referenceItem`).
fn item_hrefs(inputs: &Value) -> Vec<&str> {
    let mut hrefs: Vec<&str> = ["item", "sourceItem", "referenceItem"]
        .iter()
        .filter_map(|key| inputs[key].as_str())
        .collect();
    hrefs.extend(
        inputs["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str),
    );
    hrefs
}

/// Checks a process's inputs as UP42 does: the process must exist (404),
/// the body must be `{"inputs": {"title", item...}}` (400 `schema-error`),
/// the EULA accepted and every item one of the caller's (422 `errors`).
/// Answers how many items there are.
fn check(
    store: &mut Store,
    caller: &Caller,
    process_id: &str,
    body: &[u8],
) -> Result<(Value, usize), Response> {
    if !seed::PROCESSES.contains(&process_id) {
        return Err(error::not_found("Process", process_id));
    }
    let body = json_body(body)?;
    let inputs = body["inputs"].clone();
    if !inputs.is_object() {
        return Err(error::schema_error("inputs: required property is missing"));
    }
    if !inputs["title"].is_string() {
        return Err(error::schema_error("inputs.title: required property is missing"));
    }
    let hrefs = item_hrefs(&inputs);
    if hrefs.is_empty() {
        return Err(error::schema_error("inputs.item: required property is missing"));
    }
    let mut errors = Vec::new();
    let eula = seed::eula_of(seed::process_provider(process_id));
    if !seed::eula_accepted(&eula) {
        errors.push((
            "EulaNotAccepted".to_string(),
            format!("EULA {eula} for the process {process_id} is not accepted"),
        ));
    }
    for href in &hrefs {
        let known = store.world.storage().stac.iter().any(|s| {
            s.collection["up42-system:account_id"] == caller.account_id.as_str()
                && s.items.iter().any(|i| i["links"][0]["href"] == *href)
        });
        if !known {
            errors.push((
                "InvalidItem".to_string(),
                format!("{href} is not a STAC item of the workspace"),
            ));
        }
    }
    let items = hrefs.len();
    match errors.is_empty() {
        true => Ok((inputs, items)),
        false => Err(error::validation(errors)),
    }
}

/// `POST /v2/processing/processes/{process_id}/validation`: 204 when the
/// inputs are valid.
pub(crate) async fn validate(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(process_id): Path<String>,
    body: Bytes,
) -> Response {
    match check(&mut shared.store(), &caller, &process_id, &body) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(response) => response,
    }
}

/// `POST /v2/processing/processes/{process_id}/cost`: `{pricingStrategy,
/// totalCredits, totalSize, unit}`.
pub(crate) async fn cost(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(process_id): Path<String>,
    body: Bytes,
) -> Response {
    match check(&mut shared.store(), &caller, &process_id, &body) {
        Ok((_, items)) => {
            let size = 4.0 * items as f64;
            let credits = (size * price(&process_id) as f64).ceil() as u64;
            Json(json!({"pricingStrategy": "area", "totalCredits": credits, "totalSize": size, "unit": "SQ_KM"})).into_response()
        }
        Err(response) => response,
    }
}

/// `POST /v2/processing/processes/{process_id}/execution?workspaceId=&budgetId=`:
/// a new job in status `created`, moved along the job schedule as it is fetched.
pub(crate) async fn execute(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(process_id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    let params = Params(query);
    let Some(workspace) = params.one("workspaceId") else {
        return error::current(StatusCode::BAD_REQUEST, "workspaceId is required");
    };
    if workspace != caller.workspace_id {
        return error::current(
            StatusCode::FORBIDDEN,
            format!("workspace {workspace} is not yours"),
        );
    }
    let mut store = shared.store();
    let (inputs, _) = match check(&mut store, &caller, &process_id, &body) {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    if let Some(budget) = params.one("budgetId")
        && !store.world.budgets.iter().any(|b| b["id"] == budget)
    {
        return error::not_found("Budget", budget);
    }
    let id = shapes::uuid("10b00000", store.next_serial());
    let job = shapes::job(
        &id,
        &process_id,
        workspace,
        &caller.account_id,
        &inputs,
        "created",
    );
    store.world.jobs.push(JobRecord {
        value: job.clone(),
        polls: Some(0),
    });
    (StatusCode::CREATED, Json(job)).into_response()
}

/// One fetch of a job: a scheduled job shows its next status; when it
/// succeeds its results become a STAC collection.
fn observe(shared: &Shared, store: &mut Store, index: usize) {
    let serial = store.next_serial();
    let record = &mut store.world.jobs[index];
    let Some(polls) = record.polls else {
        return;
    };
    let status = shared.config.job_schedule.at(polls).to_string();
    record.polls = Some(polls.saturating_add(1));
    let job = &mut record.value;
    if job["status"] == status.as_str() {
        return;
    }
    let now = shapes::now_nanos();
    if job["started"].is_null() && status != "created" {
        job["started"] = json!(now);
    }
    job["status"] = json!(status);
    job["updated"] = json!(now);
    let terminal = matches!(
        status.as_str(),
        "successful" | "failed" | "released" | "captured" | "invalid" | "rejected" | "unlicensed"
    );
    if !terminal {
        return;
    }
    job["finished"] = json!(now);
    // A failed job moves on to `released` when its credits are given back,
    // as UP42's are: it stays on the schedule.
    if status != "failed" {
        record.polls = None;
    }
    match status.as_str() {
        "successful" | "captured" | "released" if !job["results"].is_object() => {
            let url = |path: &str| shared.url(path);
            let results = seed::results_collection(&url, job, serial);
            let collection = url(&format!(
                "/v2/assets/stac/collections/{}",
                results.record.collection["id"].as_str().unwrap_or_default()
            ));
            job["results"] = json!({"collection": collection});
            job["creditConsumption"] =
                json!({"credits": price(job["processID"].as_str().unwrap_or_default())});
            results.store(store.world.storage());
        }
        "failed" => {
            job["results"] = json!({"errors": [{"name": "ProcessingFailed", "message": "The sandbox's schedule ended this job in failure."}]});
        }
        _ => {}
    }
}

/// `GET /v2/processing/jobs/{job_id}`: the job, moved one step along.
pub(crate) async fn job(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(job_id): Path<String>,
) -> Response {
    let mut store = shared.store();
    let Some(index) = store
        .world
        .jobs
        .iter()
        .position(|j| j.value["jobID"] == job_id.as_str() && caller.owns(&j.value))
    else {
        return error::not_found("Job", &job_id);
    };
    observe(&shared, &mut store, index);
    Json(store.world.jobs[index].value.clone()).into_response()
}

/// A job's run time in seconds, when it ran.
fn duration(job: &Value) -> Option<i64> {
    let time = |key: &str| {
        job[key]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    };
    Some((time("finished")? - time("started")?).num_seconds())
}

/// `GET /v2/processing/jobs`: the caller's jobs, filtered by `workspaceId`,
/// `processId`, `status`, `ids` (comma-joined), `minDuration` and
/// `maxDuration` (seconds), sorted, `limit` at a time (default 10) with a
/// relative `next` link in `links`.
pub(crate) async fn jobs(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let params = Params(query);
    let numbers = ["limit", "page", "minDuration", "maxDuration"].map(|key| params.number(key));
    let [limit, page, min, max] = match numbers {
        [Ok(a), Ok(b), Ok(c), Ok(d)] => [a, b, c, d],
        _ => {
            return numbers
                .into_iter()
                .find_map(Result::err)
                .unwrap_or_else(|| StatusCode::BAD_REQUEST.into_response());
        }
    };
    let limit = limit.unwrap_or(10).clamp(1, 100) as usize;
    let page = page.unwrap_or(0) as usize;
    let (processes, statuses, ids) = (
        params.list("processId"),
        params.list("status"),
        params.list("ids"),
    );
    let mut jobs: Vec<Value> = shared
        .store()
        .world
        .jobs
        .iter()
        .map(|j| &j.value)
        .filter(|j| caller.owns(j))
        .filter(|j| params.one("workspaceId").is_none_or(|w| j["workspaceID"] == w))
        .filter(|j| any_of(&processes, &j["processID"]))
        .filter(|j| any_of(&statuses, &j["status"]))
        .filter(|j| any_of(&ids, &j["jobID"]))
        .filter(|j| min.is_none_or(|m| duration(j).is_some_and(|d| d >= m as i64)))
        .filter(|j| max.is_none_or(|m| duration(j).is_some_and(|d| d <= m as i64)))
        .cloned()
        .collect();
    if let Err(response) = params.sort(
        &mut jobs,
        &["processID", "status", "created", "creditConsumption.credits"],
    ) {
        return response;
    }
    let start = page.saturating_mul(limit).min(jobs.len());
    let end = (start + limit).min(jobs.len());
    let mut links = Vec::new();
    if end < jobs.len() {
        let kept: Vec<(String, String)> = params
            .0
            .iter()
            .filter(|(k, _)| k != "page" && k != "limit")
            .cloned()
            .collect();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .extend_pairs(kept)
            .append_pair("limit", &limit.to_string())
            .append_pair("page", &(page + 1).to_string());
        links.push(json!({"rel": "next", "href": format!("/v2/processing/jobs?{}", query.finish())}));
    }
    Json(json!({"jobs": &jobs[start..end], "links": links})).into_response()
}
