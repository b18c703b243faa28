//! The stateful part of the fake: orders that placing creates, listing pages
//! and fetching advances through a status schedule.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::api::{order, paged};
use crate::state::{Shared, StoredOrder};

/// The id of the first of the orders every sandbox starts with.
pub const ORDER_ID: &str = "00000000-0000-4000-8000-000000000000";

/// The orders every sandbox starts with: `count` fulfilled orders.
pub(crate) fn seeded(count: u64) -> Vec<StoredOrder> {
    (0..count)
        .map(|i| StoredOrder {
            value: order(&format!("00000000-0000-4000-8000-{i:012}")),
            polls: 0,
            scheduled: false,
        })
        .collect()
}

/// The status a placed order shows after `polls` fetches.
fn scheduled_status(shared: &Shared, polls: u32) -> String {
    let (steps, last) = &shared.config.order_schedule;
    let mut seen = 0;
    for (status, fetches) in steps {
        seen += fetches;
        if polls < seen {
            return status.clone();
        }
    }
    last.clone()
}

/// The order with this id.
fn find_order<'a>(orders: &'a mut [StoredOrder], id: &str) -> Option<&'a mut StoredOrder> {
    orders.iter_mut().find(|o| o.value["id"] == id)
}

/// UP42's 404 for an id it does not know.
pub(crate) fn not_found(what: &str, id: &str) -> Response {
    let body = json!({"code": 404, "message": format!("{what} {id} not found"), "details": null});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// `GET /v2/orders/{order_id}`: the order (a fetch moves a placed order along
/// its schedule), or UP42's 404.
pub(crate) async fn get_order(State(shared): State<Arc<Shared>>, Path(order_id): Path<String>) -> Response {
    let mut store = shared.store();
    let Some(stored) = find_order(&mut store.orders, &order_id) else {
        return not_found("Order", &order_id);
    };
    if stored.scheduled {
        let status = scheduled_status(&shared, stored.polls);
        stored.value["status"] = json!(status);
        stored.polls = stored.polls.saturating_add(1);
    }
    Json(stored.value.clone()).into_response()
}

/// `GET /v2/orders?workspaceId=&status=&page=&size=&sort=`: UP42's page object.
pub(crate) async fn list_orders(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let value = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let statuses: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "status")
        .map(|(_, v)| v.as_str())
        .collect();
    let mut orders: Vec<Value> = shared
        .store()
        .orders
        .iter()
        .map(|o| o.value.clone())
        .filter(|o| value("workspaceId").is_none_or(|w| o["workspaceId"] == w))
        .filter(|o| statuses.is_empty() || statuses.iter().any(|s| o["status"] == *s))
        .collect();
    if let Some((field, direction)) = value("sort").and_then(|s| s.split_once(',')) {
        orders.sort_by(|a, b| a[field].as_str().cmp(&b[field].as_str()));
        if direction.eq_ignore_ascii_case("desc") {
            orders.reverse();
        }
    }
    let page = value("page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let size = value("size").and_then(|s| s.parse().ok()).unwrap_or(10);
    Json(paged(orders.len() as u64, page, size, |i| {
        orders[i as usize].clone()
    }))
    .into_response()
}

/// `POST /v2/orders?workspaceId=`: places one order per call, answering
/// `{"results": [{"index", "id"}], "errors": []}` as UP42 does.
pub(crate) async fn place_order(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<BTreeMap<String, String>>,
    body: Bytes,
) -> Response {
    let Some(workspace) = query.get("workspaceId") else {
        let body = json!({"status": 400, "title": "Bad Request", "detail": "workspaceId is required"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        let body = json!({"errors": [{"index": 0, "message": "Failed", "details": "the body is not JSON"}]});
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    };
    let mut store = shared.store();
    store.serial += 1;
    let id = format!("7e5a0f5c-9a59-4f4b-8d6a-{:012x}", store.serial);
    let mut placed = order(&id);
    placed["workspaceId"] = json!(workspace);
    placed["status"] = json!(scheduled_status(&shared, 0));
    placed["displayName"] = request["displayName"].clone();
    if let Some(tags) = request.get("tags") {
        placed["tags"] = tags.clone();
    }
    store.orders.push(StoredOrder {
        value: placed,
        polls: 0,
        scheduled: true,
    });
    Json(json!({"results": [{"index": 0, "id": id}], "errors": []})).into_response()
}

/// `POST /v2/orders/{order_id}/cancellation`: `{"orderId", "status"}`.
pub(crate) async fn cancel_order(
    State(shared): State<Arc<Shared>>,
    Path(order_id): Path<String>,
) -> Response {
    let mut store = shared.store();
    let Some(stored) = find_order(&mut store.orders, &order_id) else {
        return not_found("Order", &order_id);
    };
    stored.value["status"] = json!("CANCELED");
    stored.scheduled = false;
    Json(json!({"orderId": order_id, "status": "CANCELED"})).into_response()
}
