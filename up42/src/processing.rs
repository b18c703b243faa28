//! Processing: run a process (`detection-ships-airbus`, `pansharpening`,
//! ...) on items in storage. Check the inputs ([`Validation`]), price them
//! ([`Cost`]), run them ([`Job`]), wait for the job, find its results.
//!
//! A process's inputs are a JSON object: a `title`, and the STAC items to
//! process by their self hrefs (`item`, or `items`, `sourceItem`,
//! `referenceItem`, as the process takes them).
//!
//! ```
//! use serde_json::json;
//! use up42::processing::JobOutcome;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> up42::Result<()> {
//! # let sandbox = up42_testkit::Sandbox::start().await;
//! # let client = up42::Client::from(sandbox.client()?);
//! # let item_href = format!("{}/v2/assets/stac/collections/{}/items/{}", sandbox.api_url(),
//! #     up42_testkit::seed::STAC_COLLECTION_ID, up42_testkit::seed::STAC_ITEM_ID);
//! let processing = client.processing();
//! let inputs = json!({"title": "Ships in the port", "item": item_href});
//! let validation = processing.validate("detection-ships-airbus", &inputs).await?;
//! assert!(validation.is_valid(), "{:?}", validation.errors);
//! let cost = processing.cost("detection-ships-airbus", &inputs).await?;
//! println!("{} credits", cost.total_credits);
//!
//! let job = processing.execute("detection-ships-airbus", &inputs).send().await?;
//! let done = processing.jobs().wait(&job.job_id).every(std::time::Duration::from_millis(10)).await?;
//! assert!(matches!(done, JobOutcome::Succeeded(_)), "{done:?}");
//! # Ok(()) }
//! ```

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use up42_auth::{Paged, up42_endpoint};

use crate::client::Client;
use crate::enums::string_enum;
use crate::ids::{AccountId, BudgetId, EulaId, JobId, ProcessId, StacCollectionId, WorkspaceId};
use crate::list::{Direction, List, ListQuery, PageSize, collect, sealed, sort_key};
use crate::wait::Wait;
use crate::{Error, Query, Result};

string_enum! {
    /// Where a processing job is. UP42 writes them in lower case.
    pub enum JobStatus {
        /// Made, not yet checked.
        Created = "created",
        /// Its licences are in order.
        Licensed = "licensed",
        /// A licence is missing: it will not run.
        Unlicensed = "unlicensed",
        /// Its inputs are valid.
        Valid = "valid",
        /// Its inputs are not valid: it will not run.
        Invalid = "invalid",
        /// Accepted to run.
        Accepted = "accepted",
        /// Refused: it will not run.
        Rejected = "rejected",
        /// Running.
        Running = "running",
        /// Done; its results are in storage and its credits are taken.
        Successful = "successful",
        /// Failed; its credits are released next ([`Released`](Self::Released)).
        Failed = "failed",
        /// Failed, and its reserved credits given back.
        Released = "released",
        /// Done and charged (the name UP42 used before `successful`).
        Captured = "captured",
    }
}

impl JobStatus {
    /// Whether the job will not change any more. `failed` is not: UP42
    /// releases a failed job's credits afterwards, and the job moves on to
    /// `released` (UP42's official SDK waits for that too).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobStatus::Successful
                | JobStatus::Captured
                | JobStatus::Released
                | JobStatus::Invalid
                | JobStatus::Rejected
                | JobStatus::Unlicensed
        )
    }
}

string_enum! {
    /// The fields a job list can be sorted by.
    pub enum JobSortField {
        /// The process.
        ProcessId = "processID",
        /// The status.
        Status = "status",
        /// When it was made.
        Created = "created",
        /// The credits it took.
        Credits = "creditConsumption.credits",
    }
}

