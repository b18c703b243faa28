//! The catalog: search a provider's archive for scenes ([`Scene`]) to
//! order, and fetch their quicklooks.
//!
//! A search goes to the host of a collection (its provider with the `HOST`
//! role in the glossary: [`Collection::host`](crate::glossary::Collection::host)).
//!
//! ```
//! use futures_util::TryStreamExt;
//! use up42::catalog::CatalogSearch;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> up42::Result<()> {
//! # let sandbox = up42_testkit::Sandbox::start().await;
//! # let client = up42::Client::from(sandbox.client()?);
//! let search = CatalogSearch::new()
//!     .collections(["phr"])
//!     .bbox([13.3, 52.4, 13.5, 52.6])
//!     .datetime("2026-01-01T00:00:00Z/..")
//!     .max_cloud_cover(20.0);
//! let scenes: Vec<_> = client.catalog().search("oneatlas", &search).items().try_collect().await?;
//! for scene in &scenes {
//!     println!("{} at {:?}, {:?} % clouds", scene.properties.id, scene.properties.datetime, scene.properties.cloud_coverage);
//! }
//! # Ok(()) }
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::future::Future;
use up42_auth::{Download, Paged, reqwest, up42_endpoint};

use crate::Result;
use crate::client::Client;
use crate::enums::string_enum;
use crate::ids::{CollectionName, HostName, SceneId};
use crate::list::{List, ListQuery, PageSize, collect, sealed};

string_enum! {
    /// How soon a scene can be delivered.
    pub enum DeliveryTime {
        /// Within minutes.
        Minutes = "MINUTES",
        /// Within hours.
        Hours = "HOURS",
        /// Within days.
        Days = "DAYS",
    }
}

/// A scene of a provider's archive: a GeoJSON feature.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Scene {
    /// Its id, as the GeoJSON feature names it (the same as
    /// [`SceneProperties::id`]).
    pub id: Option<SceneId>,
    /// Its bounding box.
    pub bbox: Option<Vec<f64>>,
    /// Its footprint.
    pub geometry: geojson::Geometry,
    /// What it is.
    pub properties: SceneProperties,
    /// Fields this version does not name (`assets`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What a [`Scene`] is.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SceneProperties {
    /// Its id: what an archive order's `params` name.
    pub id: SceneId,
    /// The satellites that took it.
    pub constellation: String,
    /// The glossary collection it belongs to.
    pub collection: CollectionName,
    /// Who made it.
    pub producer: String,
    /// When it was taken.
    pub datetime: Option<DateTime<Utc>>,
    /// When its acquisition began.
    #[serde(rename = "start_datetime")]
    pub start_datetime: Option<DateTime<Utc>>,
    /// When its acquisition ended.
    #[serde(rename = "end_datetime")]
    pub end_datetime: Option<DateTime<Utc>>,
    /// Its cloud cover, in percent.
    pub cloud_coverage: Option<f64>,
    /// Its resolution, in metres.
    pub resolution: Option<f64>,
    /// How soon it can be delivered.
    pub delivery_time: Option<DeliveryTime>,
    /// The provider's own properties.
    #[serde(default)]
    pub provider_properties: Map<String, Value>,
    /// Properties this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// How a [`CatalogSearch::filter`] compares a scene's property with its
/// value: the STAC `query` operators the catalog search takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
    /// Equal.
    Eq,
    /// Not equal.
    Neq,
}

impl Comparison {
    /// Every operator, as [`as_str`](Self::as_str) names them.
    pub const ALL: [Comparison; 6] = [
        Comparison::Lt,
        Comparison::Lte,
        Comparison::Gt,
        Comparison::Gte,
        Comparison::Eq,
        Comparison::Neq,
    ];

    /// The operator as the STAC `query` extension writes it (`lte`).
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Lt => "lt",
            Comparison::Lte => "lte",
            Comparison::Gt => "gt",
            Comparison::Gte => "gte",
            Comparison::Eq => "eq",
            Comparison::Neq => "neq",
        }
    }
}

impl std::fmt::Display for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Comparison {
    type Err = crate::Error;

    /// `lt`, `lte`, `gt`, `gte`, `eq` or `neq`, in any case.
    fn from_str(text: &str) -> Result<Self> {
        Comparison::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                let names: Vec<&str> = Comparison::ALL.iter().map(|op| op.as_str()).collect();
                crate::Error::invalid_argument(
                    "op",
                    format!("`{text}` is not a comparison; one of: {}", names.join(", ")),
                )
            })
    }
}

