//! UP42's JSON shapes, in one place: page objects, the error bodies of each
//! API family, and the resources as UP42 sends them. Handlers fill them in;
//! nothing here reads or changes state.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::assets::Asset;
use crate::state::{StacRecord, Storage};

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
        "last": page.saturating_add(1) >= total_pages,
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

/// A quotation as UP42 lists it, undecided.
pub(crate) fn quotation(id: &str, order_id: &str, workspace_id: &str, account_id: &str, at: &str) -> Value {
    json!({
        "id": id,
        "createdAt": at,
        "updatedAt": at,
        "decisionAt": null,
        "accountId": account_id,
        "workspaceId": workspace_id,
        "orderId": order_id,
        "creditsPrice": 9000,
        "decision": "NOT_DECIDED",
    })
}

/// A feasibility study with two options, undecided.
pub(crate) fn feasibility_study(
    id: &str,
    order_id: &str,
    workspace_id: &str,
    account_id: &str,
    at: &str,
    options: [&str; 2],
) -> Value {
    json!({
        "id": id,
        "createdAt": at,
        "updatedAt": at,
        "accountId": account_id,
        "workspaceId": workspace_id,
        "orderId": order_id,
        "decision": "NOT_DECIDED",
        "decisionAt": null,
        "decisionOption": null,
        "options": [
            {"id": options[0], "description": "Mono acquisition, 3 attempts within the window"},
            {"id": options[1], "description": "Stereo acquisition, 2 attempts within the window"},
        ],
    })
}

/// A processing job as UP42's processing API shows it.
pub(crate) fn job(
    id: &str,
    process_id: &str,
    workspace_id: &str,
    account_id: &str,
    inputs: &Value,
    status: &str,
) -> Value {
    let now = crate::shapes::now_nanos();
    json!({
        "processID": process_id,
        "jobID": id,
        "accountID": account_id,
        "workspaceID": workspace_id,
        "definition": {"inputs": inputs},
        "status": status,
        "created": now,
        "started": null,
        "finished": null,
        "updated": now,
    })
}

/// A budget of `created_by`, with its usage: `credits` is `(spend limit,
/// consumed)`, `validity` `(start date, end date)`.
pub(crate) fn budget(
    created_by: &str,
    id: &str,
    name: &str,
    status: &str,
    (limit, consumed): (i64, i64),
    (start, end): (&str, &str),
) -> Value {
    json!({
        "id": id,
        "name": name,
        "description": format!("{name} (sandbox)"),
        "externalId": null,
        "status": status,
        "createdBy": created_by,
        "createdAt": format!("{start}T00:00:00.000Z"),
        "updatedAt": format!("{start}T00:00:00.000Z"),
        "spendLimit": limit,
        "validityPeriod": {"startDate": start, "endDate": end},
        "consumedCredits": consumed,
    })
}

/// The id of the STAC collection numbered `serial`.
pub(crate) fn stac_collection_id(serial: u64) -> String {
    uuid("c0110000", serial)
}

/// A new STAC collection, its items and the assets they point at.
pub(crate) struct Delivery {
    pub(crate) record: StacRecord,
    pub(crate) assets: Vec<(String, Asset)>,
}

impl Delivery {
    /// Puts the collection and its assets into `storage`.
    pub(crate) fn store(self, storage: &mut Storage) {
        storage.assets.extend(self.assets);
        storage.stac.push(self.record);
    }
}

/// The media type of UP42's delivered images.
pub(crate) const GEOTIFF: &str = "image/tiff; application=geotiff; profile=cloud-optimized";

/// A file of an item: its key, file name, media type and STAC roles.
pub(crate) struct File<'a> {
    pub(crate) key: &'a str,
    pub(crate) name: &'a str,
    pub(crate) media_type: &'a str,
    pub(crate) role: &'a str,
}

