//! UP42's JSON shapes, in one place: page objects, the error bodies of each
//! API family, and the resources as UP42 sends them. Handlers fill them in;
//! nothing here reads or changes state.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Times as UP42 writes them: RFC 3339 in UTC with milliseconds.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Times as the processing API writes them: nanoseconds, Java style.
pub(crate) fn now_nanos() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// A UUID-shaped id: `prefix` (8 hex digits) and a serial number.
pub(crate) fn uuid(prefix: &str, serial: u64) -> String {
    format!("{prefix}-0000-4000-8000-{serial:012x}")
}

/// `{"content": [...], "totalPages", "totalElements", ...}`: page `page` of
/// `size` (clamped to 1..=500) of `items`.
pub(crate) fn page(items: &[Value], page: u64, size: u64) -> Value {
    let total = items.len() as u64;
    let size = size.clamp(1, 500);
    let start = page.saturating_mul(size).min(total);
    let end = (start + size).min(total);
    let total_pages = total.div_ceil(size);
    json!({
        "content": &items[start as usize..end as usize],
        "totalPages": total_pages,
        "totalElements": total,
        "size": size,
        "number": page,
        "numberOfElements": end - start,
        "first": page == 0,
        "last": page + 1 >= total_pages,
        "empty": end == start,
        "pageable": {"pageNumber": page, "pageSize": size, "offset": start, "paged": true, "unpaged": false},
        "sort": {"sorted": false, "unsorted": true, "empty": true},
    })
}

/// The error shapes of UP42's API families.
pub(crate) mod error {
    use super::*;

    /// The current shape: `{"code", "message", "details"}`.
    pub(crate) fn current(status: StatusCode, message: impl Into<String>) -> Response {
        let body = json!({"code": status.as_u16(), "message": message.into(), "details": null});
        (status, Json(body)).into_response()
    }

    /// UP42's 404 for an id it does not know.
    pub(crate) fn not_found(what: &str, id: &str) -> Response {
        current(StatusCode::NOT_FOUND, format!("{what} {id} not found"))
    }

    /// The legacy envelope, `{"data": null, "error": {"code", "message", "details"}}`,
    /// still answered by catalog search.
    pub(crate) fn legacy(
        status: StatusCode,
        message: impl Into<String>,
        details: impl Into<String>,
    ) -> Response {
        let body = json!({"data": null, "error": {"code": status.as_u16(), "message": message.into(), "details": details.into()}});
        (status, Json(body)).into_response()
    }

    /// RFC 7807 problem details, `{"type", "title", "status", "detail"}`.
    pub(crate) fn problem(status: StatusCode, detail: impl Into<String>) -> Response {
        let title = status.canonical_reason().unwrap_or("Error");
        let body = json!({"type": "about:blank", "title": title, "status": status.as_u16(), "detail": detail.into()});
        (status, Json(body)).into_response()
    }

    /// Processing's invalid inputs: 400 `{"schema-error": "..."}`.
    pub(crate) fn schema_error(message: impl Into<String>) -> Response {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"schema-error": message.into()})),
        )
            .into_response()
    }

    /// Processing's failed checks: 422 `{"errors": [{"name", "message"}]}`.
    pub(crate) fn validation(errors: Vec<(String, String)>) -> Response {
        let errors: Vec<Value> = errors
            .into_iter()
            .map(|(name, message)| json!({"name": name, "message": message}))
            .collect();
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "errors": errors })),
        )
            .into_response()
    }
}

/// A polygon around `[west, south, east, north]`.
pub(crate) fn bbox_polygon(bbox: [f64; 4]) -> Value {
    let [w, s, e, n] = bbox;
    json!({"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]})
}

/// The `[west, south, east, north]` of any GeoJSON geometry, feature or
/// feature collection; `None` when it holds no coordinates.
pub(crate) fn bbox_of(geojson: &Value) -> Option<[f64; 4]> {
    fn walk(value: &Value, bbox: &mut Option<[f64; 4]>) {
        match value {
            Value::Array(items) => match items.as_slice() {
                [Value::Number(x), Value::Number(y), ..] => {
                    let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                    let b = bbox.get_or_insert([x, y, x, y]);
                    *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
                }
                _ => items.iter().for_each(|item| walk(item, bbox)),
            },
            Value::Object(map) => {
                for key in ["coordinates", "geometry", "features", "geometries"] {
                    if let Some(inner) = map.get(key) {
                        walk(inner, bbox);
                    }
                }
            }
            _ => {}
        }
    }
    let mut bbox = None;
    walk(geojson, &mut bbox);
    bbox
}

/// Whether two boxes overlap.
pub(crate) fn bboxes_overlap(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// A rough area in km² of a box in degrees, enough for prices.
pub(crate) fn area_sq_km(bbox: [f64; 4]) -> f64 {
    let mid_lat = ((bbox[1] + bbox[3]) / 2.0).to_radians();
    let width = (bbox[2] - bbox[0]).abs() * 111.32 * mid_lat.cos();
    let height = (bbox[3] - bbox[1]).abs() * 110.57;
    ((width * height) * 100.0).round() / 100.0
}

/// A STAC link.
pub(crate) fn link(rel: &str, href: &str, media: &str) -> Value {
    json!({"rel": rel, "href": href, "type": media})
}