impl From<Scene> for geojson::Feature {
    /// The scene as the GeoJSON feature it came as: its properties as UP42
    /// sent them (`collection` among them), its footprint and id.
    fn from(scene: Scene) -> Self {
        let properties = match serde_json::to_value(&scene.properties) {
            Ok(Value::Object(properties)) => Some(properties),
            _ => None,
        };
        let mut foreign_members = scene.extra;
        foreign_members.remove("type");
        geojson::Feature {
            bbox: scene.bbox,
            geometry: Some(scene.geometry),
            id: scene.id.map(|id| geojson::feature::Id::String(id.to_string())),
            properties,
            foreign_members: Some(foreign_members).filter(|m| !m.is_empty()),
        }
    }
}

impl TryFrom<geojson::Feature> for Scene {
    type Error = crate::Error;

    /// A scene from a GeoJSON feature (one `up42 catalog search -o geojson`
    /// wrote, say): it needs a geometry and the scene's properties (`id`,
    /// `collection`, ...).
    fn try_from(feature: geojson::Feature) -> Result<Self> {
        let value = serde_json::to_value(&feature)
            .map_err(|e| crate::Error::invalid_argument("feature", format!("not a feature ({e})")))?;
        serde_json::from_value(value).map_err(|e| {
            crate::Error::invalid_argument(
                "feature",
                format!("not a scene of a catalog search ({e}): it needs a geometry and the properties `id`, `collection`, `constellation` and `producer`"),
            )
        })
    }
}

/// A search of a provider's archive: every field set must match.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct CatalogSearch {
    /// Only scenes that overlap this box: west, south, east, north.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
    /// Only scenes that overlap this geometry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intersects: Option<geojson::Geometry>,
    /// Only scenes of this time or interval (RFC 3339, `..` for open ends).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datetime: Option<String>,
    /// Only scenes of these glossary collections.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<CollectionName>,
    /// Only these scenes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<SceneId>,
    /// Conditions on properties: `{"cloudCoverage": {"LTE": 20}}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<Value>,
    /// How many scenes a page holds (1 to 500); [`List::page_size`] sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl CatalogSearch {
    /// A search of every scene of the host.
    pub fn new() -> Self {
        CatalogSearch::default()
    }

    /// Only scenes that overlap `[west, south, east, north]`.
    pub fn bbox(mut self, bbox: [f64; 4]) -> Self {
        self.bbox = Some(bbox);
        self
    }

    /// Only scenes that overlap `geometry`.
    pub fn intersects(mut self, geometry: geojson::Geometry) -> Self {
        self.intersects = Some(geometry);
        self
    }

    /// Only scenes of this time or interval (`2026-01-01T00:00:00Z/..`).
    pub fn datetime(mut self, datetime: impl Into<String>) -> Self {
        self.datetime = Some(datetime.into());
        self
    }

    /// Only scenes of these glossary collections.
    pub fn collections<I: Into<CollectionName>>(mut self, names: impl IntoIterator<Item = I>) -> Self {
        self.collections = collect(names);
        self
    }

    /// Only these scenes.
    pub fn ids<I: Into<SceneId>>(mut self, ids: impl IntoIterator<Item = I>) -> Self {
        self.ids = collect(ids);
        self
    }

    /// Only scenes with at most this cloud cover, in percent.
    pub fn max_cloud_cover(self, percent: f64) -> Self {
        self.condition("cloudCoverage", json!({"LTE": percent}))
    }

    /// Only scenes whose property `name` compares as `op` with `value`:
    /// `filter("resolution", Comparison::Lte, 0.5)`. Filters on one property
    /// add up (`gte` 0.3 and `lte` 0.5 is a range).
    pub fn filter(mut self, name: &str, op: Comparison, value: impl Into<Value>) -> Self {
        let query = self.query.get_or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(fields) = query {
            let conditions = fields
                .entry(name.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            match conditions {
                Value::Object(conditions) => {
                    conditions.insert(op.as_str().to_string(), value.into());
                }
                other => *other = json!({ op.as_str(): value.into() }),
            }
        }
        self
    }

    /// Only scenes whose property `name` meets `condition` (`{"LTE": 20}`,
    /// `{"IN": ["a", "b"]}`, ...).
    pub fn condition(mut self, name: &str, condition: Value) -> Self {
        let query = self.query.get_or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(fields) = query {
            fields.insert(name.to_string(), condition);
        }
        self
    }
}

