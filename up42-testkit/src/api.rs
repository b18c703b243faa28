//! The API routes: a few UP42-shaped `/v2/...` answers, user info, and echo
//! routes that show tests exactly what arrived.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::keycloak::bearer_user;
use crate::state::{Count, Shared};

/// The workspace every sandbox order belongs to.
pub const WORKSPACE_ID: &str = "5c6a7f9e-0b7d-4c3e-9a8f-1d2e3f4a5b6c";
/// How many orders the paged `GET /v2/orders` lists in all.
pub const ORDER_COUNT: u64 = 25;

/// The 401 answer to a missing, unknown, expired or revoked token.
pub(crate) struct Unauthorized;

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        let message = "Unauthorized: the access token is missing, expired or revoked";
        let body = json!({"error": {"code": 401, "message": message, "details": null}});
        (StatusCode::UNAUTHORIZED, Json(body)).into_response()
    }
}

/// The user a valid bearer token belongs to, for handlers that need it.
#[derive(Debug, Clone)]
pub(crate) struct User(pub(crate) String);

/// The middleware in front of every bearer-checked route: a live token
/// passes (its user put into the request), anything else is a counted 401.
pub(crate) async fn require_bearer(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    match bearer_user(&shared, request.headers()) {
        Some(user) => {
            request.extensions_mut().insert(User(user));
            next.run(request).await
        }
        None => {
            shared.counters.bump(Count::Unauthorized);
            Unauthorized.into_response()
        }
    }
}

/// Routes the test mounted answer first (after faults), bearer-checked unless
/// public; anything else goes on to the built-in fake.
pub(crate) async fn mocked(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let outcome = match request.extensions().get::<crate::journal::Recorded>() {
        Some(recorded) => shared.mocks.answer(recorded),
        None => crate::mock::Outcome::Unmatched,
    };
    match outcome {
        crate::mock::Outcome::Unmatched => next.run(request).await,
        crate::mock::Outcome::Unauthorized => {
            shared.counters.bump(Count::Unauthorized);
            Unauthorized.into_response()
        }
        crate::mock::Outcome::Answer(response) => response,
    }
}

/// An order as UP42's v2 API shows it.
pub(crate) fn order(id: &str) -> Value {
    json!({
        "id": id,
        "workspaceId": WORKSPACE_ID,
        "accountId": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        "displayName": format!("Sandbox order {id}"),
        "status": "FULFILLED",
        "type": "ARCHIVE",
        "dataProductId": "47dadb27-9532-4552-93a5-48f70a83eaef",
        "tags": ["sandbox"],
        "orderDetails": {"productType": "OPTICAL", "aoi": {"type": "Point", "coordinates": [13.4, 52.5]}},
        "createdAt": "2026-01-05T10:00:00.000Z",
        "updatedAt": "2026-01-05T10:05:00.000Z",
    })
}

/// `{"content": [...], "totalPages", "totalElements", ...}` for page `page` of `size`.
pub(crate) fn paged(total: u64, page: u64, size: u64, item: impl Fn(u64) -> Value) -> Value {
    let size = size.clamp(1, 500);
    let start = page.saturating_mul(size).min(total);
    let end = (start + size).min(total);
    let total_pages = total.div_ceil(size);
    json!({
        "content": (start..end).map(item).collect::<Vec<_>>(),
        "totalPages": total_pages,
        "totalElements": total,
        "size": size,
        "number": page,
        "numberOfElements": end - start,
        "first": page == 0,
        "last": page + 1 >= total_pages,
        "empty": end == start,
        "pageable": {"pageNumber": page, "pageSize": size, "offset": start},
    })
}

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    page: Option<u64>,
    size: Option<u64>,
}

/// `GET /v2/collections`: public, no token needed.
pub(crate) async fn collections(Query(query): Query<PageQuery>) -> Response {
    let names = ["phr", "spot", "pneo", "worldview", "sentinel-2"];
    let page = paged(
        names.len() as u64,
        query.page.unwrap_or(0),
        query.size.unwrap_or(10),
        |i| {
            let name = names[i as usize];
            json!({"name": name, "title": format!("Sandbox {name}"), "type": "ARCHIVE", "restricted": false})
        },
    );
    Json(page).into_response()
}

/// `GET /realms/public/protocol/openid-connect/userinfo`.
pub(crate) async fn userinfo(Extension(User(user)): Extension<User>) -> Response {
    Json(json!({"sub": format!("sandbox-{user}"), "email": user, "preferred_username": user})).into_response()
}

/// What an echo route saw.
fn echo(method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        seen.entry(name.as_str().to_string())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "headers": seen,
        "body": String::from_utf8_lossy(body),
    }))
    .into_response()
}

/// `ANY /echo/...`: bearer-checked; answers with the request as JSON.
pub(crate) async fn echo_private(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    echo(&method, &uri, &headers, &body)
}

/// `ANY /public/echo/...`: no token needed; answers with the request as JSON.
pub(crate) async fn echo_public(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    echo(&method, &uri, &headers, &body)
}

