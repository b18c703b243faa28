//! Storage: what orders delivered and jobs made, as a STAC catalogue.
//! Collections ([`StacCollection`]: one delivery or one job's results) hold
//! items ([`StacItem`]: a scene or product, with UP42's fields in
//! [`ItemProperties`]) whose assets ([`StacAsset`]) are the files.
//! [`Storage::download_order`] (and `download_items`, `download_collection`)
//! puts every file of a delivery on disk, verified and resumable
//! ([`Delivery`]); [`Storage::download`] fetches one asset.
//!
//! ```
//! use futures_util::TryStreamExt;
//! use up42::storage::StacSearch;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> up42::Result<()> {
//! # let sandbox = up42_testkit::Sandbox::start().await;
//! # let client = up42::Client::from(sandbox.client()?);
//! # let order_id = up42_testkit::ORDER_ID;
//! # let scratch = tempfile::tempdir().unwrap();
//! # let dir = scratch.path();
//! let search = StacSearch::new().order(order_id);
//! let items: Vec<_> = client.storage().search(&search).items().try_collect().await?;
//! for item in &items {
//!     for (name, asset) in &item.assets {
//!         let Some(id) = asset.asset_id() else { continue };
//!         let bytes = client.storage().download(id).to_file(dir.join(name)).await?;
//!         println!("{name}: {bytes} bytes");
//!     }
//! }
//! # Ok(()) }
//! ```

mod delivery;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use up42_auth::{Download, Paged, download::Progress, up42_endpoint};

use crate::client::Client;
use crate::ids::{AssetId, DataProductId, JobId, OrderId, StacCollectionId, StacItemId, WorkspaceId};
use crate::list::{List, ListQuery, PageSize, collect, sealed};
use crate::{Error, Query, Result};

pub use delivery::{
    DEFAULT_CONCURRENCY, DeliveredFile, Delivery, DeliveryItem, DeliveryProgress, DeliveryReport,
    FileOutcome, FileProgress,
};

/// A link of a STAC object.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Link {
    /// What it links to (`self`, `items`, `next`, ...).
    pub rel: String,
    /// Where.
    pub href: String,
    /// The media type.
    #[serde(rename = "type")]
    pub media_type: Option<String>,
    /// Fields this version does not name (`method`, `body`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where the link `rel` of `links` points.
fn href<'a>(links: &'a [Link], rel: &str) -> Option<&'a str> {
    links
        .iter()
        .find(|link| link.rel == rel)
        .map(|link| link.href.as_str())
}

/// Storage's STAC landing page: what the API conforms to, and its links.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LandingPage {
    /// The catalogue's id.
    pub id: String,
    /// Its title.
    pub title: Option<String>,
    /// What it is.
    pub description: Option<String>,
    /// The STAC API and OGC conformance classes it implements.
    #[serde(default)]
    pub conforms_to: Vec<String>,
    /// Its links: collections, search, queryables, ...
    #[serde(default)]
    pub links: Vec<Link>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A STAC collection in storage: one delivery, or one job's results.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct StacCollection {
    /// Its id.
    pub id: StacCollectionId,
    /// Its title.
    pub title: Option<String>,
    /// What it holds.
    pub description: Option<String>,
    /// Its licence.
    pub license: Option<String>,
    /// Where and when its items are.
    pub extent: Option<Value>,
    /// Its links.
    #[serde(default)]
    pub links: Vec<Link>,
    /// The other fields: STAC's, and UP42's (`up42-order:id`, `up42-system:job_id`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A STAC item in storage: a scene or product, and its files.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct StacItem {
    /// Its id.
    pub id: StacItemId,
    /// The collection it belongs to.
    pub collection: Option<StacCollectionId>,
    /// Its footprint.
    pub geometry: Option<geojson::Geometry>,
    /// Its bounding box.
    pub bbox: Option<Vec<f64>>,
    /// Its properties, UP42's among them.
    pub properties: ItemProperties,
    /// Its files, by name.
    #[serde(default)]
    pub assets: BTreeMap<String, StacAsset>,
    /// Its links.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl StacItem {
    /// Its own URL: what processing inputs name an item by.
    pub fn self_href(&self) -> Option<&str> {
        href(&self.links, "self")
    }
}

