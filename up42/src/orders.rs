//! Orders: estimate and place them ([`NewOrder`]), list them, wait until
//! they settle ([`OrderOutcome`]), tag or re-budget them, cancel them.
//!
//! ```
//! use up42::orders::{NewOrder, OrderOutcome};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> up42::Result<()> {
//! # let sandbox = up42_testkit::Sandbox::start().await;
//! # let client = up42::Client::from(sandbox.client()?);
//! # let aoi: geojson::FeatureCollection = serde_json::from_value(
//! #     up42_testkit::seed::archive_order_request("x")["featureCollection"].clone()).unwrap();
//! // `aoi`: a `geojson::FeatureCollection` with one polygon.
//! let order = NewOrder::new(up42_testkit::seed::ARCHIVE_PRODUCT_ID, "Berlin, March", aoi)
//!     .params(serde_json::json!({"id": up42_testkit::seed::SCENE_ID}))
//!     .tags(["berlin"]);
//! let estimate = client.orders().estimate(&order).await?;
//! println!("{} credits", estimate.summary.total_credits);
//!
//! let placement = client.orders().place(&order).await?;
//! for failed in &placement.errors {
//!     eprintln!("feature {} was not ordered: {}", failed.index, failed.message);
//! }
//! for placed in &placement.results {
//!     let outcome = client
//!         .orders()
//!         .wait(&placed.id)
//!         .every(std::time::Duration::from_millis(10))
//!         .await?;
//!     assert!(matches!(outcome, OrderOutcome::Fulfilled(_)));
//! }
//! # Ok(()) }
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::future::Future;
use up42_auth::{Paged, up42_endpoint};

use crate::client::Client;
use crate::enums::string_enum;
use crate::ids::{AccountId, BudgetId, DataProductId, OrderId, WorkspaceId};
use crate::list::{Direction, List, ListQuery, PageSize, collect, sealed, sort_key};
use crate::wait::Wait;
use crate::{Query, Result};

string_enum! {
    /// Where an order is. The failures are [`FailedPermanently`](Self::FailedPermanently)
    /// and [`PlacementFailed`](Self::PlacementFailed); there is no plain `FAILED`.
    pub enum OrderStatus {
        /// Accepted, not yet sent to the provider.
        Created = "CREATED",
        /// Being sent to the provider; tasking orders wait here for the user's decisions.
        BeingPlaced = "BEING_PLACED",
        /// With the provider.
        Placed = "PLACED",
        /// Being delivered.
        BeingFulfilled = "BEING_FULFILLED",
        /// Delivered to storage.
        Fulfilled = "FULFILLED",
        /// Failed after placement; it will not be delivered.
        FailedPermanently = "FAILED_PERMANENTLY",
        /// Canceled.
        Canceled = "CANCELED",
        /// Could not be placed; it can be canceled.
        PlacementFailed = "PLACEMENT_FAILED",
    }
}

string_enum! {
    /// Where a tasking order is within [`OrderStatus::BeingPlaced`].
    pub enum OrderSubStatus {
        /// UP42 is preparing a feasibility study.
        FeasibilityWaitingUpload = "FEASIBILITY_WAITING_UPLOAD",
        /// A feasibility study waits for the user to choose an option.
        FeasibilityWaitingResponse = "FEASIBILITY_WAITING_RESPONSE",
        /// UP42 is preparing a quotation.
        QuotationWaitingUpload = "QUOTATION_WAITING_UPLOAD",
        /// A quotation waits for the user to accept or reject it.
        QuotationWaitingResponse = "QUOTATION_WAITING_RESPONSE",
        /// The quotation was accepted.
        QuotationAccepted = "QUOTATION_ACCEPTED",
        /// The quotation was rejected.
        QuotationRejected = "QUOTATION_REJECTED",
    }
}

string_enum! {
    /// What an order buys.
    pub enum OrderType {
        /// An image from a provider's archive.
        Archive = "ARCHIVE",
        /// A new acquisition by a satellite.
        Tasking = "TASKING",
    }
}

string_enum! {
    /// What an order's size is counted in.
    pub enum CostUnit {
        /// Square kilometres of the area of interest.
        SqKm = "SQ_KM",
        /// Whole scenes.
        Scene = "SCENE",
    }
}

string_enum! {
    /// The fields an order list can be sorted by.
    pub enum OrderSortField {
        /// When the order was made.
        CreatedAt = "createdAt",
        /// When it last changed.
        UpdatedAt = "updatedAt",
        /// Its type.
        Type = "type",
        /// Its status.
        Status = "status",
    }
}