/// A process, as UP42 describes it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Process {
    /// Its id.
    pub id: ProcessId,
    /// Its title.
    pub title: Option<String>,
    /// What it does.
    pub description: Option<String>,
    /// UP42's parameters of it: its licence and price among them.
    #[serde(default)]
    pub additional_parameters: AdditionalParameters,
    /// Its version.
    pub version: Option<String>,
    /// How it can be run (OGC API Processes: `async-execute`, ...).
    #[serde(default)]
    pub job_control_options: Vec<String>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Process {
    /// The licence agreement the process needs accepted (its `eula-id` parameter).
    pub fn eula_id(&self) -> Option<EulaId> {
        self.parameter("eula-id")
            .and_then(|value| value.first())
            .and_then(Value::as_str)
            .map(EulaId::from)
    }

    /// What the process costs per unit (its `price` parameter).
    pub fn price(&self) -> Vec<Price> {
        self.parameter("price")
            .map(|values| {
                values
                    .iter()
                    .filter_map(|value| serde_json::from_value(value.clone()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The values of the parameter `name`.
    pub fn parameter(&self, name: &str) -> Option<&[Value]> {
        self.additional_parameters
            .parameters
            .iter()
            .find(|parameter| parameter.name == name)
            .map(|parameter| parameter.value.as_slice())
    }
}

/// A process's UP42 parameters.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct AdditionalParameters {
    /// The parameters, by name.
    #[serde(default)]
    pub parameters: Vec<Parameter>,
}

/// One parameter of a process.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Parameter {
    /// Its name (`eula-id`, `price`, ...).
    pub name: String,
    /// Its values.
    #[serde(default)]
    pub value: Vec<Value>,
}

/// What a process costs per unit.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct Price {
    /// Credits per unit.
    pub credits: f64,
    /// The unit (`SQ_KM`, ...).
    pub unit: String,
}

/// A licence agreement.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Eula {
    /// Its id.
    pub id: EulaId,
    /// Its title.
    pub title: Option<String>,
    /// Its text.
    pub content: Option<String>,
    /// Whether the account has accepted it.
    pub is_accepted: bool,
}

/// What checking a process's inputs found: nothing, when they are valid.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct Validation {
    /// What is wrong with the inputs.
    pub errors: Vec<ValidationError>,
}

impl Validation {
    /// Whether the inputs can be run.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// One thing wrong with a process's inputs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ValidationError {
    /// What kind (`EulaNotAccepted`, `InvalidSchema`, `InvalidItem`, ...).
    pub name: String,
    /// What is wrong.
    pub message: String,
}

/// What running a process on some inputs costs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Cost {
    /// How the price is worked out (`area`, ...).
    pub pricing_strategy: String,
    /// Credits in all.
    pub total_credits: i64,
    /// The size priced.
    pub total_size: Option<f64>,
    /// What the size counts.
    pub unit: Option<String>,
}

/// A processing job.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Job {
    /// Its id.
    #[serde(rename = "jobID")]
    pub job_id: JobId,
    /// The process it runs.
    #[serde(rename = "processID")]
    pub process_id: ProcessId,
    /// The account.
    #[serde(rename = "accountID")]
    pub account_id: AccountId,
    /// The workspace.
    #[serde(rename = "workspaceID")]
    pub workspace_id: Option<WorkspaceId>,
    /// What it was asked to do: `{"inputs": {...}}`.
    pub definition: Value,
    /// Where it is.
    pub status: JobStatus,
    /// When it was made.
    pub created: DateTime<Utc>,
    /// When it last changed.
    pub updated: DateTime<Utc>,
    /// When it started running.
    pub started: Option<DateTime<Utc>>,
    /// When it stopped.
    pub finished: Option<DateTime<Utc>>,
    /// What it made, or why not.
    pub results: Option<JobResults>,
    /// The credits it took.
    #[serde(rename = "creditConsumption")]
    pub credit_consumption: Option<CreditConsumption>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Job {
    /// The STAC collection of its results in storage, once it has succeeded.
    pub fn results_collection(&self) -> Option<StacCollectionId> {
        let url = self.results.as_ref()?.collection.as_deref()?;
        let id = url.trim_end_matches('/').rsplit('/').next()?;
        (!id.is_empty()).then(|| StacCollectionId::from(id))
    }
}

