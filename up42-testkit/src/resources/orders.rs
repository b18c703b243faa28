//! Orders: the paged list with UP42's filters, estimate and placement (each
//! feature of the AOI one order, a bad one an `errors` entry), fetches that
//! move orders along (the status schedule, tasking uploads, the delivery of
//! a fulfilled order into storage), merge-patch updates, cancellation,
//! coverage and the order schema of a data product.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Params, any_of, json_body};
use crate::seed::{self, Caller, Product};
use crate::shapes::{self, area_sq_km, bbox_of, bboxes_overlap, error};
use crate::state::{OrderFlow, OrderRecord, Shared, Store, TaskingStage};

/// The sort fields of `GET /v2/orders`.
const SORT_FIELDS: [&str; 4] = ["createdAt", "updatedAt", "type", "status"];

/// `GET /v2/orders`: the caller's orders, filtered by `workspaceId`, `type`,
/// `status`, `subStatus`, `tags` (repeated), `displayName` (a part of it, any
/// case), `budgetIds` and `orderIds` (comma-joined), sorted, in pages of 10.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let params = Params(query);
    let (page, size) = match params.page(10) {
        Ok(page) => page,
        Err(response) => return response,
    };
    let (statuses, sub_statuses) = (params.list("status"), params.list("subStatus"));
    let (tags, budgets, ids) = (
        params.list("tags"),
        params.list("budgetIds"),
        params.list("orderIds"),
    );
    let name = params.one("displayName").map(str::to_lowercase);
    let mut orders: Vec<Value> = shared
        .store()
        .world
        .orders
        .iter()
        .map(|o| &o.value)
        .filter(|o| caller.owns(o))
        .filter(|o| params.one("workspaceId").is_none_or(|w| o["workspaceId"] == w))
        .filter(|o| params.one("type").is_none_or(|t| o["type"] == t))
        .filter(|o| any_of(&statuses, &o["status"]))
        .filter(|o| any_of(&sub_statuses, &o["orderDetails"]["subStatus"]))
        .filter(|o| {
            tags.is_empty()
                || tags
                    .iter()
                    .any(|t| o["tags"].as_array().is_some_and(|a| a.iter().any(|v| v == t)))
        })
        .filter(|o| any_of(&budgets, &o["budgetId"]))
        .filter(|o| any_of(&ids, &o["id"]))
        .filter(|o| {
            name.as_ref().is_none_or(|n| {
                o["displayName"]
                    .as_str()
                    .is_some_and(|d| d.to_lowercase().contains(n))
            })
        })
        .cloned()
        .collect();
    if let Err(response) = params.sort(&mut orders, &SORT_FIELDS) {
        return response;
    }
    Json(shapes::page(&orders, page, size)).into_response()
}

/// The index of the caller's order `id`, or UP42's 404.
fn find(store: &Store, caller: &Caller, id: &str) -> Result<usize, Response> {
    store
        .world
        .orders
        .iter()
        .position(|o| o.value["id"] == id && caller.owns(&o.value))
        .ok_or_else(|| error::not_found("Order", id))
}

/// `GET /v2/orders/{order_id}`: the order, moved one step along.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(order_id): Path<String>,
) -> Response {
    let mut store = shared.store();
    match find(&store, &caller, &order_id) {
        Ok(index) => {
            observe(&shared, &mut store, index);
            Json(store.world.orders[index].value.clone()).into_response()
        }
        Err(response) => response,
    }
}

