//! STAC item search, as both STAC APIs of the sandbox answer it (storage at
//! `/v2/assets/stac/`, the archive at `/v2/catalog/`): `ids`, `collections`,
//! `bbox`, `intersects`, `datetime`, a CQL2-JSON `filter` subset, `limit`,
//! and an opaque `token` for the next page.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::shapes::{bbox_of, bboxes_overlap, error, link};

/// A time interval; either end open.
pub(crate) type Interval = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A search, read from a body or a query.
#[derive(Debug, Default)]
pub(crate) struct Search {
    pub(crate) ids: Vec<String>,
    pub(crate) collections: Vec<String>,
    pub(crate) bbox: Option<[f64; 4]>,
    pub(crate) intersects: Option<[f64; 4]>,
    pub(crate) datetime: Option<Interval>,
    pub(crate) filter: Option<Value>,
    pub(crate) limit: usize,
    /// Where the page starts.
    pub(crate) offset: usize,
}

/// The page size when none is asked for.
pub(crate) const DEFAULT_LIMIT: usize = 10;

impl Search {
    /// Reads a search body; an error says which field is wrong.
    pub(crate) fn from_body(body: &Value) -> Result<Search, String> {
        let strings = |key: &str| -> Result<Vec<String>, String> {
            match &body[key] {
                Value::Null => Ok(Vec::new()),
                Value::Array(items) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .ok_or(format!("{key} must be a list of strings"))
                    })
                    .collect(),
                _ => Err(format!("{key} must be a list of strings")),
            }
        };
        let bbox = match &body["bbox"] {
            Value::Null => None,
            value => Some(read_bbox(value)?),
        };
        let intersects = match &body["intersects"] {
            Value::Null => None,
            geometry => Some(bbox_of(geometry).ok_or("intersects must be a GeoJSON geometry")?),
        };
        let datetime = match &body["datetime"] {
            Value::Null => None,
            Value::String(text) => Some(read_interval(text)?),
            _ => return Err("datetime must be an RFC 3339 instant or interval".into()),
        };
        let limit = match &body["limit"] {
            Value::Null => DEFAULT_LIMIT,
            value => match value.as_u64() {
                Some(n @ 1..=500) => n as usize,
                _ => return Err(format!("limit must be between 1 and 500, not {value}")),
            },
        };
        Ok(Search {
            ids: strings("ids")?,
            collections: strings("collections")?,
            bbox,
            intersects,
            datetime,
            filter: body.get("filter").filter(|f| !f.is_null()).cloned(),
            limit,
            offset: read_token(body["token"].as_str())?,
        })
    }

    /// Whether `item` (a GeoJSON feature) matches.
    pub(crate) fn matches(&self, item: &Value) -> Result<bool, String> {
        let properties = &item["properties"];
        let collection = item["collection"]
            .as_str()
            .or_else(|| properties["collection"].as_str());
        let id = item["id"]
            .as_str()
            .or_else(|| properties["id"].as_str())
            .unwrap_or_default();
        let footprint = bbox_of(&item["geometry"]);
        Ok((self.ids.is_empty() || self.ids.iter().any(|i| i == id))
            && (self.collections.is_empty()
                || self.collections.iter().any(|c| Some(c.as_str()) == collection))
            && self
                .bbox
                .is_none_or(|b| footprint.is_some_and(|f| bboxes_overlap(b, f)))
            && self
                .intersects
                .is_none_or(|b| footprint.is_some_and(|f| bboxes_overlap(b, f)))
            && self.datetime.is_none_or(|(from, to)| {
                let at = properties["datetime"]
                    .as_str()
                    .or_else(|| properties["start_datetime"].as_str());
                at.and_then(parse_time)
                    .is_some_and(|at| from.is_none_or(|f| at >= f) && to.is_none_or(|t| at <= t))
            })
            && match &self.filter {
                None => true,
                Some(filter) => eval(filter, item)?,
            })
    }

    /// The page of `items` this search asks for, and the token of the next
    /// page if there is one.
    pub(crate) fn page<'a>(&self, items: &'a [Value]) -> Result<(Vec<&'a Value>, Option<String>), String> {
        let mut matched = Vec::new();
        for item in items {
            if self.matches(item)? {
                matched.push(item);
            }
        }
        let end = self.offset.saturating_add(self.limit).min(matched.len());
        let start = self.offset.min(end);
        let next = (end < matched.len()).then(|| format!("next:{end}"));
        Ok((matched[start..end].to_vec(), next))
    }
}

