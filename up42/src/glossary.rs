//! The product glossary: what can be ordered. Collections ([`Collection`])
//! with their providers, data products and metadata, and the JSON Schema of
//! each data product's order parameters.
//!
//! ```
//! use futures_util::TryStreamExt;
//! use up42::glossary::CollectionType;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> up42::Result<()> {
//! # let sandbox = up42_testkit::Sandbox::start().await;
//! # let client = up42::Client::from(sandbox.client()?);
//! let collections: Vec<_> = client.glossary().collections().items().try_collect().await?;
//! for collection in collections.iter().filter(|c| c.collection_type == CollectionType::Archive) {
//!     for product in &collection.data_products {
//!         println!("{}: {} ({:?})", collection.title, product.title, product.id);
//!     }
//! }
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::future::Future;
use up42_auth::{Paged, up42_endpoint};

use crate::client::Client;
use crate::enums::string_enum;
use crate::ids::{CollectionName, DataProductId, EulaId};
use crate::list::{Direction, List, ListQuery, sealed, sort_key};
use crate::{Query, Result};

string_enum! {
    /// Whether a collection is searched in an archive or acquired anew.
    pub enum CollectionType {
        /// Images in a provider's archive.
        Archive = "ARCHIVE",
        /// New acquisitions.
        Tasking = "TASKING",
    }
}

string_enum! {
    /// What a provider does for a collection.
    pub enum ProviderRole {
        /// Makes the data.
        Producer = "PRODUCER",
        /// Serves it: catalog searches go to the host.
        Host = "HOST",
    }
}

string_enum! {
    /// What kind of data a collection holds.
    pub enum ProductType {
        /// Optical images.
        Optical = "OPTICAL",
        /// Radar images.
        Sar = "SAR",
        /// Elevation models.
        Elevation = "ELEVATION",
    }
}

string_enum! {
    /// How fine a collection's resolution is.
    pub enum ResolutionClass {
        /// Below 1 m.
        VeryHigh = "VERY_HIGH",
        /// 1 to 5 m.
        High = "HIGH",
        /// 5 to 30 m.
        Medium = "MEDIUM",
        /// Coarser.
        Low = "LOW",
    }
}

string_enum! {
    /// What a collection offers or needs.
    pub enum Integration {
        /// Access must be approved first.
        AccessApprovalRequired = "ACCESS_APPROVAL_REQUIRED",
        /// Samples can be had.
        SampleDataAvailable = "SAMPLE_DATA_AVAILABLE",
        /// Orders are made by hand.
        ManualRequestRequired = "MANUAL_REQUEST_REQUIRED",
        /// Tasking orders start with a feasibility study.
        FeasibilityStudyRequired = "FEASIBILITY_STUDY_REQUIRED",
        /// Tasking orders may start with a feasibility study.
        FeasibilityStudyMayBeRequired = "FEASIBILITY_STUDY_MAY_BE_REQUIRED",
        /// Tasking orders need an accepted quotation.
        QuotationRequired = "QUOTATION_REQUIRED",
        /// Orders can be estimated.
        PriceEstimationAvailable = "PRICE_ESTIMATION_AVAILABLE",
        /// The archive can be searched.
        SearchAvailable = "SEARCH_AVAILABLE",
        /// Scenes have thumbnails.
        ThumbnailAvailable = "THUMBNAIL_AVAILABLE",
        /// Scenes have quicklooks.
        QuicklookAvailable = "QUICKLOOK_AVAILABLE",
    }
}

string_enum! {
    /// The fields a collection list can be sorted by.
    pub enum CollectionSortField {
        /// The collection's name.
        Name = "name",
        /// Its title.
        Title = "title",
        /// Its description.
        Description = "description",
        /// Archive or tasking.
        Type = "type",
    }
}

/// A collection of the glossary.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Collection {
    /// Its name: the id catalog searches and STAC use.
    pub name: CollectionName,
    /// Its title.
    pub title: String,
    /// What it holds.
    pub description: String,
    /// Archive or tasking.
    #[serde(rename = "type")]
    pub collection_type: CollectionType,
    /// What it offers or needs.
    #[serde(default)]
    pub integrations: Vec<Integration>,
    /// Who makes and serves it.
    #[serde(default)]
    pub providers: Vec<Provider>,
    /// What can be ordered of it.
    #[serde(default)]
    pub data_products: Vec<DataProduct>,
    /// Its product type and resolution.
    pub metadata: Option<CollectionMetadata>,
    /// Whether UP42 must enable the collection for an account before it
    /// can be ordered from.
    #[serde(default)]
    pub restricted: bool,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Collection {
    /// The provider that serves its catalog searches.
    pub fn host(&self) -> Option<&Provider> {
        self.providers
            .iter()
            .find(|provider| provider.roles.contains(&ProviderRole::Host))
    }
}