/// With the feature `stac`: the item as the `stac` crate's type, through its JSON.
#[cfg(feature = "stac")]
#[cfg_attr(docsrs, doc(cfg(feature = "stac")))]
impl TryFrom<StacItem> for stac::Item {
    type Error = serde_json::Error;

    fn try_from(item: StacItem) -> std::result::Result<Self, Self::Error> {
        serde_json::to_value(item).and_then(serde_json::from_value)
    }
}

/// With the feature `stac`: the collection as the `stac` crate's type, through its JSON.
#[cfg(feature = "stac")]
#[cfg_attr(docsrs, doc(cfg(feature = "stac")))]
impl TryFrom<StacCollection> for stac::Collection {
    type Error = serde_json::Error;

    fn try_from(collection: StacCollection) -> std::result::Result<Self, Self::Error> {
        serde_json::to_value(collection).and_then(serde_json::from_value)
    }
}

/// The properties of a [`StacItem`], with UP42's extension fields by name.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ItemProperties {
    /// When it was acquired.
    pub datetime: Option<DateTime<Utc>>,
    /// The user's title (`up42-user:title`).
    #[serde(rename = "up42-user:title")]
    pub title: Option<String>,
    /// The user's tags (`up42-user:tags`).
    #[serde(rename = "up42-user:tags", default)]
    pub tags: Vec<String>,
    /// The order that delivered it (`up42-order:id`).
    #[serde(rename = "up42-order:id")]
    pub order_id: Option<OrderId>,
    /// The data product (`up42-product:product_id`).
    #[serde(rename = "up42-product:product_id")]
    pub product_id: Option<DataProductId>,
    /// The glossary collection (`up42-product:collection_name`).
    #[serde(rename = "up42-product:collection_name")]
    pub collection_name: Option<String>,
    /// The job that made it (`up42-system:job_id`).
    #[serde(rename = "up42-system:job_id")]
    pub job_id: Option<JobId>,
    /// The stored asset (`up42-system:asset_id`).
    #[serde(rename = "up42-system:asset_id")]
    pub asset_id: Option<AssetId>,
    /// The workspace (`up42-system:workspace_id`).
    #[serde(rename = "up42-system:workspace_id")]
    pub workspace_id: Option<WorkspaceId>,
    /// The other properties (`eo:cloud_cover`, `gsd`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A file of a [`StacItem`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct StacAsset {
    /// Where it is: on the API host for UP42's stored assets.
    pub href: String,
    /// Its title.
    pub title: Option<String>,
    /// Its media type.
    #[serde(rename = "type")]
    pub media_type: Option<String>,
    /// What it is (`data`, `metadata`, ...).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl StacAsset {
    /// The stored asset its href names (`…/v2/assets/{id}`), for
    /// [`Storage::download`]; `None` for a file elsewhere.
    pub fn asset_id(&self) -> Option<AssetId> {
        let path = self.href.split(['?', '#']).next()?;
        let (before, id) = path.trim_end_matches('/').rsplit_once('/')?;
        (before.ends_with("/v2/assets") && !id.is_empty()).then(|| AssetId::from(id))
    }
}