/// One observation of an order (a fetch, or a tasking list asking for it):
/// a scheduled order shows its next status, and a fulfilled one gets its
/// delivery in storage; a tasking order waiting for UP42 gets its
/// feasibility study or quotation once observed often enough.
pub(crate) fn observe(shared: &Shared, store: &mut Store, index: usize) {
    let serial = store.next_serial();
    let url = |path: &str| shared.url(path);
    let order = &mut store.world.orders[index];
    match order.flow {
        OrderFlow::Settled => {}
        OrderFlow::Scheduled { polls } => {
            let status = shared.config.order_schedule.at(polls).to_string();
            order.flow = OrderFlow::Scheduled {
                polls: polls.saturating_add(1),
            };
            if order.value["status"] != status {
                order.value["status"] = json!(status);
                order.value["updatedAt"] = json!(shapes::now());
                if status == "FULFILLED" {
                    order.flow = OrderFlow::Settled;
                    let delivery = seed::delivery(&url, &order.value, serial, Some(&shapes::now()));
                    delivery.store(store.world.storage());
                }
            }
        }
        OrderFlow::Tasking { stage, polls } => {
            let uploading = matches!(
                stage,
                TaskingStage::FeasibilityUpload | TaskingStage::QuotationUpload
            );
            if !uploading {
                return;
            }
            if polls < shared.config.tasking_upload_after {
                order.flow = OrderFlow::Tasking {
                    stage,
                    polls: polls + 1,
                };
                return;
            }
            let (id, workspace, account) = (
                order.value["id"].as_str().unwrap_or_default().to_string(),
                order.value["workspaceId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                order.value["accountId"].as_str().unwrap_or_default().to_string(),
            );
            let now = shapes::now();
            let (next, sub_status) = match stage {
                TaskingStage::FeasibilityUpload => {
                    (TaskingStage::FeasibilityResponse, "FEASIBILITY_WAITING_RESPONSE")
                }
                _ => (TaskingStage::QuotationResponse, "QUOTATION_WAITING_RESPONSE"),
            };
            set_sub_status(
                order,
                sub_status,
                OrderFlow::Tasking {
                    stage: next,
                    polls: 0,
                },
            );
            let world = &mut store.world;
            match next {
                TaskingStage::FeasibilityResponse => {
                    let study_id = shapes::uuid("fea50000", serial);
                    let options = [
                        shapes::uuid("0b710000", serial * 2),
                        shapes::uuid("0b710000", serial * 2 + 1),
                    ];
                    let options = [options[0].as_str(), options[1].as_str()];
                    let study =
                        shapes::feasibility_study(&study_id, &id, &workspace, &account, &now, options);
                    world.feasibility_studies.push(study);
                }
                _ => {
                    let quotation_id = shapes::uuid("b1d00000", serial);
                    world
                        .quotations
                        .push(shapes::quotation(&quotation_id, &id, &workspace, &account, &now));
                }
            }
        }
    }
}

/// Moves a tasking order to `sub_status` and `flow`.
pub(crate) fn set_sub_status(order: &mut OrderRecord, sub_status: &str, flow: OrderFlow) {
    order.value["orderDetails"]["subStatus"] = json!(sub_status);
    order.value["updatedAt"] = json!(shapes::now());
    order.flow = flow;
}

/// An order request (`POST /v2/orders` and its estimate), checked.
struct NewOrder {
    product: Product,
    display_name: String,
    params: Value,
    features: Vec<Value>,
    tags: Option<Value>,
    budget_id: Option<String>,
}

/// What one feature of an order request comes to: its area, or why it fails.
fn cost_of(order: &NewOrder, feature: &Value) -> Result<f64, String> {
    let geometry = &feature["geometry"];
    let kind = geometry["type"].as_str().unwrap_or("nothing");
    if !matches!(kind, "Polygon" | "MultiPolygon") {
        return Err(format!("UP42 orders a Polygon or MultiPolygon, not {kind}"));
    }
    let bbox = bbox_of(geometry).ok_or("the geometry has no coordinates")?;
    if !order.product.tasking {
        let image = order.params["id"].as_str().unwrap_or_default();
        let scene = seed::scenes()
            .iter()
            .find(|s| s["id"] == image && s["properties"]["collection"] == order.product.collection)
            .ok_or_else(|| format!("image {image} is not in collection {}", order.product.collection))?;
        let footprint = bbox_of(scene).unwrap_or_default();
        if !bboxes_overlap(bbox, footprint) {
            return Err(format!("the AOI does not intersect image {image}"));
        }
    }
    Ok(area_sq_km(bbox).max(1.0))
}

/// Reads and checks an order request: 400 for a malformed one, 404 for an
/// unknown data product or budget.
fn read_new_order(store: &Store, body: &[u8]) -> Result<NewOrder, Response> {
    let body = json_body(body)?;
    let bad = |message: String| error::current(StatusCode::BAD_REQUEST, message);
    let text = |key: &str| {
        body[key]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| bad(format!("{key} is required")))
    };
    let product_id = text("dataProduct")?;
    let product = seed::product(&product_id).ok_or_else(|| error::not_found("Data product", &product_id))?;
    let display_name = text("displayName")?;
    let features = match (
        &body["featureCollection"]["type"],
        body["featureCollection"]["features"].as_array(),
    ) {
        (t, Some(features)) if t == "FeatureCollection" && !features.is_empty() => features.clone(),
        _ => {
            return Err(bad(
                "featureCollection must be a GeoJSON FeatureCollection with features".into(),
            ));
        }
    };
    let params = body.get("params").cloned().unwrap_or(Value::Null);
    let missing: Vec<&str> = required_params(&product)
        .iter()
        .copied()
        .filter(|key| params.get(*key).is_none_or(Value::is_null))
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!(
            "params is missing {} (GET /orders/schema/{product_id})",
            missing.join(", ")
        )));
    }
    let budget_id = body["budgetId"].as_str().map(str::to_string);
    if let Some(id) = &budget_id
        && !store.world.budgets.iter().any(|b| b["id"] == id.as_str())
    {
        return Err(error::not_found("Budget", id));
    }
    Ok(NewOrder {
        product,
        display_name,
        params,
        features,
        tags: body.get("tags").cloned(),
        budget_id,
    })
}