impl Client {
    /// The catalog: archive searches and quicklooks.
    pub fn catalog(&self) -> Catalog {
        Catalog { client: self.clone() }
    }
}

/// The catalog, from [`Client::catalog`].
#[derive(Debug, Clone)]
pub struct Catalog {
    client: Client,
}

impl Catalog {
    /// The scenes of `host`'s archive that `search` matches
    /// (`POST /catalog/hosts/{host}/stac/search`, the same search POSTed to
    /// each next link).
    pub fn search(&self, host: impl Into<HostName>, search: &CatalogSearch) -> List<SceneQuery> {
        let query = SceneQuery {
            host: host.into(),
            search: search.clone(),
        };
        List::new(self.client.clone(), query)
    }

    /// The host whose archive holds every collection `search` names, from
    /// the glossary (each collection's provider with the `HOST` role): a
    /// catalog search goes to one host.
    ///
    /// Fails with [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
    /// when the search names no collection, a collection the glossary does
    /// not know, one without a host (tasking only), or collections of
    /// several hosts.
    pub fn host_for(
        &self,
        search: &CatalogSearch,
    ) -> impl Future<Output = Result<HostName>> + Send + 'static {
        let (client, names) = (self.client.clone(), search.collections.clone());
        async move {
            let invalid = |reason: String| crate::Error::invalid_argument("collections", reason);
            let mut hosts: Vec<(CollectionName, String)> = Vec::new();
            for name in names {
                let collection = match client.glossary().collection(name.clone()).await {
                    Err(e) if e.status() == Some(reqwest::StatusCode::NOT_FOUND) => {
                        return Err(invalid(format!(
                            "`{name}` is not a collection of the glossary (its collection list names them)"
                        )));
                    }
                    other => other?,
                };
                let Some(host) = collection.host() else {
                    return Err(invalid(format!(
                        "`{name}` has no catalog host: it cannot be searched"
                    )));
                };
                hosts.push((name, host.name.clone()));
            }
            match hosts.as_slice() {
                [] => Err(invalid(
                    "name a collection: the search goes to its host".to_string(),
                )),
                [(_, host), rest @ ..] if rest.iter().all(|(_, h)| h == host) => {
                    Ok(HostName::from(host.as_str()))
                }
                _ => {
                    let served: Vec<String> = hosts.iter().map(|(c, h)| format!("`{c}` by `{h}`")).collect();
                    Err(invalid(format!(
                        "the collections have several hosts ({}); search one host at a time",
                        served.join(", ")
                    )))
                }
            }
        }
    }

    /// A scene's quicklook, a small JPEG (`GET /catalog/{host}/image/{id}/quicklook`):
    /// write it with [`Download::to_file`], or take the response with
    /// [`Download::into_response`].
    pub fn quicklook(
        &self,
        host: impl Into<HostName>,
        scene: impl Into<SceneId>,
    ) -> impl Future<Output = Result<Download<'static>>> + Send + 'static {
        let (client, host, scene) = (self.client.clone(), host.into(), scene.into());
        async move {
            let response = quicklook(&client, &host, &scene).await?;
            Ok(Download::new(response))
        }
    }
}

/// A catalog search of one host, from [`Catalog::search`]: the list of the
/// scenes it matches.
#[derive(Debug, Clone)]
pub struct SceneQuery {
    host: HostName,
    search: CatalogSearch,
}

impl sealed::Sealed for SceneQuery {}
impl PageSize for SceneQuery {}

impl ListQuery for SceneQuery {
    type Item = Scene;

    fn paged(&self, client: &Client, size: Option<u32>) -> Paged<Scene> {
        let search = CatalogSearch {
            limit: size.or(self.search.limit),
            ..self.search.clone()
        };
        search_scenes(client, &self.host, &search)
    }
}

#[up42_endpoint(
    POST,
    "/catalog/hosts/{host_name}/stac/search",
    paged = "features",
    retry = true,
    bundled
)]
fn search_scenes(client: &Client, host_name: &HostName, #[body] search: &CatalogSearch) -> Paged<Scene>;

#[up42_endpoint(GET, "/catalog/{host_name}/image/{image_id}/quicklook", raw, bundled)]
async fn quicklook(client: &Client, host_name: &HostName, image_id: &SceneId) -> Result<reqwest::Response>;
