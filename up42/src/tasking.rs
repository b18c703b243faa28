//! Tasking: the decisions a tasking order waits for (a feasibility option
//! to choose, a [`Quotation`] to accept or reject) and how much of the
//! ordered area is covered ([`OrderCoverage`]).
//!
//! A tasking order waits in [`OrderStatus::BeingPlaced`](crate::orders::OrderStatus::BeingPlaced)
//! while UP42 prepares a study or quotation;
//! [`Orders::wait`](crate::orders::Orders::wait) ends with
//! [`OrderOutcome::NeedsDecision`](crate::orders::OrderOutcome::NeedsDecision)
//! once one waits for the user:
//!
//! ```
//! use up42::orders::{OrderOutcome, OrderSubStatus};
//! use up42::tasking::QuotationDecision;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> up42::Result<()> {
//! # let sandbox = up42_testkit::Sandbox::start().await;
//! # let client = up42::Client::from(sandbox.client()?);
//! # let order_id = up42_testkit::seed::TASKING_ORDER_ID;
//! let outcome = client.orders().wait(order_id).await?;
//! if let OrderOutcome::NeedsDecision(order) = outcome {
//!     if order.sub_status() == Some(&OrderSubStatus::QuotationWaitingResponse) {
//!         let quotation = client.tasking().quotations().for_order(&order.id).await?.expect("a quotation");
//!         println!("{} credits", quotation.credits_price);
//!         client.tasking().quotations().decide(&quotation.id, QuotationDecision::Accepted).await?;
//!     }
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use up42_auth::{Paged, up42_endpoint};

use crate::client::Client;
use crate::enums::string_enum;
use crate::ids::{AccountId, FeasibilityOptionId, FeasibilityStudyId, OrderId, QuotationId, WorkspaceId};
use crate::list::{Direction, List, ListQuery, PageSize, collect, sealed, sort_key};
use crate::{Query, Result};

string_enum! {
    /// The user's answer to a quotation.
    pub enum QuotationDecision {
        /// Not answered yet.
        NotDecided = "NOT_DECIDED",
        /// Accepted: the order goes ahead at the quoted price.
        Accepted = "ACCEPTED",
        /// Rejected: the order fails.
        Rejected = "REJECTED",
    }
}

string_enum! {
    /// The user's answer to a feasibility study.
    pub enum FeasibilityDecision {
        /// No option chosen yet.
        NotDecided = "NOT_DECIDED",
        /// An option was chosen.
        Accepted = "ACCEPTED",
    }
}

string_enum! {
    /// The fields a quotation list can be sorted by.
    pub enum QuotationSortField {
        /// When it was made.
        CreatedAt = "createdAt",
        /// Its price.
        CreditsPrice = "creditsPrice",
        /// When it was decided.
        DecisionAt = "decisionAt",
        /// When it last changed.
        UpdatedAt = "updatedAt",
    }
}

string_enum! {
    /// The fields a feasibility study list can be sorted by.
    pub enum FeasibilitySortField {
        /// When it was made.
        CreatedAt = "createdAt",
        /// When it last changed.
        UpdatedAt = "updatedAt",
        /// When it was decided.
        DecisionAt = "decisionAt",
    }
}

/// The price of a tasking order, to accept or reject.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Quotation {
    /// Its id.
    pub id: QuotationId,
    /// The order it prices.
    pub order_id: OrderId,
    /// The price.
    pub credits_price: i64,
    /// The user's answer.
    pub decision: QuotationDecision,
    /// When it was answered.
    pub decision_at: Option<DateTime<Utc>>,
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The account.
    pub account_id: AccountId,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The ways a tasking order can be acquired, to choose one of.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FeasibilityStudy {
    /// Its id.
    pub id: FeasibilityStudyId,
    /// The order it studies.
    pub order_id: OrderId,
    /// The user's answer.
    pub decision: FeasibilityDecision,
    /// The options, as the provider describes them.
    #[serde(default)]
    pub options: Vec<FeasibilityOption>,
    /// The option chosen.
    pub decision_option: Option<FeasibilityOption>,
    /// When it was answered.
    pub decision_at: Option<DateTime<Utc>>,
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The account.
    pub account_id: AccountId,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One way to acquire a tasking order.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct FeasibilityOption {
    /// Its id: what [`FeasibilityStudies::choose`] takes.
    pub id: FeasibilityOptionId,
    /// What it offers.
    pub description: Option<String>,
    /// The provider's other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// How much of a tasking order's area has been acquired.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderCoverage {
    /// Acquired.
    pub covered: GeometryMetrics,
    /// Still to acquire.
    pub remainder: GeometryMetrics,
}

/// An area and its share of the order's.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GeometryMetrics {
    /// Its area, in square kilometres.
    pub sq_km_area: f64,
    /// Its share of the order's area, in percent.
    pub percentage: f64,
    /// The area.
    pub geometry: geojson::Geometry,
}