/// The keys a data product's `params` must have.
fn required_params(product: &Product) -> &'static [&'static str] {
    match product.tasking {
        false => &["id"],
        true => &["acquisitionStart", "acquisitionEnd"],
    }
}

/// `POST /v2/orders/estimate`: `{summary, results, errors}`, one result or
/// error per feature.
pub(crate) async fn estimate(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let store = shared.store();
    let order = match read_new_order(&store, &body) {
        Ok(order) => order,
        Err(response) => return response,
    };
    let (mut results, mut errors, mut credits, mut size) = (Vec::new(), Vec::new(), 0u64, 0.0);
    for (index, feature) in order.features.iter().enumerate() {
        match cost_of(&order, feature) {
            Ok(area) => {
                let cost = (area * order.product.price).ceil() as u64;
                credits += cost;
                size += area;
                results.push(json!({"index": index, "credits": cost, "size": area, "unit": "SQ_KM"}));
            }
            Err(details) => errors.push(json!({"index": index, "message": "Failed", "details": details})),
        }
    }
    let summary =
        json!({"totalCredits": credits, "totalSize": (size * 100.0f64).round() / 100.0, "unit": "SQ_KM"});
    Json(json!({"summary": summary, "results": results, "errors": errors})).into_response()
}

/// `POST /v2/orders?workspaceId=`: one order per feature, `{results: [{index,
/// id}], errors: [{index, message, details}]}`; a bad feature fails alone.
pub(crate) async fn place(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<Vec<(String, String)>>,
    body: Bytes,
) -> Response {
    let params = Params(query);
    let Some(workspace) = params.one("workspaceId") else {
        return error::problem(StatusCode::BAD_REQUEST, "workspaceId is required");
    };
    if workspace != caller.workspace_id {
        return error::problem(
            StatusCode::FORBIDDEN,
            format!("workspace {workspace} is not yours"),
        );
    }
    let mut store = shared.store();
    let order = match read_new_order(&store, &body) {
        Ok(order) => order,
        Err(response) => return response,
    };
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for (index, feature) in order.features.iter().enumerate() {
        let area = match cost_of(&order, feature) {
            Ok(area) => area,
            Err(details) => {
                errors.push(json!({"index": index, "message": "Failed", "details": details}));
                continue;
            }
        };
        let id = shapes::uuid("7e5a0f5c", store.next_serial());
        let now = shapes::now();
        let (status, flow, details) = match order.product.tasking {
            false => (
                shared.config.order_schedule.at(0).to_string(),
                OrderFlow::Scheduled { polls: 0 },
                json!({"aoi": feature["geometry"], "imageId": order.params["id"]}),
            ),
            true => {
                let (stage, sub_status) = match order.product.feasibility {
                    true => (TaskingStage::FeasibilityUpload, "FEASIBILITY_WAITING_UPLOAD"),
                    false => (TaskingStage::QuotationUpload, "QUOTATION_WAITING_UPLOAD"),
                };
                let mut details = order.params.clone();
                details["geometry"] = feature["geometry"].clone();
                details["subStatus"] = json!(sub_status);
                if details.get("extraDescription").is_none() {
                    details["extraDescription"] = Value::Null;
                }
                (
                    "BEING_PLACED".to_string(),
                    OrderFlow::Tasking { stage, polls: 0 },
                    details,
                )
            }
        };
        let mut value = json!({
            "id": id,
            "displayName": order.display_name,
            "status": status,
            "workspaceId": workspace,
            "accountId": caller.account_id,
            "type": if order.product.tasking { "TASKING" } else { "ARCHIVE" },
            "dataProductId": order.product.id,
            "tags": order.tags.clone().unwrap_or_else(|| json!([])),
            "orderDetails": details,
            "createdAt": now,
            "updatedAt": now,
        });
        if let Some(budget) = &order.budget_id {
            value["budgetId"] = json!(budget);
            let credits = (area * order.product.price).ceil() as i64;
            if let Some(b) = store
                .world
                .budgets
                .iter_mut()
                .find(|b| b["id"] == budget.as_str())
            {
                b["consumedCredits"] = json!(b["consumedCredits"].as_i64().unwrap_or(0) + credits);
            }
        }
        if !order.product.tasking {
            store.world.balance -= (area * order.product.price).ceil() as i64;
        }
        store.world.orders.push(OrderRecord { value, flow });
        results.push(json!({"index": index, "id": id}));
    }
    Json(json!({"results": results, "errors": errors})).into_response()
}