/// What a job made.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct JobResults {
    /// The URL of the STAC collection of its results.
    pub collection: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub errors: Vec<ValidationError>,
}

/// The credits a job took.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CreditConsumption {
    /// How many.
    pub credits: i64,
    /// The hold on the credits while the job ran.
    #[serde(rename = "holdID")]
    pub hold_id: Option<String>,
    /// The consumption that took them.
    #[serde(rename = "consumptionID")]
    pub consumption_id: Option<String>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Client {
    /// Processing: processes, their licences, validation, cost, execution and jobs.
    pub fn processing(&self) -> Processing {
        Processing { client: self.clone() }
    }
}

/// Processing, from [`Client::processing`].
#[derive(Debug, Clone)]
pub struct Processing {
    client: Client,
}

impl Processing {
    /// A process (`GET /v2/processing/processes/{id}`).
    pub fn process(
        &self,
        id: impl Into<ProcessId>,
    ) -> impl Future<Output = Result<Process>> + Send + 'static {
        let (client, id) = (self.client.clone(), id.into());
        async move { get_process(&client, &id).await }
    }

    /// A licence agreement (`GET /v2/eulas/{id}`).
    pub fn eula(&self, id: impl Into<EulaId>) -> impl Future<Output = Result<Eula>> + Send + 'static {
        let (client, id) = (self.client.clone(), id.into());
        async move { get_eula(&client, &id).await }
    }

    /// Checks inputs for a process (`POST …/validation`). What is wrong with
    /// them (a 422 of errors, or a 400 schema error) is the answer, not an
    /// error; a process UP42 does not know is an error (404).
    pub fn validate(
        &self,
        process: impl Into<ProcessId>,
        inputs: &Value,
    ) -> impl Future<Output = Result<Validation>> + Send + 'static {
        let (client, process, inputs) = (self.client.clone(), process.into(), inputs.clone());
        async move {
            match validate_inputs(&client, &process, &Inputs { inputs: &inputs }).await {
                Ok(()) => Ok(Validation::default()),
                Err(error) => validation_errors(&error)
                    .map(|errors| Validation { errors })
                    .ok_or(error),
            }
        }
    }

    /// What running a process on `inputs` would cost (`POST …/cost`).
    pub fn cost(
        &self,
        process: impl Into<ProcessId>,
        inputs: &Value,
    ) -> impl Future<Output = Result<Cost>> + Send + 'static {
        let (client, process, inputs) = (self.client.clone(), process.into(), inputs.clone());
        async move { process_cost(&client, &process, &Inputs { inputs: &inputs }).await }
    }

    /// Runs a process on `inputs` in the client's workspace (`POST …/execution`); `.send()` it.
    pub fn execute(&self, process: impl Into<ProcessId>, inputs: &Value) -> Execution {
        Execution {
            client: self.client.clone(),
            process: process.into(),
            inputs: inputs.clone(),
            budget: None,
        }
    }

    /// Processing jobs.
    pub fn jobs(&self) -> Jobs {
        Jobs {
            client: self.client.clone(),
        }
    }
}

/// What is wrong with inputs, read from UP42's refusal: a 422's
/// `{"errors": [{name, message}]}` or a 400's `{"schema-error": "..."}`.
fn validation_errors(error: &Error) -> Option<Vec<ValidationError>> {
    #[derive(Deserialize)]
    struct Refusal {
        #[serde(default)]
        errors: Vec<ValidationError>,
        #[serde(rename = "schema-error")]
        schema_error: Option<String>,
    }
    let api = error.api()?;
    let refusal: Refusal = api.body_json().ok()?;
    match (api.status.as_u16(), refusal.schema_error) {
        (400, Some(message)) => Some(vec![ValidationError {
            name: "InvalidSchema".to_string(),
            message,
        }]),
        (422, _) if !refusal.errors.is_empty() => Some(refusal.errors),
        _ => None,
    }
}