/// The answer to a STAC item search `body` (empty for all) over `items`: a
/// FeatureCollection of `render`ed items, with a `next` link that POSTs the
/// same search to `href` with the next `token` merged in; a bad search is a
/// 400 naming what is wrong.
pub(crate) fn answer(
    items: &[Value],
    body: &[u8],
    href: &str,
    root: &str,
    render: impl Fn(&Value) -> Value,
) -> Response {
    let bad = |message: String| error::current(StatusCode::BAD_REQUEST, message);
    let body: Value = match body.is_empty() {
        true => json!({}),
        false => match serde_json::from_slice(body) {
            Ok(body) => body,
            Err(e) => return bad(format!("the body is not JSON: {e}")),
        },
    };
    let search = match Search::from_body(&body) {
        Ok(search) => search,
        Err(message) => return bad(message),
    };
    let (page, token) = match search.page(items) {
        Ok(page) => page,
        Err(message) => return bad(message),
    };
    let features: Vec<Value> = page.into_iter().map(render).collect();
    let mut links = vec![link("root", root, "application/json")];
    if let Some(token) = token {
        links.push(json!({"rel": "next", "href": href, "type": "application/geo+json", "method": "POST", "body": {"token": token}, "merge": true}));
    }
    let context = json!({"returned": features.len(), "limit": search.limit});
    let body = json!({"type": "FeatureCollection", "features": features, "links": links, "context": context});
    ([(header::CONTENT_TYPE, "application/geo+json")], Json(body)).into_response()
}

/// `[west, south, east, north]` from a JSON list or `"w,s,e,n"`.
pub(crate) fn read_bbox(value: &Value) -> Result<[f64; 4], String> {
    let numbers: Vec<f64> = match value {
        Value::Array(items) => items.iter().filter_map(Value::as_f64).collect(),
        Value::String(text) => text.split(',').filter_map(|n| n.trim().parse().ok()).collect(),
        _ => Vec::new(),
    };
    match numbers.as_slice() {
        &[w, s, e, n] if w <= e && s <= n => Ok([w, s, e, n]),
        _ => Err(format!(
            "bbox must be four numbers west, south, east, north; got {value}"
        )),
    }
}

/// An RFC 3339 instant, or a date.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

/// `a/b` (either side `..` or empty for open) or one instant.
pub(crate) fn read_interval(text: &str) -> Result<Interval, String> {
    let side = |part: &str| -> Result<Option<DateTime<Utc>>, String> {
        match part {
            "" | ".." => Ok(None),
            _ => parse_time(part)
                .map(Some)
                .ok_or(format!("{part:?} is not an RFC 3339 time")),
        }
    };
    match text.split_once('/') {
        Some((from, to)) => Ok((side(from)?, side(to)?)),
        None => {
            let at = side(text)?;
            Ok((at, at))
        }
    }
}

/// The offset a `next:N` token stands for.
pub(crate) fn read_token(token: Option<&str>) -> Result<usize, String> {
    match token {
        None | Some("") => Ok(0),
        Some(token) => token
            .strip_prefix("next:")
            .and_then(|n| n.parse().ok())
            .ok_or(format!("token {token:?} is not one this API gave out")),
    }
}

/// A queryable's value in an item.
fn property<'a>(item: &'a Value, name: &str) -> &'a Value {
    let properties = &item["properties"];
    match name {
        "id" => &item["id"],
        "collection" => &item["collection"],
        "geometry" => &item["geometry"],
        "workspace_id" => &properties["up42-system:workspace_id"],
        "asset_id" => &properties["up42-system:asset_id"],
        "job_id" => &properties["up42-system:job_id"],
        "order_id" => &properties["up42-order:id"],
        "tags" => &properties["up42-user:tags"],
        "title" => &properties["up42-user:title"],
        "collection_name" => &properties["up42-product:collection_name"],
        "data_product_id" => &properties["up42-product:product_id"],
        other => &properties[other],
    }
}

/// An operand: a property of the item, or a literal.
fn operand<'a>(value: &'a Value, item: &'a Value) -> &'a Value {
    match value {
        Value::Object(map) if map.contains_key("property") => {
            property(item, map["property"].as_str().unwrap_or_default())
        }
        Value::Object(map) if map.contains_key("timestamp") => &map["timestamp"],
        Value::Object(map) if map.contains_key("date") => &map["date"],
        other => other,
    }
}

/// Numbers by value, times by instant, anything else by text.
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => match (parse_time(x), parse_time(y)) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => Some(x.cmp(y)),
        },
        _ => None,
    }
}

