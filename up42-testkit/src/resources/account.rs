//! The account: user info on the auth host (`sub` is the workspace id) and
//! the credit balance.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::seed::{self, Caller};
use crate::state::Shared;

/// `GET /realms/public/protocol/openid-connect/userinfo`: `sub` is the
/// caller's workspace id, as UP42's Keycloak answers.
pub(crate) async fn userinfo(Extension(caller): Extension<Caller>) -> Response {
    Json(json!({
        "sub": caller.workspace_id,
        "email": caller.username,
        "email_verified": true,
        "preferred_username": caller.username,
    }))
    .into_response()
}

/// `GET /v2/payments/balances`: `{"available": {"amount", "unit"}}`; the
/// default user's balance goes down as archive orders are placed.
pub(crate) async fn balances(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let amount = match caller.account_id == seed::ACCOUNT_ID {
        true => shared.store().world.balance,
        false => 0,
    };
    Json(json!({"available": {"amount": amount, "unit": "CREDIT"}})).into_response()
}
