//! Storage: UP42's STAC API at `/v2/assets/stac/` (landing page,
//! collections and items with token paging, item updates, collection
//! deletion, search with a CQL2-JSON filter, queryables) and assets: their
//! bytes on the API host, and `download-url`, which signs a URL on a second,
//! token-less storage host; [`assets`](crate::assets) serves the bytes.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use super::{Params, json_body};
use crate::assets::{self, Asset};
use crate::counters::Count;
use crate::seed::Caller;
use crate::shapes::{error, link};
use crate::stac::{self, Search};
use crate::state::{Shared, StacRecord};

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

/// `attachment; filename="name"`, or RFC 6266's `filename*=UTF-8''…` for a
/// name that a quoted string cannot hold as it is.
fn disposition(name: &str) -> String {
    let plain = name
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    match plain {
        true => format!("attachment; filename=\"{name}\""),
        false => format!(
            "attachment; filename*=UTF-8''{}",
            utf8_percent_encode(name, NON_ALPHANUMERIC)
        ),
    }
}

/// `POST /v2/assets/{asset_id}/download-url`: `{"url"}`, a signed URL on the
/// storage host whose `response-content-disposition` names the asset's file,
/// as Google Cloud Storage's signed URLs do.
pub(crate) async fn download_url(
    State(shared): State<Arc<Shared>>,
    Path(asset_id): Path<String>,
) -> Response {
    let Some(name) = shared
        .store()
        .world
        .storage()
        .assets
        .get(&asset_id)
        .map(|a| a.name.clone())
    else {
        return error::not_found("Asset", &asset_id);
    };
    let storage = shared.storage_url.get().map(String::as_str).unwrap_or_default();
    let disposition = utf8_percent_encode(&disposition(&name), NON_ALPHANUMERIC).to_string();
    let url = format!(
        "{storage}/storage/{asset_id}?X-Signature=sandbox-signature&response-content-disposition={disposition}"
    );
    Json(json!({ "url": url })).into_response()
}

/// The answer that serves the asset `id`, its bytes counted; `None` for an unknown asset.
fn serve(shared: &Arc<Shared>, id: &str, headers: &HeaderMap) -> Option<Response> {
    let asset = take_asset(shared, id)?;
    let counted = Arc::clone(shared);
    let sent = move |bytes| counted.counters.add(Count::AssetBytes, bytes);
    Some(assets::serve(id, asset, headers, sent))
}

/// The asset `id`, its one-time rules used up by this request.
fn take_asset(shared: &Shared, id: &str) -> Option<Asset> {
    let mut store = shared.store();
    let stored = store.world.storage().assets.get_mut(id)?;
    let asset = stored.clone();
    stored.rules.cut_once_after = None;
    Some(asset)
}

/// `GET /v2/assets/{asset_id}`: the bytes, on the API host, with the token.
pub(crate) async fn asset(
    State(shared): State<Arc<Shared>>,
    Path(asset_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    serve(&shared, &asset_id, &headers).unwrap_or_else(|| error::not_found("Asset", &asset_id))
}

/// `GET /storage/{asset_id}` on the storage host: the bytes, no token needed.
pub(crate) async fn storage(
    State(shared): State<Arc<Shared>>,
    Path(asset_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    serve(&shared, &asset_id, &headers).unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}