/// Evaluates a CQL2-JSON expression: `and`, `or`, `not`, `=`, `<>`, `<`,
/// `<=`, `>`, `>=`, `in`, `like`, `isNull`, `a_contains`, `a_overlaps`,
/// `s_intersects`. Anything else is an error naming the operator.
pub(crate) fn eval(expr: &Value, item: &Value) -> Result<bool, String> {
    let op = expr["op"].as_str().ok_or("a filter expression needs an \"op\"")?;
    let args = expr["args"].as_array().map(Vec::as_slice).unwrap_or_default();
    let arg = |i: usize| args.get(i).map_or(&Value::Null, |a| operand(a, item));
    let list = |i: usize| {
        args.get(i)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    use std::cmp::Ordering::{Equal, Greater, Less};
    Ok(match op {
        "and" => {
            for a in args {
                if !eval(a, item)? {
                    return Ok(false);
                }
            }
            true
        }
        "or" => {
            for a in args {
                if eval(a, item)? {
                    return Ok(true);
                }
            }
            false
        }
        "not" => !eval(args.first().unwrap_or(&Value::Null), item)?,
        "=" => compare(arg(0), arg(1)) == Some(Equal) || arg(0) == arg(1),
        "<>" => arg(0) != arg(1),
        "<" => compare(arg(0), arg(1)) == Some(Less),
        "<=" => matches!(compare(arg(0), arg(1)), Some(Less | Equal)),
        ">" => compare(arg(0), arg(1)) == Some(Greater),
        ">=" => matches!(compare(arg(0), arg(1)), Some(Greater | Equal)),
        "in" => list(1).iter().any(|v| v == arg(0)),
        "isNull" => arg(0).is_null(),
        "like" => {
            let pattern = arg(1).as_str().unwrap_or_default();
            arg(0).as_str().is_some_and(|text| like(text, pattern))
        }
        "a_contains" | "a_overlaps" => {
            let have = arg(0).as_array().map(Vec::as_slice).unwrap_or_default();
            match op {
                "a_contains" => list(1).iter().all(|v| have.contains(v)),
                _ => list(1).iter().any(|v| have.contains(v)),
            }
        }
        "s_intersects" => match (bbox_of(arg(0)), bbox_of(arg(1))) {
            (Some(a), Some(b)) => bboxes_overlap(a, b),
            _ => false,
        },
        other => return Err(format!("the filter operator {other:?} is not supported")),
    })
}

/// SQL `LIKE`: `%` any run, `_` one character.
fn like(text: &str, pattern: &str) -> bool {
    let (text, pattern): (Vec<char>, Vec<char>) = (text.chars().collect(), pattern.chars().collect());
    fn go(t: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(&t[i..], rest)),
            Some(('_', rest)) => !t.is_empty() && go(&t[1..], rest),
            Some((c, rest)) => t.first() == Some(c) && go(&t[1..], rest),
        }
    }
    go(&text, &pattern)
}

/// The queryables of UP42's storage search (CQL2), as a JSON Schema.
pub(crate) fn queryables(id: &str) -> Value {
    let string = json!({"type": "string"});
    json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": id,
        "type": "object",
        "title": "Queryables of UP42 storage",
        "properties": {
            "datetime": {"type": "string", "format": "date-time"},
            "workspace_id": string, "asset_id": string, "order_id": string,
            "collection_name": string, "data_product_id": string, "job_id": string,
            "id": string, "collection": string, "title": string, "constellation": string,
            "tags": {"type": "array", "items": string},
            "eo:cloud_cover": {"type": "number", "minimum": 0, "maximum": 100},
            "gsd": {"type": "number"},
            "geometry": {"$ref": "https://geojson.org/schema/Geometry.json"},
        },
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cql2_subset() {
        let item = json!({"id": "i", "collection": "c", "geometry": {"type": "Point", "coordinates": [1.0, 2.0]},
            "properties": {"up42-user:tags": ["a", "b"], "eo:cloud_cover": 10, "datetime": "2026-01-05T10:30:00Z", "up42-user:title": "Berlin"}});
        let yes = |f: Value| assert!(eval(&f, &item).unwrap(), "{f}");
        let no = |f: Value| assert!(!eval(&f, &item).unwrap(), "{f}");
        yes(json!({"op": "=", "args": [{"property": "id"}, "i"]}));
        yes(
            json!({"op": "and", "args": [{"op": "<", "args": [{"property": "eo:cloud_cover"}, 20]}, {"op": "a_contains", "args": [{"property": "tags"}, ["a"]]}]}),
        );
        no(json!({"op": "a_contains", "args": [{"property": "tags"}, ["a", "z"]]}));
        yes(json!({"op": ">=", "args": [{"property": "datetime"}, {"timestamp": "2026-01-01T00:00:00Z"}]}));
        yes(json!({"op": "like", "args": [{"property": "title"}, "Ber%"]}));
        no(json!({"op": "not", "args": [{"op": "in", "args": [{"property": "collection"}, ["c", "d"]]}]}));
        assert!(eval(&json!({"op": "t_during", "args": []}), &item).is_err());
    }

    #[test]
    fn pages_by_token() {
        let items: Vec<Value> = (0..5)
            .map(|i| json!({"id": format!("{i}"), "properties": {}}))
            .collect();
        let search = Search {
            limit: 2,
            ..Search::default()
        };
        let (page, next) = search.page(&items).unwrap();
        assert_eq!((page.len(), next.as_deref()), (2, Some("next:2")));
        let last = Search {
            limit: 2,
            offset: read_token(Some("next:4")).unwrap(),
            ..Search::default()
        };
        assert_eq!(last.page(&items).unwrap().1, None);
        assert!(read_token(Some("bogus")).is_err());
        let far = Search {
            limit: 2,
            offset: read_token(Some("next:18446744073709551615")).unwrap(),
            ..Search::default()
        };
        assert_eq!(
            far.page(&items).unwrap(),
            (Vec::new(), None),
            "a token past the end is an empty page"
        );
        assert!(Search::from_body(&json!({"limit": 0})).is_err());
        assert!(Search::from_body(&json!({"bbox": [1, 2, 3]})).is_err());
    }
}