/// A search of storage (`POST /v2/assets/stac/search`): every field set
/// must match. Filters are CQL2-JSON over UP42's queryables.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct StacSearch {
    /// Only these items.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<StacItemId>,
    /// Only items of these collections.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<StacCollectionId>,
    /// Only items that overlap this box: west, south, east, north.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
    /// Only items of this time or interval (RFC 3339, `..` for open ends).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datetime: Option<String>,
    /// A CQL2-JSON filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
    /// How many items a page holds; [`List::page_size`] sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl StacSearch {
    /// A search of every item.
    pub fn new() -> Self {
        StacSearch::default()
    }

    /// Only these items.
    pub fn ids<I: Into<StacItemId>>(mut self, ids: impl IntoIterator<Item = I>) -> Self {
        self.ids = collect(ids);
        self
    }

    /// Only items of these collections.
    pub fn collections<I: Into<StacCollectionId>>(mut self, ids: impl IntoIterator<Item = I>) -> Self {
        self.collections = collect(ids);
        self
    }

    /// Only items that overlap `[west, south, east, north]`.
    pub fn bbox(mut self, bbox: [f64; 4]) -> Self {
        self.bbox = Some(bbox);
        self
    }

    /// Only items of this time or interval (`2026-01-01T00:00:00Z/..`).
    pub fn datetime(mut self, datetime: impl Into<String>) -> Self {
        self.datetime = Some(datetime.into());
        self
    }

    /// Only items this CQL2-JSON filter matches.
    pub fn filter(mut self, filter: Value) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Only the items an order delivered: a filter on `order_id`.
    pub fn order(self, order: impl Into<OrderId>) -> Self {
        let order = order.into();
        self.filter(json!({"op": "=", "args": [{"property": "order_id"}, order]}))
    }
}

/// A signed URL of an asset: on a storage host, short-lived (30 s to a few
/// minutes), fetched without the token.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct SignedUrl {
    /// The URL.
    pub url: String,
}

impl std::fmt::Debug for SignedUrl {
    // The signature is a credential: shown as the host only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = up42_auth::Url::parse(&self.url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_string));
        f.debug_struct("SignedUrl")
            .field("host", &host)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Storage: delivered and processed data as STAC, and downloads.
    pub fn storage(&self) -> Storage {
        Storage { client: self.clone() }
    }
}

/// Storage, from [`Client::storage`].
#[derive(Debug, Clone)]
pub struct Storage {
    client: Client,
}

impl Storage {
    /// Storage's STAC landing page (`GET /v2/assets/stac/`).
    pub fn landing_page(&self) -> impl Future<Output = Result<LandingPage>> + Send + 'static {
        let client = self.client.clone();
        async move { landing_page(&client).await }
    }

    /// The STAC collections of the account (`GET /v2/assets/stac/collections`).
    pub fn collections(&self) -> List<StacCollectionQuery> {
        List::new(self.client.clone(), StacCollectionQuery::default())
    }

    /// One STAC collection (`GET /v2/assets/stac/collections/{id}`).
    pub fn collection(
        &self,
        id: impl Into<StacCollectionId>,
    ) -> impl Future<Output = Result<StacCollection>> + Send + 'static {
        let (client, id) = (self.client.clone(), id.into());
        async move { get_collection(&client, &id).await }
    }

    /// Deletes a STAC collection with its items and their files
    /// (`DELETE /v2/assets/stac/collections/{id}`).
    pub fn delete_collection(
        &self,
        id: impl Into<StacCollectionId>,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let (client, id) = (self.client.clone(), id.into());
        async move { delete_collection(&client, &id).await }
    }

    /// The items of a collection (`GET …/collections/{id}/items`).
    pub fn items(&self, collection: impl Into<StacCollectionId>) -> List<StacItemQuery> {
        let query = StacItemQuery {
            collection: collection.into(),
        };
        List::new(self.client.clone(), query)
    }

    /// One item (`GET …/collections/{id}/items/{item}`).
    pub fn item(
        &self,
        collection: impl Into<StacCollectionId>,
        item: impl Into<StacItemId>,
    ) -> impl Future<Output = Result<StacItem>> + Send + 'static {
        let (client, collection, item) = (self.client.clone(), collection.into(), item.into());
        async move { get_item(&client, &collection, &item).await }
    }

    /// Changes an item's title or tags (`PATCH …/items/{item}`); `.send()` it.
    pub fn update_item(
        &self,
        collection: impl Into<StacCollectionId>,
        item: impl Into<StacItemId>,
    ) -> ItemUpdate {
        ItemUpdate {
            client: self.client.clone(),
            collection: collection.into(),
            item: item.into(),
            patch: Map::new(),
        }
    }

    /// The items a search matches (`POST /v2/assets/stac/search`, the
    /// search POSTed again with each page's token).
    pub fn search(&self, search: &StacSearch) -> List<StacSearch> {
        List::new(self.client.clone(), search.clone())
    }

    /// The properties a [`StacSearch::filter`] can name, as a JSON Schema
    /// (`GET /v2/assets/stac/queryables`).
    pub fn queryables(&self) -> impl Future<Output = Result<Value>> + Send + 'static {
        let client = self.client.clone();
        async move { queryables(&client).await }
    }

    /// A signed URL of a stored asset (`POST /v2/assets/{id}/download-url`).
    pub fn download_url(
        &self,
        asset: impl Into<AssetId>,
    ) -> impl Future<Output = Result<SignedUrl>> + Send + 'static {
        let (client, asset) = (self.client.clone(), asset.into());
        async move { download_url(&client, &asset).await }
    }

    /// Downloads a stored asset: signs its URL, fetches it from the storage
    /// host without the token, and signs again once if the URL expired
    /// before the fetch began; `.to_file(path)` it.
    pub fn download(&self, asset: impl Into<AssetId>) -> AssetDownload<'static> {
        AssetDownload {
            client: self.client.clone(),
            asset: asset.into(),
            through_api: false,
            progress: None,
        }
    }
}

