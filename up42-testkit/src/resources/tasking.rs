//! Tasking: quotations and feasibility studies (page objects with UP42's
//! filters) and the user's decisions on them, which move their order on.
//! Listing them for an `orderId` is an observation of that order, so a
//! poller that waits for a quotation to appear sees UP42 upload it.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::orders::{observe, set_sub_status};
use super::{Params, any_of, json_body};
use crate::seed::Caller;
use crate::shapes::{self, error};
use crate::state::{OrderFlow, Shared, Store, TaskingStage, World};

/// Which of the two lists.
#[derive(Clone, Copy)]
enum Kind {
    Quotation,
    Feasibility,
}

impl Kind {
    fn items(self, world: &World) -> &Vec<Value> {
        match self {
            Kind::Quotation => &world.quotations,
            Kind::Feasibility => &world.feasibility_studies,
        }
    }

    fn sort_fields(self) -> &'static [&'static str] {
        match self {
            Kind::Quotation => &["createdAt", "creditsPrice", "decisionAt", "updatedAt"],
            Kind::Feasibility => &["createdAt", "updatedAt", "decisionAt"],
        }
    }
}

/// A filtered, sorted page of one list: `id`, `workspaceId`, `orderId`,
/// `decision` (repeated), `sort`, `page`, `size`.
fn list(shared: &Shared, caller: &Caller, query: Vec<(String, String)>, kind: Kind) -> Response {
    let params = Params(query);
    let (page, size) = match params.page(10) {
        Ok(page) => page,
        Err(response) => return response,
    };
    let mut store = shared.store();
    if let Some(order_id) = params.one("orderId") {
        observe_order(shared, &mut store, caller, order_id);
    }
    let decisions = params.list("decision");
    let mut items: Vec<Value> = kind
        .items(&store.world)
        .iter()
        .filter(|q| caller.owns(q))
        .filter(|q| params.one("id").is_none_or(|id| q["id"] == id))
        .filter(|q| params.one("workspaceId").is_none_or(|w| q["workspaceId"] == w))
        .filter(|q| params.one("orderId").is_none_or(|o| q["orderId"] == o))
        .filter(|q| any_of(&decisions, &q["decision"]))
        .cloned()
        .collect();
    if let Err(response) = params.sort(&mut items, kind.sort_fields()) {
        return response;
    }
    Json(shapes::page(&items, page, size)).into_response()
}

/// Observes the caller's order `order_id`, if there is one.
fn observe_order(shared: &Shared, store: &mut Store, caller: &Caller, order_id: &str) {
    let index = store
        .world
        .orders
        .iter()
        .position(|o| o.value["id"] == order_id && caller.owns(&o.value));
    if let Some(index) = index {
        observe(shared, store, index);
    }
}

/// `GET /v2/tasking/quotation`.
pub(crate) async fn quotations(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    list(&shared, &caller, query, Kind::Quotation)
}

/// `GET /v2/tasking/feasibility-studies`.
pub(crate) async fn feasibility_studies(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    list(&shared, &caller, query, Kind::Feasibility)
}

/// A 422 in the current shape: the decision cannot be taken.
fn refused(message: String) -> Response {
    error::current(StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// The caller's quotation or study `id` (`what`), still undecided: UP42's
/// 404 for another's or an unknown one, 422 for one already decided.
fn undecided<'a>(
    items: &'a mut [Value],
    caller: &Caller,
    id: &str,
    what: &str,
) -> Result<&'a mut Value, Response> {
    let item = items
        .iter_mut()
        .find(|q| q["id"] == id && caller.owns(q))
        .ok_or_else(|| error::not_found(what, id))?;
    match item["decision"] == "NOT_DECIDED" {
        true => Ok(item),
        false => Err(refused(format!(
            "{what} {id} was already decided: {}",
            item["decision"]
        ))),
    }
}

/// The order of a decided quotation or study, moved to `sub_status` and `flow`.
fn move_order(store: &mut Store, order_id: &Value, sub_status: &str, flow: OrderFlow, status: Option<&str>) {
    if let Some(order) = store.world.orders.iter_mut().find(|o| o.value["id"] == *order_id) {
        set_sub_status(order, sub_status, flow);
        if let Some(status) = status {
            order.value["status"] = json!(status);
        }
    }
}

/// `PATCH /v2/tasking/quotation/{id}` with `{"decision": "ACCEPTED" |
/// "REJECTED"}`: the updated quotation. Accepting moves its order along the
/// order schedule towards `FULFILLED`; rejecting fails it. A second decision
/// is refused.
pub(crate) async fn decide_quotation(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let decision = body["decision"].as_str().unwrap_or_default().to_string();
    if !matches!(decision.as_str(), "ACCEPTED" | "REJECTED") {
        return refused(format!(
            "decision must be ACCEPTED or REJECTED, not {:?}",
            body["decision"]
        ));
    }
    let mut store = shared.store();
    let quotation = match undecided(&mut store.world.quotations, &caller, &id, "Quotation") {
        Ok(quotation) => quotation,
        Err(response) => return response,
    };
    let now = shapes::now();
    quotation["decision"] = json!(decision);
    quotation["decisionAt"] = json!(now);
    quotation["updatedAt"] = json!(now);
    let answer = quotation.clone();
    match decision.as_str() {
        "ACCEPTED" => move_order(
            &mut store,
            &answer["orderId"],
            "QUOTATION_ACCEPTED",
            OrderFlow::Scheduled { polls: 0 },
            None,
        ),
        _ => move_order(
            &mut store,
            &answer["orderId"],
            "QUOTATION_REJECTED",
            OrderFlow::Settled,
            Some("FAILED_PERMANENTLY"),
        ),
    }
    Json(answer).into_response()
}

/// `PATCH /v2/tasking/feasibility-studies/{id}` with `{"acceptedOptionId"}`:
/// the updated study; its order waits for a quotation next. An unknown
/// option or a second decision is refused.
pub(crate) async fn decide_feasibility(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Some(option_id) = body["acceptedOptionId"].as_str() else {
        return refused("acceptedOptionId is required".to_string());
    };
    let mut store = shared.store();
    let study = match undecided(
        &mut store.world.feasibility_studies,
        &caller,
        &id,
        "Feasibility study",
    ) {
        Ok(study) => study,
        Err(response) => return response,
    };
    let Some(option) = study["options"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["id"] == option_id))
        .cloned()
    else {
        return refused(format!("{option_id} is not an option of feasibility study {id}"));
    };
    let now = shapes::now();
    study["decision"] = json!("ACCEPTED");
    study["decisionAt"] = json!(now);
    study["updatedAt"] = json!(now);
    study["decisionOption"] = json!({"id": option["id"], "description": option["description"]});
    let answer = study.clone();
    let flow = OrderFlow::Tasking {
        stage: TaskingStage::QuotationUpload,
        polls: 0,
    };
    move_order(
        &mut store,
        &answer["orderId"],
        "QUOTATION_WAITING_UPLOAD",
        flow,
        None,
    );
    Json(answer).into_response()
}
