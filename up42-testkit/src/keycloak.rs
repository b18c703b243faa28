//! The token endpoint, answering as UP42's Keycloak does: its success body
//! and, case by case, its error answers.

use std::sync::Arc;
use tokio::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::counters::Count;
use crate::jwt::{self, Claims};
use crate::seed::Caller;
use crate::state::{IssuedAccess, IssuedRefresh, Shared};

/// The one realm the sandbox knows.
pub(crate) const REALM: &str = "public";

/// An OAuth error answer: `{"error", "error_description"}`, `Cache-Control: no-store`.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    (status, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// A bare `{"error": ...}` answer, as Keycloak gives for realm and media-type failures.
fn bare_error(status: StatusCode, error: &str) -> Response {
    (status, axum::Json(json!({ "error": error }))).into_response()
}

/// `POST /realms/{realm}/protocol/openid-connect/token`.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if realm != REALM {
        return bare_error(StatusCode::NOT_FOUND, "Realm does not exist");
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return bare_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "RESTEASY003065: Cannot consume content type",
        );
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    shared.store().last_token_form = Some(form.clone());
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());

    match field("client_id") {
        None | Some("") => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "Missing client_id parameter",
            );
        }
        Some(id) if !shared.config.client_ids.iter().any(|c| c == id) => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Invalid client or Invalid client credentials",
            );
        }
        Some(_) => {}
    }
    match field("grant_type") {
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing form parameter: grant_type",
        ),
        Some("password") => {
            shared.counters.bump(Count::PasswordGrant);
            count_rejection(
                &shared,
                password_grant(&shared, field("username"), field("password")),
            )
        }
        Some("refresh_token") => {
            shared.counters.bump(Count::RefreshGrant);
            count_rejection(&shared, refresh_grant(&shared, field("refresh_token")))
        }
        Some(_) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant_type",
        ),
    }
}

/// Counts a grant the server refused (`invalid_grant` and the like).
fn count_rejection(shared: &Shared, response: Response) -> Response {
    if response.status().is_client_error() {
        shared.counters.bump(Count::RejectedGrant);
    }
    response
}

fn password_grant(shared: &Shared, username: Option<&str>, password: Option<&str>) -> Response {
    let Some(username) = username.filter(|u| !u.is_empty()) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "Missing parameter: username",
        );
    };
    let known = shared.store().users.get(username).cloned();
    match known {
        Some(expected) if Some(expected.as_str()) == password => {
            let session = format!("3bf00b63-7188-4b04-aa27-{:012x}", shared.store().next_serial());
            issue(shared, username, &session)
        }
        _ => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_grant",
            "Invalid user credentials",
        ),
    }
}

fn refresh_grant(shared: &Shared, refresh_token: Option<&str>) -> Response {
    let Some(refresh_token) = refresh_token.filter(|t| !t.is_empty()) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "No refresh token");
    };
    let (username, session) = {
        let mut store = shared.store();
        let ended = {
            let Some(issued) = store.refresh.get(refresh_token) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid refresh token");
            };
            store.ended_sessions.contains(&issued.session)
        };
        let issued = store.refresh.get_mut(refresh_token).expect("looked up above");
        if ended {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Session not active");
        }
        if issued.expires_at.is_some_and(|at| Instant::now() >= at) {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Token is not active");
        }
        if issued.used && shared.config.rotate_refresh_tokens {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Stale token");
        }
        issued.used = true;
        (issued.username.clone(), issued.session.clone())
    };
    issue(shared, &username, &session)
}

/// Issues an access token (and a refresh token when enabled) and answers with
/// Keycloak's success body.
fn issue(shared: &Shared, username: &str, session: &str) -> Response {
    let config = &shared.config;
    let issuer = format!("{}/realms/{REALM}", shared.base_url);
    let serial = shared.store().next_serial();
    let access_secs = config.access_lifetime.as_secs().max(1);
    let subject = Caller::of(username).workspace_id;
    let claims = |kind, lifetime_secs| Claims {
        issuer: &issuer,
        subject: &subject,
        username,
        session,
        kind,
        lifetime_secs,
        serial,
    };
    let access_token = jwt::sign(&claims("Bearer", access_secs));
    let refresh_token = config
        .refresh_lifetime
        .map(|l| jwt::sign(&claims("Refresh", l.as_secs())));
    let now = Instant::now();
    {
        let mut store = shared.store();
        store.access.insert(
            access_token.clone(),
            IssuedAccess {
                username: username.to_string(),
                expires_at: now + config.access_lifetime,
            },
        );
        if let (Some(token), Some(lifetime)) = (&refresh_token, config.refresh_lifetime) {
            store.refresh.insert(
                token.clone(),
                IssuedRefresh {
                    username: username.to_string(),
                    session: session.to_string(),
                    expires_at: (!lifetime.is_zero()).then(|| now + lifetime),
                    used: false,
                },
            );
        }
    }
    // Keycloak's field order; null fields are left out.
    let mut fields: Vec<(&str, serde_json::Value)> = vec![
        ("access_token", json!(access_token)),
        ("expires_in", json!(access_secs)),
    ];
    if let (Some(token), Some(lifetime)) = (refresh_token, config.refresh_lifetime) {
        fields.push(("refresh_expires_in", json!(lifetime.as_secs())));
        fields.push(("refresh_token", json!(token)));
    }
    fields.extend([
        ("token_type", json!("Bearer")),
        ("not-before-policy", json!(0)),
        ("session_state", json!(session)),
        ("scope", json!("profile email")),
    ]);
    let body = fields
        .iter()
        .map(|(key, value)| format!("{}:{value}", json!(key)))
        .collect::<Vec<_>>()
        .join(",");
    let headers = [
        (header::CACHE_CONTROL, "no-store"),
        (header::CONTENT_TYPE, "application/json"),
    ];
    (StatusCode::OK, headers, format!("{{{body}}}")).into_response()
}

/// The user a bearer header belongs to, if it carries a live token.
pub(crate) fn bearer_user(shared: &Shared, headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") || !jwt::verify(token) {
        return None;
    }
    let store = shared.store();
    let issued = store.access.get(token)?;
    (Instant::now() < issued.expires_at).then(|| issued.username.clone())
}