/// An order, as UP42 shows it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Order {
    /// The order's id.
    pub id: OrderId,
    /// The name it was given.
    pub display_name: String,
    /// Where it is.
    pub status: OrderStatus,
    /// The workspace it belongs to.
    pub workspace_id: WorkspaceId,
    /// The account it belongs to.
    pub account_id: AccountId,
    /// Archive or tasking.
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// The data product ordered.
    pub data_product_id: Option<DataProductId>,
    /// The user's tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The budget it draws from.
    pub budget_id: Option<BudgetId>,
    /// What was ordered, by order type.
    pub order_details: Option<OrderDetails>,
    /// When it was made.
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// Fields this version does not name, as UP42 sent them.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Order {
    /// Where a tasking order is within [`OrderStatus::BeingPlaced`].
    pub fn sub_status(&self) -> Option<&OrderSubStatus> {
        match &self.order_details {
            Some(OrderDetails::Tasking(details)) => details.sub_status.as_ref(),
            _ => None,
        }
    }
}

/// What an order is for; its shape depends on the order's type.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum OrderDetails {
    /// A tasking order's acquisition window, area and options.
    Tasking(TaskingOrderDetails),
    /// An archive order's area and image.
    Archive(ArchiveOrderDetails),
    /// Details of a shape this version does not know.
    Other(Map<String, Value>),
}

/// What an archive order is for.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ArchiveOrderDetails {
    /// The area of interest.
    pub aoi: geojson::Geometry,
    /// The scene ordered.
    pub image_id: Option<String>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What a tasking order is for. The options are provider-specific strings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskingOrderDetails {
    /// When the acquisition window opens.
    pub acquisition_start: DateTime<Utc>,
    /// When it closes.
    pub acquisition_end: DateTime<Utc>,
    /// The area to acquire.
    pub geometry: geojson::Geometry,
    /// Where the order is within [`OrderStatus::BeingPlaced`].
    pub sub_status: Option<OrderSubStatus>,
    /// The user's extra description.
    pub extra_description: Option<String>,
    /// The acquisition mode (`MONO`, `STEREO`, ...).
    pub acquisition_mode: Option<String>,
    /// The most cloud cover accepted, in percent.
    pub max_cloud_cover: Option<f64>,
    /// The largest incidence angle accepted, in degrees.
    pub max_incidence_angle: Option<f64>,
    /// Fields this version does not name (geometric processing, projection, bands, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An order to estimate or place: a data product, a name, an area and the
/// product's parameters (their JSON Schema is
/// [`Glossary::schema`](crate::glossary::Glossary::schema)).
///
/// The area is a GeoJSON feature collection; UP42 takes one polygon per
/// order, and an order is made for each feature.
///
/// It reads the JSON of UP42's order requests too, as a file of orders may
/// hold them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewOrder {
    /// The data product to order.
    pub data_product: DataProductId,
    /// The order's name.
    pub display_name: String,
    /// The product's parameters (`{}` unless set).
    #[serde(default = "empty_object")]
    pub params: Value,
    /// The area of interest.
    pub feature_collection: geojson::FeatureCollection,
    /// Tags for the order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// The budget to draw from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_id: Option<BudgetId>,
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

impl NewOrder {
    /// An order of `data_product` named `display_name` for the area `aoi`.
    pub fn new(
        data_product: impl Into<DataProductId>,
        display_name: impl Into<String>,
        aoi: geojson::FeatureCollection,
    ) -> Self {
        NewOrder {
            data_product: data_product.into(),
            display_name: display_name.into(),
            params: empty_object(),
            feature_collection: aoi,
            tags: None,
            budget_id: None,
        }
    }

    /// An archive order of `scene` (one a catalog search found) through
    /// `data_product` (one of the scene's collection's data products): its
    /// parameters name the scene (`{"id": ...}`), its area is the scene's
    /// footprint (narrow it with [`aoi`](Self::aoi), say to an area
    /// [`Aoi::clip_to`](crate::aoi::Aoi::clip_to) the footprint gives), its
    /// name the collection and the scene's id.
    pub fn for_scene(scene: &crate::catalog::Scene, data_product: impl Into<DataProductId>) -> Self {
        let footprint = geojson::Feature::from(scene.geometry.clone());
        let name = format!("{} {}", scene.properties.collection, scene.properties.id);
        NewOrder::new(
            data_product,
            name,
            geojson::FeatureCollection::from_iter([footprint]),
        )
        .params(serde_json::json!({ "id": scene.properties.id }))
    }

    /// The area of interest, in place of the one given before.
    pub fn aoi(mut self, aoi: geojson::FeatureCollection) -> Self {
        self.feature_collection = aoi;
        self
    }

    /// The order's name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.display_name = name.into();
        self
    }

    /// The product's parameters, as its schema describes them.
    pub fn params(mut self, params: Value) -> Self {
        self.params = params;
        self
    }

    /// Tags for the order.
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.tags = Some(collect(tags));
        self
    }

    /// The budget the order draws from.
    pub fn budget(mut self, budget: impl Into<BudgetId>) -> Self {
        self.budget_id = Some(budget.into());
        self
    }
}