/// `PATCH /v2/orders/{order_id}` with `application/merge-patch+json`:
/// `tags` replaced, `budgetId` set or, with `null`, unassigned. Answers the
/// order.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/merge-patch+json") {
        let message = format!("Content-Type must be application/merge-patch+json, not {content_type:?}");
        return error::current(StatusCode::UNSUPPORTED_MEDIA_TYPE, message);
    }
    let patch = match json_body(&body) {
        Ok(patch) => patch,
        Err(response) => return response,
    };
    let mut store = shared.store();
    let index = match find(&store, &caller, &order_id) {
        Ok(index) => index,
        Err(response) => return response,
    };
    if let Some(budget) = patch.get("budgetId") {
        match budget {
            Value::Null => {}
            Value::String(id) if store.world.budgets.iter().any(|b| b["id"] == id.as_str()) => {}
            Value::String(id) => return error::not_found("Budget", id),
            _ => return error::current(StatusCode::BAD_REQUEST, "budgetId must be a string or null"),
        }
    }
    let order = &mut store.world.orders[index].value;
    for (key, value) in patch.as_object().into_iter().flatten() {
        match (key.as_str(), value) {
            ("tags", Value::Array(_)) => order["tags"] = value.clone(),
            ("tags", Value::Null) => order["tags"] = json!([]),
            ("budgetId", Value::Null) => {
                order.as_object_mut().map(|o| o.remove("budgetId"));
            }
            ("budgetId", _) => order["budgetId"] = value.clone(),
            _ => {
                let message = format!("{key} cannot be changed; an order's tags and budgetId can");
                return error::current(StatusCode::BAD_REQUEST, message);
            }
        }
    }
    order["updatedAt"] = json!(shapes::now());
    Json(order.clone()).into_response()
}

