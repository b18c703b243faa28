//! The archive catalog: search on a host (`POST
//! /catalog/hosts/{host}/stac/search`, GeoJSON scenes, a `next` link that is
//! POSTed again with the same body, 422 in the legacy envelope for a bad
//! search), quicklooks, and the newer STAC entry point `/v2/catalog/` with
//! its search and collections.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Params, json_body};
use crate::seed;
use crate::shapes::{error, link};
use crate::stac::Search;
use crate::state::Shared;

/// The scenes a host serves.
fn scenes_of(host: &str) -> Vec<Value> {
    seed::scenes()
        .iter()
        .filter(|s| s["properties"]["collection"].as_str().and_then(seed::host_of) == Some(host))
        .cloned()
        .collect()
}

/// Whether a scene passes a STAC `query` (`{"cloudCoverage": {"LTE": 20}}`):
/// `lt`, `lte`, `gt`, `gte`, `eq`, `neq`, `in`, any case.
fn passes(query: &Value, scene: &Value) -> Result<bool, String> {
    let Some(fields) = query.as_object() else {
        return Err("query must be an object of fields to conditions".into());
    };
    for (field, conditions) in fields {
        let have = &scene["properties"][field];
        for (op, want) in conditions.as_object().into_iter().flatten() {
            let (x, y) = (have.as_f64(), want.as_f64());
            let holds = match op.to_ascii_lowercase().as_str() {
                "lt" => x.zip(y).is_some_and(|(x, y)| x < y),
                "lte" => x.zip(y).is_some_and(|(x, y)| x <= y),
                "gt" => x.zip(y).is_some_and(|(x, y)| x > y),
                "gte" => x.zip(y).is_some_and(|(x, y)| x >= y),
                "eq" => have == want,
                "neq" => have != want,
                "in" => want.as_array().is_some_and(|w| w.contains(have)),
                other => return Err(format!("the query operator {other:?} is not supported")),
            };
            if !holds {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// `POST /catalog/hosts/{host}/stac/search?next=`: scenes as a GeoJSON
/// FeatureCollection, `limit` at a time (1..=500, default 10).
pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    Path(host): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    let invalid = |message: String| {
        error::legacy(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid search request",
            message,
        )
    };
    let scenes = scenes_of(&host);
    if scenes.is_empty() {
        return error::legacy(
            StatusCode::NOT_FOUND,
            format!("Host {host} not found"),
            "no collection of the glossary is hosted there",
        );
    }
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(_) => return invalid("the body is not JSON".into()),
    };
    let mut search = match Search::from_body(&body) {
        Ok(search) => search,
        Err(message) => return invalid(message),
    };
    match crate::stac::read_token(Params(query).one("next")) {
        Ok(offset) => search.offset = offset,
        Err(message) => return invalid(message),
    }
    let mut matched = Vec::new();
    for scene in &scenes {
        match body.get("query").map(|q| passes(q, scene)).unwrap_or(Ok(true)) {
            Ok(true) => matched.push(scene.clone()),
            Ok(false) => {}
            Err(message) => return invalid(message),
        }
    }
    let (page, next) = match search.page(&matched) {
        Ok(page) => page,
        Err(message) => return invalid(message),
    };
    let links: Vec<Value> = next
        .map(|token| {
            link(
                "next",
                &shared.url(&format!("/catalog/hosts/{host}/stac/search?next={token}")),
                "application/geo+json",
            )
        })
        .into_iter()
        .collect();
    Json(json!({"type": "FeatureCollection", "features": page, "links": links})).into_response()
}

/// `GET /catalog/{host}/image/{image_id}/quicklook`: a small JPEG.
pub(crate) async fn quicklook(Path((host, image_id)): Path<(String, String)>) -> Response {
    if !scenes_of(&host).iter().any(|s| s["id"] == image_id.as_str()) {
        return error::not_found("Image", &image_id);
    }
    // A JPEG's start and end markers around the scene id: enough for a viewer to sniff.
    let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0];
    jpeg.extend_from_slice(image_id.as_bytes());
    jpeg.extend_from_slice(&[0xff, 0xd9]);
    ([(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response()
}

/// A scene as a STAC item of `/v2/catalog/`.
fn scene_item(shared: &Shared, scene: &Value) -> Value {
    let mut item = scene.clone();
    let collection = scene["properties"]["collection"].as_str().unwrap_or_default();
    let host = seed::host_of(collection).unwrap_or_default();
    let id = scene["id"].as_str().unwrap_or_default();
    item["stac_version"] = json!("1.0.0");
    item["collection"] = json!(collection);
    item["assets"] = json!({"quicklook": {"href": shared.url(&format!("/catalog/{host}/image/{id}/quicklook")), "type": "image/jpeg", "roles": ["overview"]}});
    item["links"] = json!([
        link(
            "self",
            &shared.url(&format!("/v2/catalog/collections/{collection}/items/{id}")),
            "application/geo+json"
        ),
        link(
            "collection",
            &shared.url(&format!("/v2/catalog/collections/{collection}")),
            "application/json"
        ),
        link("root", &shared.url("/v2/catalog/"), "application/json"),
    ]);
    item
}

/// `GET /v2/catalog/`: the STAC landing page of the archive.
pub(crate) async fn landing(State(shared): State<Arc<Shared>>) -> Response {
    let root = shared.url("/v2/catalog/");
    let search = shared.url("/v2/catalog/search");
    Json(json!({
        "type": "Catalog",
        "stac_version": "1.0.0",
        "id": "up42-catalog",
        "title": "UP42 Catalog",
        "description": "Archive scenes of the glossary's collections",
        "conformsTo": [
            "https://api.stacspec.org/v1.0.0-rc.1/core",
            "https://api.stacspec.org/v1.0.0-rc.1/collections",
            "https://api.stacspec.org/v1.0.0-rc.1/item-search",
            "https://api.stacspec.org/v1.0.0-rc.1/item-search#filter",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
            "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        ],
        "links": [
            link("self", &root, "application/json"),
            link("root", &root, "application/json"),
            link("data", &shared.url("/v2/catalog/collections"), "application/json"),
            {"rel": "search", "href": search, "type": "application/geo+json", "method": "POST"},
        ],
    }))
    .into_response()
}

/// The STAC collection of a searchable glossary collection.
fn stac_collection(shared: &Shared, glossary: &Value) -> Value {
    let name = glossary["name"].as_str().unwrap_or_default();
    json!({
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": name,
        "title": glossary["title"],
        "description": glossary["description"],
        "license": "proprietary",
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [["2026-01-01T00:00:00Z", null]]}},
        "links": [
            link("self", &shared.url(&format!("/v2/catalog/collections/{name}")), "application/json"),
            link("root", &shared.url("/v2/catalog/"), "application/json"),
        ],
    })
}

/// `GET /v2/catalog/collections`: the searchable collections.
pub(crate) async fn collections(State(shared): State<Arc<Shared>>) -> Response {
    let collections: Vec<Value> = seed::glossary()
        .iter()
        .filter(|c| {
            c["name"]
                .as_str()
                .and_then(seed::host_of)
                .is_some_and(|h| !scenes_of(h).is_empty())
        })
        .map(|c| stac_collection(&shared, c))
        .collect();
    Json(json!({"collections": collections, "links": [link("root", &shared.url("/v2/catalog/"), "application/json")]})).into_response()
}

/// `GET /v2/catalog/collections/{name}`.
pub(crate) async fn collection(State(shared): State<Arc<Shared>>, Path(name): Path<String>) -> Response {
    match seed::glossary().iter().find(|c| c["name"] == name.as_str()) {
        Some(glossary) => Json(stac_collection(&shared, glossary)).into_response(),
        None => error::not_found("Collection", &name),
    }
}

/// `POST /v2/catalog/search`: STAC item search over every scene, with a
/// `next` link that POSTs the same body with the next `token` merged in.
pub(crate) async fn catalog_search(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let (href, root) = (shared.url("/v2/catalog/search"), shared.url("/v2/catalog/"));
    crate::stac::answer(seed::scenes(), &body, &href, &root, |scene| {
        scene_item(&shared, scene)
    })
}