/// What an order would cost, per feature of its area.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Estimate {
    /// The totals.
    pub summary: EstimateSummary,
    /// The cost of each feature that can be ordered.
    #[serde(default)]
    pub results: Vec<OrderCost>,
    /// The features that cannot be ordered, and why.
    #[serde(default)]
    pub errors: Vec<OrderError>,
}

/// The totals of an [`Estimate`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EstimateSummary {
    /// Credits in all.
    pub total_credits: i64,
    /// Size in all, in `unit`s.
    pub total_size: f64,
    /// What the size counts.
    pub unit: CostUnit,
}

/// The cost of one feature of an order's area.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderCost {
    /// The feature's index in the feature collection.
    pub index: usize,
    /// Its credits.
    pub credits: i64,
    /// Its size, in `unit`s.
    pub size: f64,
    /// What the size counts.
    pub unit: CostUnit,
}

/// Why one feature of an order's area could not be estimated or placed.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderError {
    /// The feature's index in the feature collection.
    pub index: usize,
    /// What went wrong.
    pub message: String,
    /// UP42's details.
    #[serde(default)]
    pub details: Value,
}

/// What a placement made: an order per feature that could be placed, an
/// error per feature that could not. A partial failure is data, not an error.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Placement {
    /// The orders made.
    #[serde(default)]
    pub results: Vec<OrderRef>,
    /// The features that were not ordered, and why.
    #[serde(default)]
    pub errors: Vec<OrderError>,
}

impl Placement {
    /// The ids of the orders made, in feature order.
    pub fn ids(&self) -> impl Iterator<Item = &OrderId> {
        self.results.iter().map(|placed| &placed.id)
    }
}

/// An order made for one feature.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderRef {
    /// The feature's index in the feature collection.
    pub index: usize,
    /// The order made for it.
    pub id: OrderId,
}

/// The answer to a cancellation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Cancellation {
    /// The order.
    pub order_id: OrderId,
    /// Its status now.
    pub status: OrderStatus,
}

/// How a wait for an order ended.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum OrderOutcome {
    /// Delivered.
    Fulfilled(Order),
    /// A tasking order waits for the user: a feasibility option to choose or
    /// a quotation to accept or reject ([`Order::sub_status`] says which).
    NeedsDecision(Order),
    /// Failed: [`OrderStatus::FailedPermanently`] or [`OrderStatus::PlacementFailed`].
    Failed(Order),
    /// Canceled.
    Canceled(Order),
}

impl OrderOutcome {
    /// How a wait for `order`, which [`settles`], ended.
    fn of(order: Order) -> OrderOutcome {
        match order.status {
            OrderStatus::Fulfilled => OrderOutcome::Fulfilled(order),
            OrderStatus::Canceled => OrderOutcome::Canceled(order),
            OrderStatus::FailedPermanently | OrderStatus::PlacementFailed => OrderOutcome::Failed(order),
            _ => OrderOutcome::NeedsDecision(order),
        }
    }

    /// The order as the wait last saw it.
    pub fn order(&self) -> &Order {
        match self {
            OrderOutcome::Fulfilled(order)
            | OrderOutcome::NeedsDecision(order)
            | OrderOutcome::Failed(order)
            | OrderOutcome::Canceled(order) => order,
        }
    }

    /// The order, owned.
    pub fn into_order(self) -> Order {
        match self {
            OrderOutcome::Fulfilled(order)
            | OrderOutcome::NeedsDecision(order)
            | OrderOutcome::Failed(order)
            | OrderOutcome::Canceled(order) => order,
        }
    }
}

