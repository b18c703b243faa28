//! Storage: UP42's STAC API at `/v2/assets/stac/` (landing page,
//! collections and items with token paging, item updates, collection
//! deletion, search with a CQL2-JSON filter, queryables) and assets: their
//! bytes on the API host, and `download-url`, which signs a URL on a second,
//! token-less storage host that serves given bytes or a large generated file
//! streamed without being held in memory, optionally cut off part-way.

use std::sync::{Arc, OnceLock};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Params, json_body};
use crate::seed::Caller;
use crate::shapes::{error, link};
use crate::stac::{self, Search};
use crate::state::{Asset, Shared, StacRecord};

/// The conformance classes the storage's landing page declares.
const CONFORMANCE: [&str; 10] = [
    "https://api.stacspec.org/v1.0.0-rc.1/core",
    "https://api.stacspec.org/v1.0.0-rc.1/collections",
    "https://api.stacspec.org/v1.0.0-rc.1/ogcapi-features",
    "https://api.stacspec.org/v1.0.0-rc.1/item-search",
    "https://api.stacspec.org/v1.0.0-rc.1/item-search#filter",
    "https://api.stacspec.org/v1.0.0-rc.1/item-search#sort",
    "https://api.stacspec.org/v1.0.0-rc.1/ogcapi-features/extensions/transaction",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
];

/// `GET /v2/assets/stac/`: the STAC API landing page.
pub(crate) async fn landing(State(shared): State<Arc<Shared>>) -> Response {
    let root = shared.url("/v2/assets/stac/");
    let search = shared.url("/v2/assets/stac/search");
    Json(json!({
        "type": "Catalog",
        "stac_version": "1.0.0",
        "id": "up42-storage",
        "title": "UP42 Storage",
        "description": "The STAC catalog of the workspace's assets",
        "conformsTo": CONFORMANCE,
        "links": [
            link("self", &root, "application/json"),
            link("root", &root, "application/json"),
            link("data", &shared.url("/v2/assets/stac/collections"), "application/json"),
            link("conformance", &root, "application/json"),
            {"rel": "search", "href": search, "type": "application/geo+json", "method": "GET"},
            {"rel": "search", "href": search, "type": "application/geo+json", "method": "POST"},
            link("http://www.opengis.net/def/rel/ogc/1.0/queryables", &shared.url("/v2/assets/stac/queryables"), "application/schema+json"),
        ],
    }))
    .into_response()
}

/// `GET /v2/assets/stac/queryables`.
pub(crate) async fn queryables(State(shared): State<Arc<Shared>>) -> Response {
    Json(stac::queryables(&shared.url("/v2/assets/stac/queryables"))).into_response()
}

/// A 400 in the current shape for a bad search or page request.
fn bad(message: String) -> Response {
    error::current(StatusCode::BAD_REQUEST, message)
}

/// `limit` (1..=500, default 10) and `token` of a GET list.
fn paging(params: &Params) -> Result<Search, Response> {
    let limit = match params.number("limit")? {
        None => stac::DEFAULT_LIMIT,
        Some(n @ 1..=500) => n as usize,
        Some(n) => return Err(bad(format!("limit must be between 1 and 500, not {n}"))),
    };
    let offset = stac::read_token(params.one("token")).map_err(bad)?;
    Ok(Search {
        limit,
        offset,
        ..Search::default()
    })
}

/// A `next` link for GET lists: `href` with `limit` and `token`.
fn next_link(href: &str, limit: usize, token: Option<String>) -> Option<Value> {
    token.map(|token| {
        link(
            "next",
            &format!("{href}?limit={limit}&token={token}"),
            "application/json",
        )
    })
}

/// `GET /v2/assets/stac/collections?workspace_id=&limit=&token=`.
pub(crate) async fn collections(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let params = Params(query);
    let search = match paging(&params) {
        Ok(search) => search,
        Err(response) => return response,
    };
    let mut store = shared.store();
    let mine: Vec<Value> = store
        .world
        .storage()
        .stac
        .iter()
        .map(|s| &s.collection)
        .filter(|c| c["up42-system:account_id"] == caller.account_id.as_str())
        .filter(|c| {
            params
                .one("workspace_id")
                .is_none_or(|w| c["up42-system:workspace_id"] == w)
        })
        .cloned()
        .collect();
    let (page, token) = match search.page(&mine) {
        Ok(page) => page,
        Err(message) => return bad(message),
    };
    let href = shared.url("/v2/assets/stac/collections");
    let mut links = vec![
        link("self", &href, "application/json"),
        link("root", &shared.url("/v2/assets/stac/"), "application/json"),
    ];
    links.extend(next_link(&href, search.limit, token));
    Json(json!({"collections": page, "links": links})).into_response()
}