impl Client {
    /// Tasking: quotations, feasibility studies and order coverage.
    pub fn tasking(&self) -> Tasking {
        Tasking { client: self.clone() }
    }
}

/// Tasking, from [`Client::tasking`].
#[derive(Debug, Clone)]
pub struct Tasking {
    client: Client,
}

impl Tasking {
    /// Quotations.
    pub fn quotations(&self) -> Quotations {
        Quotations {
            client: self.client.clone(),
        }
    }

    /// Feasibility studies.
    pub fn feasibility_studies(&self) -> FeasibilityStudies {
        FeasibilityStudies {
            client: self.client.clone(),
        }
    }

    /// How much of a tasking order's area is covered (`GET /v2/coverage/orders/{id}`).
    pub fn coverage(
        &self,
        order: impl Into<OrderId>,
    ) -> impl Future<Output = Result<OrderCoverage>> + Send + 'static {
        let (client, order) = (self.client.clone(), order.into());
        async move { order_coverage(&client, &order).await }
    }
}

/// Quotations, from [`Tasking::quotations`].
#[derive(Debug, Clone)]
pub struct Quotations {
    client: Client,
}

impl Quotations {
    /// The account's quotations (`GET /v2/tasking/quotation`).
    pub fn list(&self) -> List<TaskingQuery<Quotation>> {
        List::new(self.client.clone(), TaskingQuery::default())
    }

    /// The newest quotation of a tasking order, if UP42 has made one.
    pub fn for_order(
        &self,
        order: impl Into<OrderId>,
    ) -> impl Future<Output = Result<Option<Quotation>>> + Send + 'static {
        self.list().newest_of(order.into(), QuotationSortField::CreatedAt)
    }

    /// Accepts or rejects a quotation (`PATCH /v2/tasking/quotation/{id}`);
    /// answers it as it is now. UP42 refuses a second decision.
    pub fn decide(
        &self,
        id: impl Into<QuotationId>,
        decision: QuotationDecision,
    ) -> impl Future<Output = Result<Quotation>> + Send + 'static {
        let (client, id) = (self.client.clone(), id.into());
        async move { decide_quotation(&client, &id, &QuotationAnswer { decision }).await }
    }
}

/// Feasibility studies, from [`Tasking::feasibility_studies`].
#[derive(Debug, Clone)]
pub struct FeasibilityStudies {
    client: Client,
}

impl FeasibilityStudies {
    /// The account's feasibility studies (`GET /v2/tasking/feasibility-studies`).
    pub fn list(&self) -> List<TaskingQuery<FeasibilityStudy>> {
        List::new(self.client.clone(), TaskingQuery::default())
    }

    /// The newest feasibility study of a tasking order, if UP42 has made one.
    pub fn for_order(
        &self,
        order: impl Into<OrderId>,
    ) -> impl Future<Output = Result<Option<FeasibilityStudy>>> + Send + 'static {
        self.list()
            .newest_of(order.into(), FeasibilitySortField::CreatedAt)
    }

    /// Chooses an option of a study (`PATCH /v2/tasking/feasibility-studies/{id}`);
    /// answers the study as it is now. UP42 refuses a second choice.
    pub fn choose(
        &self,
        id: impl Into<FeasibilityStudyId>,
        option: impl Into<FeasibilityOptionId>,
    ) -> impl Future<Output = Result<FeasibilityStudy>> + Send + 'static {
        let (client, id) = (self.client.clone(), id.into());
        let answer = FeasibilityAnswer {
            accepted_option_id: option.into(),
        };
        async move { decide_feasibility(&client, &id, &answer).await }
    }
}

/// The filters of a quotation or feasibility study list, set on [`List`]
/// by its methods below: a field each, sent as the query key serde names it
/// (checked against each list's endpoint at compile time).
#[derive(Debug, Clone, Serialize, Query)]
#[serde(rename_all = "camelCase", bound = "")]
pub struct TaskingQuery<T: TaskingDocument> {
    id: Vec<T::Id>,
    workspace_id: Option<WorkspaceId>,
    order_id: Option<OrderId>,
    decision: Vec<T::Decision>,
    sort: Option<String>,
}

impl<T: TaskingDocument> Default for TaskingQuery<T> {
    fn default() -> Self {
        TaskingQuery {
            id: Vec::new(),
            workspace_id: None,
            order_id: None,
            decision: Vec::new(),
            sort: None,
        }
    }
}