/// Whether a wait for `order` is over.
fn settles(order: &Order) -> bool {
    matches!(
        order.status,
        OrderStatus::Fulfilled
            | OrderStatus::Canceled
            | OrderStatus::FailedPermanently
            | OrderStatus::PlacementFailed
    ) || matches!(
        order.sub_status(),
        Some(OrderSubStatus::FeasibilityWaitingResponse | OrderSubStatus::QuotationWaitingResponse)
    )
}

/// A wait for an order, from [`Orders::wait`]; `.await` it for its [`OrderOutcome`].
pub type OrderWait = Wait<Order, OrderOutcome>;

impl Client {
    /// Orders: estimate, place, list, wait for, update and cancel them.
    pub fn orders(&self) -> Orders {
        Orders { client: self.clone() }
    }
}

/// Orders, from [`Client::orders`].
#[derive(Debug, Clone)]
pub struct Orders {
    client: Client,
}

impl Orders {
    /// One order (`GET /v2/orders/{id}`).
    pub fn get(&self, id: impl Into<OrderId>) -> impl Future<Output = Result<Order>> + Send + 'static {
        let (client, id) = (self.client.clone(), id.into());
        async move { get_order(&client, &id).await }
    }

    /// The orders of the account, filtered (`GET /v2/orders`).
    pub fn list(&self) -> List<OrderQuery> {
        List::new(self.client.clone(), OrderQuery::default())
    }

    /// What `order` would cost (`POST /v2/orders/estimate`); nothing is ordered.
    pub fn estimate(&self, order: &NewOrder) -> impl Future<Output = Result<Estimate>> + Send + 'static {
        let (client, order) = (self.client.clone(), order.clone());
        async move { estimate_order(&client, &order).await }
    }

    /// Places `order` in the client's workspace (`POST /v2/orders`): an
    /// order per feature of its area. Features that cannot be ordered are in
    /// [`Placement::errors`]; the call fails only if nothing could be asked.
    /// Not retried: a placement repeated after a lost answer would order twice.
    pub fn place(&self, order: &NewOrder) -> impl Future<Output = Result<Placement>> + Send + 'static {
        let (client, order) = (self.client.clone(), order.clone());
        async move {
            let workspace = client.workspace_id().await?;
            place_order(&client, &workspace, &order).await
        }
    }

    /// Waits until the order is fulfilled, fails, is canceled or needs the
    /// user's decision; `.await` it. See [`Wait`] for its pace and limits.
    pub fn wait(&self, id: impl Into<OrderId>) -> OrderWait {
        let client = self.client.clone();
        let id = id.into();
        Wait::new(
            move || {
                let (client, id) = (client.clone(), id.clone());
                async move { get_order(&client, &id).await }
            },
            settles,
            OrderOutcome::of,
        )
    }

    /// Cancels an order (`POST /v2/orders/{id}/cancellation`). UP42 refuses
    /// orders past the point of no return with a 409, which is returned as
    /// the error.
    pub fn cancel(
        &self,
        id: impl Into<OrderId>,
    ) -> impl Future<Output = Result<Cancellation>> + Send + 'static {
        let (client, id) = (self.client.clone(), id.into());
        async move { cancel_order(&client, &id).await }
    }

    /// Changes an order's tags or budget (`PATCH /v2/orders/{id}`, a merge
    /// patch: what is not set stays as it is); `.send()` it.
    pub fn update(&self, id: impl Into<OrderId>) -> OrderUpdate {
        OrderUpdate {
            client: self.client.clone(),
            id: id.into(),
            patch: OrderPatch::default(),
        }
    }
}

/// The filters of an order list, set on [`List`] by its methods below; a
/// field each, sent as the query key serde names it (checked against
/// `GET /v2/orders` at compile time).
#[derive(Debug, Clone, Default, Serialize, Query)]
#[serde(rename_all = "camelCase")]
pub struct OrderQuery {
    workspace_id: Option<WorkspaceId>,
    #[serde(rename = "type")]
    order_type: Option<OrderType>,
    status: Vec<OrderStatus>,
    sub_status: Vec<OrderSubStatus>,
    display_name: Option<String>,
    tags: Vec<String>,
    #[query(comma)]
    budget_ids: Vec<BudgetId>,
    #[query(comma)]
    order_ids: Vec<OrderId>,
    sort: Option<String>,
}

impl sealed::Sealed for OrderQuery {}
impl PageSize for OrderQuery {}