impl sealed::Sealed for StacSearch {}
impl PageSize for StacSearch {}

impl ListQuery for StacSearch {
    type Item = StacItem;

    fn paged(&self, client: &Client, size: Option<u32>) -> Paged<StacItem> {
        let search = StacSearch {
            limit: size.or(self.limit),
            ..self.clone()
        };
        search_items(client, &search)
    }
}

/// The filters of a list of STAC collections, from [`Storage::collections`]:
/// a field each, checked against its endpoint at compile time.
#[derive(Debug, Clone, Default, Serialize, Query)]
pub struct StacCollectionQuery {
    workspace_id: Option<WorkspaceId>,
    limit: Option<u32>,
}

impl sealed::Sealed for StacCollectionQuery {}
impl PageSize for StacCollectionQuery {}

impl ListQuery for StacCollectionQuery {
    type Item = StacCollection;

    fn paged(&self, client: &Client, size: Option<u32>) -> Paged<StacCollection> {
        let query = StacCollectionQuery {
            limit: size.or(self.limit),
            ..self.clone()
        };
        list_collections(client, &query)
    }
}

/// The filters of a list of STAC collections.
impl List<StacCollectionQuery> {
    /// Only the collections of this workspace.
    pub fn workspace(mut self, id: impl Into<WorkspaceId>) -> Self {
        self.query.workspace_id = Some(id.into());
        self
    }
}

/// The items of one STAC collection, from [`Storage::items`].
#[derive(Debug, Clone)]
pub struct StacItemQuery {
    collection: StacCollectionId,
}

impl sealed::Sealed for StacItemQuery {}
impl PageSize for StacItemQuery {}

impl ListQuery for StacItemQuery {
    type Item = StacItem;

    fn paged(&self, client: &Client, size: Option<u32>) -> Paged<StacItem> {
        list_items(client, &self.collection, size)
    }
}

/// A change to a STAC item, from [`Storage::update_item`]; `.send()` it.
#[derive(Debug)]
#[must_use = "an update does nothing until it is sent"]
pub struct ItemUpdate {
    client: Client,
    collection: StacCollectionId,
    item: StacItemId,
    patch: Map<String, Value>,
}

impl ItemUpdate {
    /// Sets the item's title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.patch
            .insert("up42-user:title".into(), Value::String(title.into()));
        self
    }

    /// Replaces the item's tags.
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        let tags = tags.into_iter().map(|tag| Value::String(tag.into())).collect();
        self.patch.insert("up42-user:tags".into(), Value::Array(tags));
        self
    }

    /// Sends the change; answers the item as it is now.
    pub async fn send(self) -> Result<StacItem> {
        patch_item(&self.client, &self.collection, &self.item, &self.patch).await
    }
}