/// A provider of a collection.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Provider {
    /// Its name: the host name of catalog searches.
    pub name: String,
    /// Its title.
    pub title: Option<String>,
    /// What it is.
    pub description: Option<String>,
    /// What it does for the collection (a host when UP42 says nothing).
    #[serde(default = "host_role")]
    pub roles: Vec<ProviderRole>,
}

fn host_role() -> Vec<ProviderRole> {
    vec![ProviderRole::Host]
}

/// Something of a collection that can be ordered.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DataProduct {
    /// Its name.
    pub name: String,
    /// Its title.
    pub title: String,
    /// What it is.
    pub description: String,
    /// Its id: what [`NewOrder`](crate::orders::NewOrder) takes.
    pub id: Option<DataProductId>,
    /// The licence agreement it needs accepted.
    pub eula_id: Option<EulaId>,
}

/// A collection's product type and resolution.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CollectionMetadata {
    /// What kind of data.
    pub product_type: Option<ProductType>,
    /// How fine.
    pub resolution_class: Option<ResolutionClass>,
    /// The resolution in metres.
    pub resolution_value: Option<Resolution>,
}

/// A resolution range, in metres.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Resolution {
    /// The finest.
    pub minimum: f64,
    /// The coarsest.
    pub maximum: Option<f64>,
}

impl Client {
    /// The product glossary: collections, data products and their order schemas.
    pub fn glossary(&self) -> Glossary {
        Glossary { client: self.clone() }
    }
}

/// The glossary, from [`Client::glossary`].
#[derive(Debug, Clone)]
pub struct Glossary {
    client: Client,
}

impl Glossary {
    /// Every collection (`GET /v2/collections`, public: no token is sent).
    pub fn collections(&self) -> List<CollectionQuery> {
        List::new(self.client.clone(), CollectionQuery::default())
    }

    /// One collection, by name (`GET /v2/collections/{name}`).
    pub fn collection(
        &self,
        name: impl Into<CollectionName>,
    ) -> impl Future<Output = Result<Collection>> + Send + 'static {
        let (client, name) = (self.client.clone(), name.into());
        async move { get_collection(&client, &name).await }
    }

    /// The JSON Schema of a data product's order parameters
    /// (`GET /orders/schema/{id}`): what [`NewOrder::params`](crate::orders::NewOrder::params) must match.
    pub fn schema(
        &self,
        data_product: impl Into<DataProductId>,
    ) -> impl Future<Output = Result<Value>> + Send + 'static {
        let (client, data_product) = (self.client.clone(), data_product.into());
        async move { order_schema(&client, &data_product).await }
    }
}

/// The sorting of the collection list, set on [`List`] by its methods below
/// (checked against `GET /v2/collections` at compile time).
#[derive(Debug, Clone, Default, Serialize, Query)]
pub struct CollectionQuery {
    sort: Option<String>,
}

impl sealed::Sealed for CollectionQuery {}

impl ListQuery for CollectionQuery {
    type Item = Collection;

    fn paged(&self, client: &Client, _size: Option<u32>) -> Paged<Collection> {
        list_collections(client, self)
    }
}

/// The sorting of the collection list.
impl List<CollectionQuery> {
    /// Sorted by `field`.
    pub fn sort(mut self, field: CollectionSortField, direction: Direction) -> Self {
        self.query.sort = Some(sort_key(&field, &direction));
        self
    }
}

#[up42_endpoint(GET, "/v2/collections", public, paged, bundled)]
fn list_collections(client: &Client, #[query(flatten)] sorting: &CollectionQuery) -> Paged<Collection>;

#[up42_endpoint(GET, "/v2/collections/{name}", bundled)]
async fn get_collection(client: &Client, name: &CollectionName) -> Result<Collection>;

#[up42_endpoint(GET, "/orders/schema/{data_product_id}", bundled)]
async fn order_schema(client: &Client, data_product_id: &DataProductId) -> Result<Value>;