/// A process run being set up, from [`Processing::execute`]; `.send()` it.
#[derive(Debug)]
#[must_use = "an execution does nothing until it is sent"]
pub struct Execution {
    client: Client,
    process: ProcessId,
    inputs: Value,
    budget: Option<BudgetId>,
}

impl Execution {
    /// The budget the job draws from.
    pub fn budget(mut self, budget: impl Into<BudgetId>) -> Self {
        self.budget = Some(budget.into());
        self
    }

    /// Starts the job; answers it as made. Not retried: a run repeated
    /// after a lost answer would run, and charge, twice.
    pub async fn send(self) -> Result<Job> {
        let workspace = self.client.workspace_id().await?;
        let body = Inputs { inputs: &self.inputs };
        execute_process(
            &self.client,
            &self.process,
            &workspace,
            self.budget.as_ref(),
            &body,
        )
        .await
    }
}

/// A wait for a processing job, from [`Jobs::wait`]; `.await` it for how
/// the job ended ([`JobOutcome`]).
pub type JobWait = Wait<Job, JobOutcome>;

/// How a wait for a processing job ended: on a status that [is
/// terminal](JobStatus::is_terminal).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum JobOutcome {
    /// Done: its results are in storage (`successful`, or `captured` as
    /// UP42 called it before).
    Succeeded(Job),
    /// It will not deliver: it ran and failed, its credits released
    /// (`released`), or it cannot run (`invalid` inputs, `unlicensed`).
    Failed(Job),
    /// UP42 refused to run it (`rejected`); nothing was charged. UP42 has no
    /// status for a job stopped by its owner.
    Canceled(Job),
}

impl JobOutcome {
    /// How a wait for `job`, whose status is terminal, ended.
    fn of(job: Job) -> JobOutcome {
        match job.status {
            JobStatus::Successful | JobStatus::Captured => JobOutcome::Succeeded(job),
            JobStatus::Rejected => JobOutcome::Canceled(job),
            _ => JobOutcome::Failed(job),
        }
    }

    /// The job as the wait last saw it.
    pub fn job(&self) -> &Job {
        match self {
            JobOutcome::Succeeded(job) | JobOutcome::Failed(job) | JobOutcome::Canceled(job) => job,
        }
    }

    /// The job, owned.
    pub fn into_job(self) -> Job {
        match self {
            JobOutcome::Succeeded(job) | JobOutcome::Failed(job) | JobOutcome::Canceled(job) => job,
        }
    }
}

/// Processing jobs, from [`Processing::jobs`].
#[derive(Debug, Clone)]
pub struct Jobs {
    client: Client,
}

impl Jobs {
    /// One job (`GET /v2/processing/jobs/{id}`).
    pub fn get(&self, id: impl Into<JobId>) -> impl Future<Output = Result<Job>> + Send + 'static {
        let (client, id) = (self.client.clone(), id.into());
        async move { get_job(&client, &id).await }
    }

    /// The account's jobs (`GET /v2/processing/jobs`, pages linked to the next).
    pub fn list(&self) -> List<JobQuery> {
        List::new(self.client.clone(), JobQuery::default())
    }

    /// Waits until the job's status [is terminal](JobStatus::is_terminal);
    /// `.await` it for how it ended ([`JobOutcome`]). See [`Wait`] for its
    /// pace and limits.
    pub fn wait(&self, id: impl Into<JobId>) -> JobWait {
        let client = self.client.clone();
        let id = id.into();
        Wait::new(
            move || {
                let (client, id) = (client.clone(), id.clone());
                async move { get_job(&client, &id).await }
            },
            |job: &Job| job.status.is_terminal(),
            JobOutcome::of,
        )
    }
}