/// What the tasking lists hold: [`Quotation`]s and [`FeasibilityStudy`]s,
/// each with its id, decisions and sort fields.
pub trait TaskingDocument: sealed::Sealed + Clone + fmt::Debug + Send + Sync + 'static {
    /// Its id.
    type Id: Serialize + Clone + fmt::Debug + Send + Sync;
    /// The user's answers to it.
    type Decision: Serialize + Clone + fmt::Debug + Send + Sync;
    /// The fields its list can be sorted by.
    type SortField: fmt::Display;
}

impl sealed::Sealed for Quotation {}

impl TaskingDocument for Quotation {
    type Id = QuotationId;
    type Decision = QuotationDecision;
    type SortField = QuotationSortField;
}

impl sealed::Sealed for FeasibilityStudy {}

impl TaskingDocument for FeasibilityStudy {
    type Id = FeasibilityStudyId;
    type Decision = FeasibilityDecision;
    type SortField = FeasibilitySortField;
}

impl<T: TaskingDocument> sealed::Sealed for TaskingQuery<T> {}
impl PageSize for TaskingQuery<Quotation> {}
impl PageSize for TaskingQuery<FeasibilityStudy> {}

impl ListQuery for TaskingQuery<Quotation> {
    type Item = Quotation;

    fn paged(&self, client: &Client, size: Option<u32>) -> Paged<Quotation> {
        list_quotations(client, self, size)
    }
}

impl ListQuery for TaskingQuery<FeasibilityStudy> {
    type Item = FeasibilityStudy;

    fn paged(&self, client: &Client, size: Option<u32>) -> Paged<FeasibilityStudy> {
        list_feasibility_studies(client, self, size)
    }
}

/// The filters of a quotation or feasibility study list.
impl<T: TaskingDocument> List<TaskingQuery<T>>
where
    TaskingQuery<T>: ListQuery,
{
    /// Only the decisions of this tasking order.
    pub fn order(mut self, order: impl Into<OrderId>) -> Self {
        self.query.order_id = Some(order.into());
        self
    }

    /// Only these ids.
    pub fn ids<I: Into<T::Id>>(mut self, ids: impl IntoIterator<Item = I>) -> Self {
        self.query.id = collect(ids);
        self
    }

    /// Only the decisions of this workspace.
    pub fn workspace(mut self, id: impl Into<WorkspaceId>) -> Self {
        self.query.workspace_id = Some(id.into());
        self
    }

    /// Only those with one of these decisions.
    pub fn decision(mut self, decisions: impl IntoIterator<Item = T::Decision>) -> Self {
        self.query.decision = collect(decisions);
        self
    }

    /// Sorted by `field`.
    pub fn sort(mut self, field: T::SortField, direction: Direction) -> Self {
        self.query.sort = Some(sort_key(&field, &direction));
        self
    }

    /// The newest of an order's, by `created`: one request, UP42 sorting.
    async fn newest_of(self, order: OrderId, created: T::SortField) -> Result<Option<T>>
    where
        TaskingQuery<T>: ListQuery<Item = T> + PageSize,
    {
        let newest = self
            .order(order)
            .sort(created, Direction::Descending)
            .page_size(1)
            .send()
            .await?;
        Ok(newest.items.into_iter().next())
    }
}

#[derive(Serialize)]
struct QuotationAnswer {
    decision: QuotationDecision,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FeasibilityAnswer {
    accepted_option_id: FeasibilityOptionId,
}

#[up42_endpoint(GET, "/v2/tasking/quotation", paged, bundled)]
fn list_quotations(
    client: &Client,
    #[query(flatten)] filters: &TaskingQuery<Quotation>,
    #[query] size: Option<u32>,
) -> Paged<Quotation>;

#[up42_endpoint(PATCH, "/v2/tasking/quotation/{quotation_id}", bundled)]
async fn decide_quotation(
    client: &Client,
    quotation_id: &QuotationId,
    #[body] answer: &QuotationAnswer,
) -> Result<Quotation>;

#[up42_endpoint(GET, "/v2/tasking/feasibility-studies", paged, bundled)]
fn list_feasibility_studies(
    client: &Client,
    #[query(flatten)] filters: &TaskingQuery<FeasibilityStudy>,
    #[query] size: Option<u32>,
) -> Paged<FeasibilityStudy>;

#[up42_endpoint(PATCH, "/v2/tasking/feasibility-studies/{feasibility_id}", bundled)]
async fn decide_feasibility(
    client: &Client,
    feasibility_id: &FeasibilityStudyId,
    #[body] answer: &FeasibilityAnswer,
) -> Result<FeasibilityStudy>;

#[up42_endpoint(GET, "/v2/coverage/orders/{order_id}", bundled)]
async fn order_coverage(client: &Client, order_id: &OrderId) -> Result<OrderCoverage>;
