//! Budgets: the paged list (`status`, `sort`, `includeUsage`), one budget,
//! its usage, and the account's budget settings. Orders placed with a
//! `budgetId` add to its consumed credits.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Params, any_of};
use crate::seed::{self, Caller};
use crate::shapes::{self, error};
use crate::state::Shared;

/// A budget as answered: the usage fields only when asked for.
fn shown(budget: &Value, include_usage: bool) -> Value {
    let mut budget = budget.clone();
    let consumed = budget["consumedCredits"].as_i64().unwrap_or(0);
    match include_usage {
        true => {
            let limit = budget["spendLimit"].as_i64().unwrap_or(0);
            budget["remainingCredits"] = json!(limit - consumed);
            let percentage = if limit > 0 {
                consumed as f64 * 100.0 / limit as f64
            } else {
                0.0
            };
            budget["usagePercentage"] = json!((percentage * 100.0).round() / 100.0);
        }
        false => {
            budget.as_object_mut().map(|b| b.remove("consumedCredits"));
        }
    }
    budget
}

/// The budgets a caller sees: the seeded ones belong to the default user.
fn budgets_of(shared: &Shared, caller: &Caller) -> Vec<Value> {
    match caller.account_id == seed::ACCOUNT_ID {
        true => shared.store().world.budgets.clone(),
        false => Vec::new(),
    }
}

/// `GET /v2/budgets`.
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
    let statuses = params.list("status");
    let include_usage = params.flag("includeUsage");
    let mut budgets: Vec<Value> = budgets_of(&shared, &caller)
        .iter()
        .filter(|b| any_of(&statuses, &b["status"]))
        .map(|b| shown(b, include_usage))
        .collect();
    if let Err(response) = params.sort(&mut budgets, &["updatedAt"]) {
        return response;
    }
    Json(shapes::page(&budgets, page, size)).into_response()
}

/// The caller's budget `id`, or UP42's 404.
fn find(shared: &Shared, caller: &Caller, id: &str) -> Result<Value, Response> {
    budgets_of(shared, caller)
        .into_iter()
        .find(|b| b["id"] == id)
        .ok_or_else(|| error::not_found("Budget", id))
}

/// `GET /v2/budgets/{budget_id}?includeUsage=`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    match find(&shared, &caller, &id) {
        Ok(budget) => Json(shown(&budget, Params(query).flag("includeUsage"))).into_response(),
        Err(response) => response,
    }
}

/// `GET /v2/budgets/{budget_id}/usage`: `{"budgetId", "consumedCredits"}`.
pub(crate) async fn usage(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    match find(&shared, &caller, &id) {
        Ok(budget) => {
            Json(json!({"budgetId": id, "consumedCredits": budget["consumedCredits"]})).into_response()
        }
        Err(response) => response,
    }
}

/// `GET /v2/budgets/settings`: `{"enforcementEnabled", "budgetSettingId"}`.
pub(crate) async fn settings(State(shared): State<Arc<Shared>>) -> Response {
    let enforced = shared.store().world.budget_enforcement;
    Json(json!({"enforcementEnabled": enforced, "budgetSettingId": "b5e77000-0000-4000-8000-000000000001"}))
        .into_response()
}