/// What [`AssetDownload::progress`] calls.
type ProgressFn<'a> = Box<dyn FnMut(Progress) + Send + 'a>;

/// A download of a stored asset, from [`Storage::download`].
#[must_use = "a download does nothing until `to_file` or `to_writer` is awaited"]
pub struct AssetDownload<'a> {
    client: Client,
    asset: AssetId,
    through_api: bool,
    progress: Option<ProgressFn<'a>>,
}

impl<'a> AssetDownload<'a> {
    /// Calls `report` after each chunk written, with the bytes so far and
    /// the total when known.
    pub fn progress<'b>(self, report: impl FnMut(Progress) + Send + 'b) -> AssetDownload<'b> {
        AssetDownload {
            client: self.client,
            asset: self.asset,
            through_api: self.through_api,
            progress: Some(Box::new(report)),
        }
    }

    /// Fetches the bytes from the API host (`GET /v2/assets/{id}`, with the
    /// token) instead of through a signed URL: for networks that reach the
    /// API but not UP42's storage hosts.
    pub fn through_api(mut self) -> Self {
        self.through_api = true;
        self
    }

    /// Writes the asset to `path` as it arrives and returns its size. The
    /// bytes go to a temporary file beside `path`, renamed to it only when
    /// complete: a failed download leaves no partial file.
    pub async fn to_file(self, path: impl AsRef<Path>) -> Result<u64> {
        self.started().await?.to_file(path).await
    }

    /// Writes the asset to `out` as it arrives (standard output, a socket)
    /// and returns its size; `name` names `out` in errors.
    pub async fn to_writer<W: tokio::io::AsyncWrite + Unpin>(self, out: &mut W, name: &str) -> Result<u64> {
        self.started().await?.to_writer(out, name).await
    }

    /// The download under way, reporting progress if asked. Only the client
    /// and the asset are borrowed across the fetch, so the future is `Send`
    /// whatever the progress callback is.
    async fn started(self) -> Result<Download<'a>> {
        let download = start(&self.client, &self.asset, self.through_api).await?;
        Ok(match self.progress {
            Some(report) => download.progress(report),
            None => download,
        })
    }
}

/// The signed URL of `asset` fetched, signed again once if it expired
/// already; or the asset fetched through the API.
async fn start<'a>(client: &Client, asset: &AssetId, through_api: bool) -> Result<Download<'a>> {
    if through_api {
        return Ok(Download::new(asset_bytes(client, asset).await?));
    }
    let signed = download_url(client, asset).await?;
    match Download::get(client, &signed.url).await {
        Err(error) if expired(&error) => {
            let signed = download_url(client, asset).await?;
            Download::get(client, &signed.url).await
        }
        started => started,
    }
}

impl std::fmt::Debug for AssetDownload<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssetDownload")
            .field("asset", &self.asset)
            .field("through_api", &self.through_api)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Whether a storage host refused a signed URL as expired: S3 answers 403,
/// Google Cloud Storage 400.
fn expired(error: &Error) -> bool {
    matches!(error.status().map(|s| s.as_u16()), Some(400 | 401 | 403))
}

#[up42_endpoint(GET, "/v2/assets/stac/collections", paged = "collections", bundled)]
fn list_collections(
    client: &Client,
    #[query(flatten)] filters: &StacCollectionQuery,
) -> Paged<StacCollection>;

#[up42_endpoint(GET, "/v2/assets/stac/collections/{collection_id}", bundled)]
async fn get_collection(client: &Client, collection_id: &StacCollectionId) -> Result<StacCollection>;

#[up42_endpoint(DELETE, "/v2/assets/stac/collections/{collection_id}", bundled)]
async fn delete_collection(client: &Client, collection_id: &StacCollectionId) -> Result<()>;

#[up42_endpoint(
    GET,
    "/v2/assets/stac/collections/{collection_id}/items",
    paged = "features",
    bundled
)]
fn list_items(
    client: &Client,
    collection_id: &StacCollectionId,
    #[query] limit: Option<u32>,
) -> Paged<StacItem>;

