//! The API's resources, one module each, and what their handlers share:
//! reading queries the way UP42 takes them, sorting, and JSON bodies.

pub(crate) mod account;
pub(crate) mod budgets;
pub(crate) mod catalog;
pub(crate) mod echo;
pub(crate) mod glossary;
pub(crate) mod orders;
pub(crate) mod processing;
pub(crate) mod storage;
pub(crate) mod tasking;

use std::cmp::Ordering;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use crate::shapes::error;

/// A query as sent: every pair, in order, repeated keys kept.
pub(crate) struct Params(pub(crate) Vec<(String, String)>);

impl Params {
    /// The first value of `key`.
    pub(crate) fn one(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, repeated or comma-joined (`status=A&status=B`,
    /// `orderIds=a,b`).
    pub(crate) fn list(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A number, or a 400 naming the key.
    pub(crate) fn number(&self, key: &str) -> Result<Option<u64>, Response> {
        match self.one(key) {
            None | Some("") => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                error::current(
                    StatusCode::BAD_REQUEST,
                    format!("{key} must be a whole number, not {text:?}"),
                )
            }),
        }
    }

    /// A flag: `true`, `True`, `1` (requests writes Python's `True`).
    pub(crate) fn flag(&self, key: &str) -> bool {
        self.one(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }

    /// `page` (from 0) and `size` (default `default_size`), or a 400.
    pub(crate) fn page(&self, default_size: u64) -> Result<(u64, u64), Response> {
        Ok((
            self.number("page")?.unwrap_or(0),
            self.number("size")?.unwrap_or(default_size),
        ))
    }

    /// Sorts `items` by `sort=field,asc|desc` if given; fields outside
    /// `allowed` are a 400 naming them.
    pub(crate) fn sort(&self, items: &mut [Value], allowed: &[&str]) -> Result<(), Response> {
        let Some(sort) = self.one("sort") else {
            return Ok(());
        };
        let (field, direction) = sort.split_once(',').unwrap_or((sort, "asc"));
        if !allowed.contains(&field) {
            let message = format!("cannot sort by {field:?}; sort by one of {}", allowed.join(", "));
            return Err(error::current(StatusCode::BAD_REQUEST, message));
        }
        items.sort_by(|a, b| compare(field_of(a, field), field_of(b, field)));
        if direction.eq_ignore_ascii_case("desc") {
            items.reverse();
        }
        Ok(())
    }
}

/// A field by dotted path (`creditConsumption.credits`).
fn field_of<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |v, key| &v[key])
}

/// Numbers by value, anything else by its text; missing values first.
fn compare(a: &Value, b: &Value) -> Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.as_str().unwrap_or_default().cmp(b.as_str().unwrap_or_default()),
    }
}

/// A JSON body, or a 400 in the current shape.
pub(crate) fn json_body(body: &[u8]) -> Result<Value, Response> {
    serde_json::from_slice(body)
        .map_err(|e| error::current(StatusCode::BAD_REQUEST, format!("the body is not JSON: {e}")))
}

/// Whether `value` is a string equal to one of `wanted` (or `wanted` is empty).
pub(crate) fn any_of(wanted: &[&str], value: &Value) -> bool {
    wanted.is_empty() || wanted.iter().any(|w| value == *w)
}
