//! Routes for testing the toolkit itself: echoes that show exactly what
//! arrived, a redirect, and any status with an UP42 error body.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

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