#[up42_endpoint(GET, "/v2/assets/stac/collections/{collection_id}/items/{item_id}", bundled)]
async fn get_item(
    client: &Client,
    collection_id: &StacCollectionId,
    item_id: &StacItemId,
) -> Result<StacItem>;

#[up42_endpoint(PATCH, "/v2/assets/stac/collections/{collection_id}/items/{item_id}", bundled)]
async fn patch_item(
    client: &Client,
    collection_id: &StacCollectionId,
    item_id: &StacItemId,
    #[body] patch: &Map<String, Value>,
) -> Result<StacItem>;

#[up42_endpoint(POST, "/v2/assets/stac/search", paged = "features", retry = true, bundled)]
fn search_items(client: &Client, #[body] search: &StacSearch) -> Paged<StacItem>;

#[up42_endpoint(GET, "/v2/assets/stac/", bundled)]
async fn landing_page(client: &Client) -> Result<LandingPage>;

#[up42_endpoint(GET, "/v2/assets/{asset_id}", raw, bundled)]
async fn asset_bytes(client: &Client, asset_id: &AssetId) -> Result<up42_auth::reqwest::Response>;

#[up42_endpoint(GET, "/v2/assets/stac/queryables", bundled)]
async fn queryables(client: &Client) -> Result<Value>;

#[up42_endpoint(POST, "/v2/assets/{asset_id}/download-url", retry = true, bundled)]
async fn download_url(client: &Client, asset_id: &AssetId) -> Result<SignedUrl>;

#[cfg(all(test, feature = "stac"))]
mod stac_tests {
    use super::*;

    /// An item and its collection as UP42's storage sends them.
    fn delivery() -> (Value, Value) {
        let item = json!({
            "type": "Feature", "stac_version": "1.0.0", "stac_extensions": [],
            "id": "17e30000-0000-4000-8000-000000000000", "collection": "c0110000-0000-4000-8000-000000000000",
            "bbox": [13.3, 52.4, 13.5, 52.6],
            "geometry": {"type": "Polygon", "coordinates": [[[13.3, 52.4], [13.5, 52.4], [13.5, 52.6], [13.3, 52.6], [13.3, 52.4]]]},
            "properties": {"datetime": "2026-01-05T10:30:00Z", "up42-order:id": "an-order", "up42-user:tags": ["a"], "gsd": 0.5},
            "assets": {"image": {"href": "https://api.up42.com/v2/assets/a55e7000", "type": "image/tiff", "roles": ["data"]}},
            "links": [{"rel": "self", "href": "https://api.up42.com/v2/assets/stac/collections/c/items/i"}],
        });
        let collection = json!({
            "type": "Collection", "stac_version": "1.0.0", "stac_extensions": [],
            "id": "c0110000-0000-4000-8000-000000000000", "description": "A delivery", "license": "proprietary",
            "extent": {"spatial": {"bbox": [[13.3, 52.4, 13.5, 52.6]]}, "temporal": {"interval": [["2026-01-05T10:30:00Z", null]]}},
            "links": [], "up42-order:id": "an-order",
        });
        (item, collection)
    }

    #[test]
    fn items_and_collections_convert_to_the_stac_crates_types() {
        let (item, collection) = delivery();
        let item: StacItem = serde_json::from_value(item).unwrap();
        let converted = stac::Item::try_from(item.clone()).unwrap();
        assert_eq!(converted.id, item.id.as_str());
        assert_eq!(
            converted.collection.as_deref(),
            Some(item.collection.as_ref().unwrap().as_str())
        );
        assert_eq!(
            converted.properties.additional_fields["up42-order:id"],
            "an-order"
        );
        assert_eq!(
            converted.assets["image"].href,
            "https://api.up42.com/v2/assets/a55e7000"
        );

        let collection: StacCollection = serde_json::from_value(collection).unwrap();
        let converted = stac::Collection::try_from(collection.clone()).unwrap();
        assert_eq!(converted.id, collection.id.as_str());
        assert_eq!(converted.additional_fields["up42-order:id"], "an-order");
    }
}