/// The caller's STAC collection `id`, or UP42's 404.
fn find<'a>(stac: &'a mut [StacRecord], caller: &Caller, id: &str) -> Result<&'a mut StacRecord, Response> {
    stac.iter_mut()
        .find(|s| {
            s.collection["id"] == id && s.collection["up42-system:account_id"] == caller.account_id.as_str()
        })
        .ok_or_else(|| error::not_found("Collection", id))
}

/// `GET /v2/assets/stac/collections/{collection_id}`.
pub(crate) async fn collection(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    match find(&mut shared.store().world.storage().stac, &caller, &id) {
        Ok(record) => Json(record.collection.clone()).into_response(),
        Err(response) => response,
    }
}

/// `DELETE /v2/assets/stac/collections/{collection_id}`: the collection, its
/// items and their assets are gone; 204.
pub(crate) async fn delete_collection(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let mut store = shared.store();
    if let Err(response) = find(&mut store.world.storage().stac, &caller, &id) {
        return response;
    }
    let world = &mut store.world;
    let position = world
        .storage()
        .stac
        .iter()
        .position(|s| s.collection["id"] == id.as_str());
    if let Some(record) = position.map(|p| world.storage().stac.remove(p)) {
        for item in &record.items {
            if let Some(asset) = item["properties"]["up42-system:asset_id"].as_str() {
                world.storage().assets.remove(asset);
            }
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /v2/assets/stac/collections/{collection_id}/items?limit=&token=`.
pub(crate) async fn items(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let search = match paging(&Params(query)) {
        Ok(search) => search,
        Err(response) => return response,
    };
    let mut store = shared.store();
    let record = match find(&mut store.world.storage().stac, &caller, &id) {
        Ok(record) => record,
        Err(response) => return response,
    };
    let (page, token) = match search.page(&record.items) {
        Ok(page) => page,
        Err(message) => return bad(message),
    };
    let href = shared.url(&format!("/v2/assets/stac/collections/{id}/items"));
    let mut links = vec![link("self", &href, "application/geo+json")];
    links.extend(next_link(&href, search.limit, token));
    let body = json!({"type": "FeatureCollection", "features": page, "links": links});
    ([(header::CONTENT_TYPE, "application/geo+json")], Json(body)).into_response()
}

/// `GET /v2/assets/stac/collections/{collection_id}/items/{item_id}`.
pub(crate) async fn item(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path((collection_id, item_id)): Path<(String, String)>,
) -> Response {
    let mut store = shared.store();
    let record = match find(&mut store.world.storage().stac, &caller, &collection_id) {
        Ok(record) => record,
        Err(response) => return response,
    };
    match record.items.iter().find(|i| i["id"] == item_id.as_str()) {
        Some(item) => Json(item.clone()).into_response(),
        None => error::not_found("Item", &item_id),
    }
}

/// `PATCH /v2/assets/stac/collections/{collection_id}/items/{item_id}` with
/// `{"up42-user:title", "up42-user:tags"}`: the updated item.
pub(crate) async fn update_item(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path((collection_id, item_id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let patch = match json_body(&body) {
        Ok(patch) => patch,
        Err(response) => return response,
    };
    for (key, value) in patch.as_object().into_iter().flatten() {
        let fits = match key.as_str() {
            "up42-user:title" => value.is_string() || value.is_null(),
            "up42-user:tags" => {
                value.is_null() || value.as_array().is_some_and(|t| t.iter().all(Value::is_string))
            }
            _ => {
                return bad(format!(
                    "{key} cannot be changed; up42-user:title and up42-user:tags can"
                ));
            }
        };
        if !fits {
            return bad(format!("{key} has the wrong type: {value}"));
        }
    }
    let mut store = shared.store();
    let record = match find(&mut store.world.storage().stac, &caller, &collection_id) {
        Ok(record) => record,
        Err(response) => return response,
    };
    let Some(item) = record.items.iter_mut().find(|i| i["id"] == item_id.as_str()) else {
        return error::not_found("Item", &item_id);
    };
    for (key, value) in patch.as_object().into_iter().flatten() {
        item["properties"][key] = match (key.as_str(), value) {
            ("up42-user:tags", Value::Null) => json!([]),
            _ => value.clone(),
        };
    }
    item["properties"]["updated"] = json!(crate::shapes::now());
    Json(item.clone()).into_response()
}

/// `POST /v2/assets/stac/search`: the caller's items that match, and a
/// `next` link that POSTs the same search with the next `token` merged in.
pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Response {
    let items: Vec<Value> = shared
        .store()
        .world
        .storage()
        .stac
        .iter()
        .filter(|s| s.collection["up42-system:account_id"] == caller.account_id.as_str())
        .flat_map(|s| s.items.iter().cloned())
        .collect();
    let (href, root) = (
        shared.url("/v2/assets/stac/search"),
        shared.url("/v2/assets/stac/"),
    );
    stac::answer(&items, &body, &href, &root, Value::clone)
}

/// The length of the pattern generated assets repeat: a prime, so that no
/// chunk size lines up with it and a misplaced chunk shows.
const PATTERN_LEN: usize = 65_521;
/// How much of a generated asset one chunk of the answer carries.
const CHUNK: usize = 64 * 1024;

fn pattern() -> &'static [u8] {
    static PATTERN: OnceLock<Vec<u8>> = OnceLock::new();
    PATTERN.get_or_init(|| {
        let mut rng = fastrand::Rng::with_seed(0x5eed_a55e7);
        (0..PATTERN_LEN).map(|_| rng.u8(..)).collect()
    })
}

/// `len` bytes of a generated asset, starting at `offset`: what the storage
/// host serves for [`Sandbox::add_generated_asset`](crate::Sandbox::add_generated_asset),
/// for checking a download piece by piece.
pub fn generated_asset(offset: u64, len: usize) -> Vec<u8> {
    let pattern = pattern();
    let mut out = Vec::with_capacity(len);
    let mut at = (offset % PATTERN_LEN as u64) as usize;
    while out.len() < len {
        let take = (len - out.len()).min(PATTERN_LEN - at);
        out.extend_from_slice(&pattern[at..at + take]);
        at = 0;
    }
    out
}

/// `POST /v2/assets/{asset_id}/download-url`: `{"url"}`, a signed URL on the
/// storage host whose name is the asset's file name.
pub(crate) async fn download_url(
    State(shared): State<Arc<Shared>>,
    Path(asset_id): Path<String>,
) -> Response {
    if !shared.store().world.storage().assets.contains_key(&asset_id) {
        return error::not_found("Asset", &asset_id);
    }
    let storage = shared.storage_url.get().map(String::as_str).unwrap_or_default();
    let url = format!(
        "{storage}/storage/{asset_id}?X-Signature=sandbox-signature&response-content-disposition=attachment%3B%20filename%3D%22{asset_id}%22"
    );
    Json(json!({ "url": url })).into_response()
}

/// The answer that serves an asset's bytes.
fn serve(asset: Option<Asset>) -> Response {
    let octets = [(header::CONTENT_TYPE, "application/octet-stream")];
    match asset {
        Some(Asset::Bytes(bytes)) => (octets, bytes).into_response(),
        Some(Asset::Generated { len, cut_after }) => {
            let length = [(header::CONTENT_LENGTH, len.to_string())];
            (octets, length, Body::from_stream(generated(len, cut_after))).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /v2/assets/{asset_id}`: the bytes, on the API host, with the token.
pub(crate) async fn asset(State(shared): State<Arc<Shared>>, Path(asset_id): Path<String>) -> Response {
    match shared.store().world.storage().assets.get(&asset_id).cloned() {
        None => error::not_found("Asset", &asset_id),
        asset => serve(asset),
    }
}

/// `GET /storage/{asset_id}` on the storage host: the bytes, no token needed.
pub(crate) async fn storage(State(shared): State<Arc<Shared>>, Path(asset_id): Path<String>) -> Response {
    serve(shared.store().world.storage().assets.get(&asset_id).cloned())
}

/// The chunks of a generated asset; an error where it is cut off, which
/// closes the connection short of the announced length.
fn generated(
    len: u64,
    cut_after: Option<u64>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let end = cut_after.map_or(len, |cut| cut.min(len));
    futures_util::stream::unfold(0u64, move |sent| async move {
        if sent >= len {
            return None;
        }
        if sent >= end {
            let cut = std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "cut off");
            // One error, then the end: `len` is never reached.
            return Some((Err(cut), len));
        }
        let take = (end - sent).min(CHUNK as u64);
        let chunk = Bytes::from(generated_asset(sent, take as usize));
        Some((Ok(chunk), sent + take))
    })
}