/// `ANY /redirect/{*to}`: a 307 to `/{to}`, for tests that must not follow it.
pub(crate) async fn redirect(Path(to): Path<String>) -> Response {
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(axum::http::header::LOCATION, format!("/{to}"))],
    )
        .into_response()
}

/// `ANY /v2/status/{code}`: bearer-checked; answers `code` with an UP42 error body.
pub(crate) async fn status(Path(code): Path<u16>) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({"error": {"code": code, "message": "Sandbox error", "details": format!("answered {code} on request")}});
    (status, Json(body)).into_response()
}

/// `POST /v2/orders/estimate`.
pub(crate) async fn estimate() -> Response {
    Json(json!({"summary": {"totalCredits": 1250, "totalSize": 24.5, "unit": "SQ_KM"}, "results": [{"index": 0, "credits": 1250}], "errors": []}))
        .into_response()
}

/// `GET /v2/eulas/{eula_id}`.
pub(crate) async fn eula(Path(eula_id): Path<String>) -> Response {
    Json(json!({"id": eula_id, "title": "Sandbox licence", "content": "Use the sandbox data for testing only.", "isAccepted": true}))
        .into_response()
}

/// `GET /v2/assets/stac/collections/{collection_id}`.
pub(crate) async fn stac_collection(Path(collection_id): Path<String>) -> Response {
    Json(json!({
        "type": "Collection", "stac_version": "1.0.0", "id": collection_id,
        "title": "Sandbox delivery", "description": "Assets of one sandbox order", "license": "proprietary",
        "extent": {"spatial": {"bbox": [[13.3, 52.4, 13.5, 52.6]]}, "temporal": {"interval": [["2026-01-05T10:00:00Z", null]]}},
        "links": [],
    }))
    .into_response()
}

/// `GET /v2/assets/stac/collections/{collection_id}/items/{item_id}`.
pub(crate) async fn stac_item(Path((collection_id, item_id)): Path<(String, String)>) -> Response {
    Json(json!({
        "type": "Feature", "stac_version": "1.0.0", "id": item_id, "collection": collection_id,
        "bbox": [13.3, 52.4, 13.5, 52.6],
        "geometry": {"type": "Point", "coordinates": [13.4, 52.5]},
        "properties": {"datetime": "2026-01-05T10:00:00Z", "up42-system:asset_id": item_id},
        "assets": {"data": {"href": format!("/v2/assets/{item_id}"), "type": "image/tiff"}},
        "links": [],
    }))
    .into_response()
}

/// A processing job as `GET /v2/processing/jobs/{job_id}` shows it.
fn job(id: &str) -> Value {
    json!({
        "id": id, "processId": "detection-ships", "workspaceId": WORKSPACE_ID,
        "status": "SUCCEEDED", "credits": 40,
        "created": "2026-01-06T08:00:00Z", "updated": "2026-01-06T08:20:00Z",
    })
}

/// `GET /v2/processing/jobs/{job_id}`.
pub(crate) async fn get_job(Path(job_id): Path<String>) -> Response {
    Json(job(&job_id)).into_response()
}

/// How many processing jobs `GET /v2/processing/jobs` lists in all.
const JOB_COUNT: u64 = 3;

#[derive(Deserialize)]
pub(crate) struct JobsQuery {
    limit: Option<u64>,
    /// Where the page starts: the opaque cursor of a `next` link.
    token: Option<u64>,
}

/// `GET /v2/processing/jobs?limit=`: 3 jobs, `limit` at a time, in UP42's
/// next-link shape: `{"jobs": [...], "links": [{"rel": "next", "href": ...}]}`.
pub(crate) async fn list_jobs(Query(query): Query<JobsQuery>) -> Response {
    let limit = query.limit.unwrap_or(10).clamp(1, 100);
    let start = query.token.unwrap_or(0).min(JOB_COUNT);
    let end = (start + limit).min(JOB_COUNT);
    let jobs: Vec<Value> = (start..end)
        .map(|i| job(&format!("10000000-0000-4000-8000-{i:012}")))
        .collect();
    let links = match end < JOB_COUNT {
        true => json!([{"rel": "next", "href": format!("/v2/processing/jobs?limit={limit}&token={end}")}]),
        false => json!([]),
    };
    Json(json!({"jobs": jobs, "links": links})).into_response()
}

#[derive(Deserialize)]
pub(crate) struct QuotationQuery {
    id: Option<String>,
}

/// `GET /v2/tasking/quotation?id=`: UP42's page object with the quotation of
/// that id (any id is known), or one quotation without it.
pub(crate) async fn quotations(Query(query): Query<QuotationQuery>) -> Response {
    let id = query.id.unwrap_or_else(|| "quote-1".to_string());
    let page = paged(1, 0, 10, |_| {
        json!({
            "id": id, "orderId": "00000000-0000-4000-8000-000000000001", "workspaceId": WORKSPACE_ID,
            "creditsPrice": 9000, "decision": "NOT_DECIDED",
            "createdAt": "2026-01-07T09:00:00Z", "updatedAt": "2026-01-07T09:00:00Z",
        })
    });
    Json(page).into_response()
}