/// The stored asset `asset_id` holding `file`, a few bytes that start
/// like the file type says, and its entry in an item's `assets`, with the
/// STAC file extension's `file:size` and `file:checksum` (SHA-256 multihash).
pub(crate) fn stored_file(url: &dyn Fn(&str) -> String, asset_id: &str, file: &File) -> (Asset, Value) {
    let mut bytes = match file.media_type {
        t if t.starts_with("image/tiff") => b"II*\x00".to_vec(),
        "image/jpeg" => b"\xff\xd8\xff\xe0".to_vec(),
        _ => Vec::new(),
    };
    bytes.extend_from_slice(format!("sandbox {} {asset_id}", file.key).as_bytes());
    let asset = Asset::bytes(file.name, bytes);
    let checksum: String = asset.sha256().iter().map(|b| format!("{b:02x}")).collect();
    let entry = json!({
        "href": url(&format!("/v2/assets/{asset_id}")),
        "type": file.media_type,
        "title": file.key,
        "roles": [file.role],
        "file:size": asset.len(),
        "file:checksum": format!("1220{checksum}"),
    });
    (asset, entry)
}

/// A STAC collection `c0110000-…-serial` with item `17e30000-…-serial`
/// and its image, asset `a55e7000-…-serial`; `fields` go into the
/// collection's top-level fields and the item's properties.
pub(crate) fn stac_delivery(
    url: &dyn Fn(&str) -> String,
    serial: u64,
    bbox: [f64; 4],
    fields: &Value,
    title: &str,
    at: Option<&str>,
) -> Delivery {
    let collection_id = stac_collection_id(serial);
    let item_id = uuid("17e30000", serial);
    let asset_id = uuid("a55e7000", serial);
    let datetime = at.unwrap_or("2026-01-05T10:30:00Z");
    let collection_url = url(&format!("/v2/assets/stac/collections/{collection_id}"));
    let item_url = format!("{collection_url}/items/{item_id}");
    let mut collection = json!({
        "type": "Collection",
        "stac_version": "1.0.0",
        "stac_extensions": [],
        "id": collection_id,
        "title": title,
        "description": title,
        "license": "proprietary",
        "extent": {"spatial": {"bbox": [bbox]}, "temporal": {"interval": [[datetime, datetime]]}},
        "links": [
            {"rel": "self", "href": collection_url, "type": "application/json"},
            {"rel": "root", "href": url("/v2/assets/stac/"), "type": "application/json"},
            {"rel": "parent", "href": url("/v2/assets/stac/"), "type": "application/json"},
            {"rel": "items", "href": format!("{collection_url}/items"), "type": "application/geo+json"},
        ],
    });
    let mut properties = json!({
        "datetime": datetime,
        "up42-user:title": null,
        "up42-user:tags": [],
        "up42-system:asset_id": asset_id,
        "eo:cloud_cover": 4.5,
        "gsd": 0.5,
        "constellation": "PHR",
        "created": datetime,
        "updated": datetime,
    });
    for (key, value) in fields.as_object().into_iter().flatten() {
        collection[key] = value.clone();
        properties[key] = value.clone();
    }
    let name = format!("image_{serial:04}.tif");
    let image = File {
        key: "image",
        name: &name,
        media_type: GEOTIFF,
        role: "data",
    };
    let (asset, entry) = stored_file(url, &asset_id, &image);
    let item = json!({
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": [FILE_EXTENSION],
        "id": item_id,
        "collection": collection_id,
        "bbox": bbox,
        "geometry": bbox_polygon(bbox),
        "properties": properties,
        "assets": {"image": entry},
        "links": [
            {"rel": "self", "href": item_url, "type": "application/geo+json"},
            {"rel": "collection", "href": collection_url, "type": "application/json"},
            {"rel": "parent", "href": collection_url, "type": "application/json"},
            {"rel": "root", "href": url("/v2/assets/stac/"), "type": "application/json"},
        ],
    });
    Delivery {
        record: StacRecord {
            collection,
            items: vec![item],
        },
        assets: vec![(asset_id, asset)],
    }
}

/// The STAC file extension: `file:size`, `file:checksum`.
pub(crate) const FILE_EXTENSION: &str = "https://stac-extensions.github.io/file/v2.1.0/schema.json";
