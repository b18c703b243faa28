//! What stands in front of the routes: counting and recording every request,
//! the bearer check, and the routes tests mount.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::counters::Count;
use crate::faults::{ConnectionKill, Fault};
use crate::journal::{Authorization, Recorded, redact_form};
use crate::keycloak::bearer_user;
use crate::mock::{Action, Outcome};
use crate::route::Route;
use crate::seed::Caller;
use crate::state::Shared;

/// The largest request body the journal keeps whole; a larger one is cut.
const JOURNAL_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The 401 answer to a missing, unknown, expired or revoked token.
fn unauthorized(shared: &Shared) -> Response {
    shared.counters.bump(Count::Unauthorized);
    let message = "Unauthorized: the access token is missing, expired or revoked";
    let body = json!({"error": {"code": 401, "message": message, "details": null}});
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

/// The middleware in front of every bearer-checked route: a live token
/// passes (its user's [`Caller`] put into the request), anything else is a
/// counted 401.
pub(crate) async fn require_bearer(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    match bearer_user(&shared, request.headers()) {
        Some(user) => {
            request.extensions_mut().insert(Caller::of(&user));
            next.run(request).await
        }
        None => unauthorized(&shared),
    }
}

/// The rules in front of the built-in fake, on both hosts: the conditions
/// of the request's side (its delay, and a failure they draw), then the
/// rules for the whole side, then the rules for the path (bearer-checked
/// unless public). A delay step waits and lets the request go on.
pub(crate) async fn rules(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let route = Route::of(request.uri().path());
    let (delay, drawn) = shared.faults.draw_for(route);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let Some(recorded) = request.extensions().get::<Recorded>().cloned() else {
        return next.run(request).await;
    };
    let connection = request.extensions().get::<ConnectionKill>().cloned();
    let side = match shared.rules.next(&recorded, true) {
        Outcome::Unmatched => match drawn {
            Some(fault) => Outcome::Step {
                action: Action::Fault(fault),
                public: true,
            },
            None => Outcome::Unmatched,
        },
        step => step,
    };
    if let Some(answer) = take(&shared, route, connection.clone(), &recorded, side).await {
        return answer;
    }
    // The path's step is taken only when the side's did not answer.
    let path = shared.rules.next(&recorded, false);
    if let Some(answer) = take(&shared, route, connection, &recorded, path).await {
        return answer;
    }
    next.run(request).await
}

/// Carries out a rule's step: its answer, or `None` to go on (no step, or
/// a delay waited out).
async fn take(
    shared: &Shared,
    route: Route,
    connection: Option<ConnectionKill>,
    recorded: &Recorded,
    outcome: Outcome,
) -> Option<Response> {
    let Outcome::Step { action, public } = outcome else {
        return None;
    };
    match action {
        Action::Fault(Fault::Delay(extra)) => {
            tokio::time::sleep(extra).await;
            None
        }
        Action::Fault(fault) => Some(fault.answer(route, connection).await),
        Action::Respond(_) if !public && recorded.authorization != Authorization::ValidBearer => {
            Some(unauthorized(shared))
        }
        Action::Respond(respond) => Some(respond(recorded).into_response()),
    }
}

/// The outermost middleware: counts and records every request, before any
/// fault applies.
pub(crate) async fn count(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let route = Route::of(request.uri().path());
    shared.counters.bump(match route {
        Route::Token => Count::TokenRequest,
        Route::Api => Count::ApiCall,
        Route::Storage => Count::StorageRequest,
    });
    let authorization = match request.headers().contains_key(header::AUTHORIZATION) {
        false => Authorization::Absent,
        true => {
            shared.counters.bump(Count::WithAuthorization);
            match bearer_user(&shared, request.headers()) {
                Some(_) => Authorization::ValidBearer,
                None => Authorization::Invalid,
            }
        }
    };
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, JOURNAL_BODY_LIMIT)
        .await
        .unwrap_or_default();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let shown = match *name == header::AUTHORIZATION {
                true => "..redacted..".to_string(),
                false => String::from_utf8_lossy(value.as_bytes()).into_owned(),
            };
            (name.as_str().to_string(), shown)
        })
        .collect();
    let recorded = Recorded {
        route,
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers,
        authorization,
        body: match route {
            Route::Token => redact_form(&body),
            Route::Api | Route::Storage => body.to_vec(),
        },
    };
    shared.journal().push(recorded.clone());
    let mut request = Request::from_parts(parts, Body::from(body));
    // For the mounted routes, which match on what was recorded.
    request.extensions_mut().insert(recorded);
    next.run(request).await
}
