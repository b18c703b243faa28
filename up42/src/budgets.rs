//! Budgets: the credit limits orders and jobs draw from ([`Budget`]), what
//! each has used ([`BudgetUsage`]), and whether the account enforces them
//! ([`BudgetSettings`]).
//!
//! ```
//! use futures_util::TryStreamExt;
//! use up42::budgets::BudgetStatus;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> up42::Result<()> {
//! # let sandbox = up42_testkit::Sandbox::start().await;
//! # let client = up42::Client::from(sandbox.client()?);
//! let active: Vec<_> = client
//!     .budgets()
//!     .list()
//!     .status([BudgetStatus::Active])
//!     .include_usage(true)
//!     .items()
//!     .try_collect()
//!     .await?;
//! for budget in &active {
//!     println!("{}: {:?} of {:?} credits left", budget.name, budget.remaining_credits, budget.spend_limit);
//! }
//! # Ok(()) }
//! ```

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::future::Future;
use up42_auth::{Paged, up42_endpoint};

use crate::client::Client;
use crate::enums::string_enum;
use crate::ids::BudgetId;
use crate::list::{Direction, List, ListQuery, PageSize, collect, sealed, sort_key};
use crate::{Query, Result};

string_enum! {
    /// Whether a budget can be drawn from.
    pub enum BudgetStatus {
        /// Within its validity period and usable.
        Active = "ACTIVE",
        /// Not usable.
        Inactive = "INACTIVE",
    }
}

string_enum! {
    /// The fields a budget list can be sorted by.
    pub enum BudgetSortField {
        /// When the budget last changed.
        UpdatedAt = "updatedAt",
    }
}

/// A budget.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Budget {
    /// Its id.
    pub id: BudgetId,
    /// Its name.
    pub name: String,
    /// Whether it can be drawn from.
    pub status: BudgetStatus,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// What it is for.
    pub description: Option<String>,
    /// An id in the user's own systems.
    pub external_id: Option<String>,
    /// The most credits it allows.
    pub spend_limit: Option<i64>,
    /// When it can be drawn from.
    pub validity_period: Option<ValidityPeriod>,
    /// Credits used (with usage asked for).
    pub consumed_credits: Option<i64>,
    /// Credits left (with usage asked for).
    pub remaining_credits: Option<i64>,
    /// The share of the limit used, in percent (with usage asked for).
    pub usage_percentage: Option<f64>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// When a budget can be drawn from, both days included.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ValidityPeriod {
    /// The first day.
    pub start_date: NaiveDate,
    /// The last day.
    pub end_date: NaiveDate,
}

/// What a budget has used.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BudgetUsage {
    /// The budget.
    pub budget_id: BudgetId,
    /// Credits used.
    pub consumed_credits: i64,
}

/// The account's budget settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BudgetSettings {
    /// Whether orders and jobs must draw from a budget.
    pub enforcement_enabled: bool,
    /// The settings' id.
    pub budget_setting_id: Option<String>,
}

impl Client {
    /// Budgets, their usage and the account's budget settings.
    pub fn budgets(&self) -> Budgets {
        Budgets { client: self.clone() }
    }
}

/// Budgets, from [`Client::budgets`].
#[derive(Debug, Clone)]
pub struct Budgets {
    client: Client,
}

impl Budgets {
    /// The account's budgets (`GET /v2/budgets`).
    pub fn list(&self) -> List<BudgetQuery> {
        List::new(self.client.clone(), BudgetQuery::default())
    }

    /// One budget with its usage (`GET /v2/budgets/{id}?includeUsage=true`).
    pub fn get(&self, id: impl Into<BudgetId>) -> impl Future<Output = Result<Budget>> + Send + 'static {
        let (client, id) = (self.client.clone(), id.into());
        async move { get_budget(&client, &id, true).await }
    }

    /// What a budget has used (`GET /v2/budgets/{id}/usage`).
    pub fn usage(
        &self,
        id: impl Into<BudgetId>,
    ) -> impl Future<Output = Result<BudgetUsage>> + Send + 'static {
        let (client, id) = (self.client.clone(), id.into());
        async move { budget_usage(&client, &id).await }
    }

    /// Whether the account enforces budgets (`GET /v2/budgets/settings`).
    pub fn settings(&self) -> impl Future<Output = Result<BudgetSettings>> + Send + 'static {
        let client = self.client.clone();
        async move { budget_settings(&client).await }
    }
}

/// The filters of a budget list, set on [`List`] by its methods below.
/// A field each, sent as the query key serde names it (checked against
/// `GET /v2/budgets` at compile time).
#[derive(Debug, Clone, Default, Serialize, Query)]
#[serde(rename_all = "camelCase")]
pub struct BudgetQuery {
    status: Vec<BudgetStatus>,
    include_usage: Option<bool>,
    sort: Option<String>,
}

impl sealed::Sealed for BudgetQuery {}
impl PageSize for BudgetQuery {}

impl ListQuery for BudgetQuery {
    type Item = Budget;

    fn paged(&self, client: &Client, size: Option<u32>) -> Paged<Budget> {
        list_budgets(client, self, size)
    }
}

/// The filters of a budget list.
impl List<BudgetQuery> {
    /// Only budgets in one of these statuses.
    pub fn status(mut self, statuses: impl IntoIterator<Item = BudgetStatus>) -> Self {
        self.query.status = collect(statuses);
        self
    }

    /// With each budget's consumed and remaining credits.
    pub fn include_usage(mut self, include: bool) -> Self {
        self.query.include_usage = Some(include);
        self
    }

    /// Sorted by `field`.
    pub fn sort(mut self, field: BudgetSortField, direction: Direction) -> Self {
        self.query.sort = Some(sort_key(&field, &direction));
        self
    }
}

#[up42_endpoint(GET, "/v2/budgets", paged, bundled)]
fn list_budgets(
    client: &Client,
    #[query(flatten)] filters: &BudgetQuery,
    #[query] size: Option<u32>,
) -> Paged<Budget>;

#[up42_endpoint(GET, "/v2/budgets/{budget_id}", bundled)]
async fn get_budget(
    client: &Client,
    budget_id: &BudgetId,
    #[query("includeUsage")] include_usage: bool,
) -> Result<Budget>;

#[up42_endpoint(GET, "/v2/budgets/{budget_id}/usage", bundled)]
async fn budget_usage(client: &Client, budget_id: &BudgetId) -> Result<BudgetUsage>;

#[up42_endpoint(GET, "/v2/budgets/settings", bundled)]
async fn budget_settings(client: &Client) -> Result<BudgetSettings>;