impl ListQuery for OrderQuery {
    type Item = Order;

    fn paged(&self, client: &Client, size: Option<u32>) -> Paged<Order> {
        list_orders(client, self, size)
    }
}

/// The filters of an order list.
impl List<OrderQuery> {
    /// Only the orders of this workspace.
    pub fn workspace(mut self, id: impl Into<WorkspaceId>) -> Self {
        self.query.workspace_id = Some(id.into());
        self
    }

    /// Only archive or only tasking orders.
    pub fn order_type(mut self, order_type: OrderType) -> Self {
        self.query.order_type = Some(order_type);
        self
    }

    /// Only orders in one of these statuses.
    pub fn status(mut self, statuses: impl IntoIterator<Item = OrderStatus>) -> Self {
        self.query.status = collect(statuses);
        self
    }

    /// Only tasking orders in one of these sub-statuses.
    pub fn sub_status(mut self, sub_statuses: impl IntoIterator<Item = OrderSubStatus>) -> Self {
        self.query.sub_status = collect(sub_statuses);
        self
    }

    /// Only orders whose name contains this text (any case).
    pub fn display_name(mut self, text: impl Into<String>) -> Self {
        self.query.display_name = Some(text.into());
        self
    }

    /// Only orders with one of these tags.
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.query.tags = collect(tags);
        self
    }

    /// Only orders drawing from one of these budgets.
    pub fn budgets<I: Into<BudgetId>>(mut self, ids: impl IntoIterator<Item = I>) -> Self {
        self.query.budget_ids = collect(ids);
        self
    }

    /// Only these orders.
    pub fn ids<I: Into<OrderId>>(mut self, ids: impl IntoIterator<Item = I>) -> Self {
        self.query.order_ids = collect(ids);
        self
    }

    /// Sorted by `field` (UP42's default is newest first).
    pub fn sort(mut self, field: OrderSortField, direction: Direction) -> Self {
        self.query.sort = Some(sort_key(&field, &direction));
        self
    }
}

/// A change to an order, from [`Orders::update`]; `.send()` it.
#[derive(Debug)]
#[must_use = "an update does nothing until it is sent"]
pub struct OrderUpdate {
    client: Client,
    id: OrderId,
    patch: OrderPatch,
}

/// The merge patch: an unset field is left out, and with it left as it is.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<String>>,
    /// `Some(None)`: `null`, which takes the order off its budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    budget_id: Option<Option<BudgetId>>,
}

impl OrderUpdate {
    /// Replaces the order's tags.
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.patch.tags = Some(collect(tags));
        self
    }

    /// Moves the order to this budget.
    pub fn budget(mut self, budget: impl Into<BudgetId>) -> Self {
        self.patch.budget_id = Some(Some(budget.into()));
        self
    }

    /// Takes the order off its budget.
    pub fn clear_budget(mut self) -> Self {
        self.patch.budget_id = Some(None);
        self
    }

    /// Sends the change; answers the order as it is now.
    pub async fn send(self) -> Result<Order> {
        patch_order(&self.client, &self.id, &self.patch).await
    }
}

#[up42_endpoint(GET, "/v2/orders/{order_id}", bundled)]
async fn get_order(client: &Client, order_id: &OrderId) -> Result<Order>;

#[up42_endpoint(GET, "/v2/orders", paged, bundled)]
fn list_orders(
    client: &Client,
    #[query(flatten)] filters: &OrderQuery,
    #[query] size: Option<u32>,
) -> Paged<Order>;

#[up42_endpoint(POST, "/v2/orders/estimate", bundled)]
async fn estimate_order(client: &Client, #[body] order: &NewOrder) -> Result<Estimate>;

#[up42_endpoint(POST, "/v2/orders", bundled)]
async fn place_order(
    client: &Client,
    #[query("workspaceId")] workspace_id: &WorkspaceId,
    #[body] order: &NewOrder,
) -> Result<Placement>;

#[up42_endpoint(POST, "/v2/orders/{order_id}/cancellation", bundled)]
async fn cancel_order(client: &Client, order_id: &OrderId) -> Result<Cancellation>;

#[up42_endpoint(
    PATCH,
    "/v2/orders/{order_id}",
    content_type = "application/merge-patch+json",
    bundled
)]
async fn patch_order(client: &Client, order_id: &OrderId, #[body] patch: &OrderPatch) -> Result<Order>;
