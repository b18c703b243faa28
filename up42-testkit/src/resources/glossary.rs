//! The product glossary: UP42's collections with their providers, data
//! products, integrations and metadata. The list is public.

use axum::Json;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::Params;
use crate::seed;
use crate::shapes::{self, error};

/// `GET /v2/collections`: public, a page object (`page`, `size`, `sort` by
/// `name`, `title`, `description` or `type`).
pub(crate) async fn list(Query(query): Query<Vec<(String, String)>>) -> Response {
    let params = Params(query);
    let (page, size) = match params.page(10) {
        Ok(page) => page,
        Err(response) => return response,
    };
    let mut collections: Vec<Value> = seed::glossary().to_vec();
    if let Err(response) = params.sort(&mut collections, &["name", "title", "description", "type"]) {
        return response;
    }
    Json(shapes::page(&collections, page, size)).into_response()
}

/// `GET /v2/collections/{name}`: one collection, or UP42's 404.
pub(crate) async fn get(Path(name): Path<String>) -> Response {
    match seed::glossary().iter().find(|c| c["name"] == name.as_str()) {
        Some(collection) => Json(collection.clone()).into_response(),
        None => error::not_found("Collection", &name),
    }
}