/// `POST /v2/orders/{order_id}/cancellation`: `{"orderId", "status"}`; an
/// order that is fulfilled, failed or already canceled answers 409.
pub(crate) async fn cancel(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(order_id): Path<String>,
) -> Response {
    let mut store = shared.store();
    let index = match find(&store, &caller, &order_id) {
        Ok(index) => index,
        Err(response) => return response,
    };
    let order = &mut store.world.orders[index];
    let status = order.value["status"].as_str().unwrap_or_default().to_string();
    if matches!(status.as_str(), "FULFILLED" | "FAILED_PERMANENTLY" | "CANCELED") {
        let message = format!("Order {order_id} cannot be canceled in status {status}");
        return error::current(StatusCode::CONFLICT, message);
    }
    order.value["status"] = json!("CANCELED");
    order.value["updatedAt"] = json!(shapes::now());
    order.flow = OrderFlow::Settled;
    Json(json!({"orderId": order_id, "status": "CANCELED"})).into_response()
}

/// `GET /v2/coverage/orders/{order_id}`: what the delivered data covers of
/// the order's area, and what remains.
pub(crate) async fn coverage(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(order_id): Path<String>,
) -> Response {
    let store = shared.store();
    let index = match find(&store, &caller, &order_id) {
        Ok(index) => index,
        Err(response) => return response,
    };
    let order = &store.world.orders[index].value;
    let details = &order["orderDetails"];
    let geometry = details
        .get("geometry")
        .or_else(|| details.get("aoi"))
        .cloned()
        .unwrap_or(Value::Null);
    let area = bbox_of(&geometry).map_or(0.0, area_sq_km);
    let nothing = json!({"type": "MultiPolygon", "coordinates": []});
    let metrics = |area: f64, percentage: f64, geometry: &Value| json!({"sqKmArea": area, "percentage": percentage, "geometry": geometry});
    let body = match order["status"] == "FULFILLED" {
        true => json!({"covered": metrics(area, 100.0, &geometry), "remainder": metrics(0.0, 0.0, &nothing)}),
        false => {
            json!({"covered": metrics(0.0, 0.0, &nothing), "remainder": metrics(area, 100.0, &geometry)})
        }
    };
    Json(body).into_response()
}

/// `GET /orders/schema/{data_product_id}`: the JSON Schema of the order's `params`.
pub(crate) async fn schema(Path(product_id): Path<String>) -> Response {
    let Some(product) = seed::product(&product_id) else {
        return error::not_found("Data product", &product_id);
    };
    let properties = match product.tasking {
        false => {
            json!({"id": {"type": "string", "title": "Image ID", "description": "The id of an archive scene of the collection"}})
        }
        true => json!({
            "acquisitionStart": {"type": "string", "format": "date-time", "title": "Start of the acquisition window"},
            "acquisitionEnd": {"type": "string", "format": "date-time", "title": "End of the acquisition window"},
            "acquisitionMode": {"type": "string", "enum": ["MONO", "STEREO", "TRISTEREO"], "default": "MONO"},
            "maxCloudCover": {"type": "integer", "minimum": 0, "maximum": 100, "default": 20},
            "extraDescription": {"type": "string"},
        }),
    };
    Json(json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": format!("Order parameters of {}", product.collection),
        "type": "object",
        "required": required_params(&product),
        "properties": properties,
        "additionalProperties": true,
    }))
    .into_response()
}