/// The filters of a job list, from [`Jobs::list`]: a field each, sent as
/// the query key serde names it (checked against `GET /v2/processing/jobs`
/// at compile time).
#[derive(Debug, Clone, Default, Serialize, Query)]
#[serde(rename_all = "camelCase")]
pub struct JobQuery {
    workspace_id: Option<WorkspaceId>,
    #[serde(rename = "processId")]
    #[query(comma)]
    process_ids: Vec<ProcessId>,
    #[query(comma)]
    status: Vec<JobStatus>,
    #[query(comma)]
    ids: Vec<JobId>,
    min_duration: Option<u64>,
    max_duration: Option<u64>,
    limit: Option<u32>,
    sort: Option<String>,
}

impl sealed::Sealed for JobQuery {}
impl PageSize for JobQuery {}

impl ListQuery for JobQuery {
    type Item = Job;

    fn paged(&self, client: &Client, size: Option<u32>) -> Paged<Job> {
        let query = JobQuery {
            limit: size.or(self.limit),
            ..self.clone()
        };
        list_jobs(client, &query)
    }
}

/// The filters of a job list.
impl List<JobQuery> {
    /// Only the jobs of this workspace.
    pub fn workspace(mut self, id: impl Into<WorkspaceId>) -> Self {
        self.query.workspace_id = Some(id.into());
        self
    }

    /// Only jobs of these processes.
    pub fn processes<I: Into<ProcessId>>(mut self, ids: impl IntoIterator<Item = I>) -> Self {
        self.query.process_ids = collect(ids);
        self
    }

    /// Only jobs in one of these statuses.
    pub fn status(mut self, statuses: impl IntoIterator<Item = JobStatus>) -> Self {
        self.query.status = collect(statuses);
        self
    }

    /// Only these jobs.
    pub fn ids<I: Into<JobId>>(mut self, ids: impl IntoIterator<Item = I>) -> Self {
        self.query.ids = collect(ids);
        self
    }

    /// Only jobs that ran at least this long (whole seconds).
    pub fn min_duration(mut self, duration: Duration) -> Self {
        self.query.min_duration = Some(duration.as_secs());
        self
    }

    /// Only jobs that ran at most this long (whole seconds).
    pub fn max_duration(mut self, duration: Duration) -> Self {
        self.query.max_duration = Some(duration.as_secs());
        self
    }

    /// Sorted by `field`.
    pub fn sort(mut self, field: JobSortField, direction: Direction) -> Self {
        self.query.sort = Some(sort_key(&field, &direction));
        self
    }
}

/// The body of the validation, cost and execution calls.
#[derive(Serialize)]
struct Inputs<'a> {
    inputs: &'a Value,
}

#[up42_endpoint(GET, "/v2/processing/processes/{process_id}", bundled)]
async fn get_process(client: &Client, process_id: &ProcessId) -> Result<Process>;

#[up42_endpoint(GET, "/v2/eulas/{eula_id}", bundled)]
async fn get_eula(client: &Client, eula_id: &EulaId) -> Result<Eula>;

#[up42_endpoint(
    POST,
    "/v2/processing/processes/{process_id}/validation",
    retry = true,
    bundled
)]
async fn validate_inputs(client: &Client, process_id: &ProcessId, #[body] inputs: &Inputs<'_>) -> Result<()>;

#[up42_endpoint(POST, "/v2/processing/processes/{process_id}/cost", retry = true, bundled)]
async fn process_cost(client: &Client, process_id: &ProcessId, #[body] inputs: &Inputs<'_>) -> Result<Cost>;

#[up42_endpoint(POST, "/v2/processing/processes/{process_id}/execution", bundled)]
async fn execute_process(
    client: &Client,
    process_id: &ProcessId,
    #[query("workspaceId")] workspace_id: &WorkspaceId,
    #[query("budgetId")] budget_id: Option<&BudgetId>,
    #[body] inputs: &Inputs<'_>,
) -> Result<Job>;

#[up42_endpoint(GET, "/v2/processing/jobs/{job_id}", bundled)]
async fn get_job(client: &Client, job_id: &JobId) -> Result<Job>;

#[up42_endpoint(GET, "/v2/processing/jobs", paged = "jobs", bundled)]
fn list_jobs(client: &Client, #[query(flatten)] filters: &JobQuery) -> Paged<Job>;
