//! An endpoint call being put together: the static description the macro
//! emits, path values encoded as one segment each, query pairs, headers and
//! the JSON body, and the URL they make.

use std::fmt::{self, Display, Write as _};
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::error::Error;
use crate::query::Query;

/// What a path segment value keeps unencoded: RFC 3986 unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One piece of a path template, as the macro parsed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPart {
    /// Text of the template, checked at compile time to be URL-safe.
    Literal(&'static str),
    /// A `{name}` placeholder.
    Param(&'static str),
}

/// Whether an endpoint's calls are retried after transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Retried if the method is idempotent: `GET`, `HEAD`, `PUT`, `DELETE`.
    IfIdempotent,
    /// `retry = true`: always retried.
    Always,
    /// `retry = false`: never retried.
    Never,
}

/// How an endpoint's answers are paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// One answer, not paged.
    None,
    /// UP42's page object: `{"content": [...], "number", "totalPages", "last", ...}`,
    /// asked for with `page=0, 1, ...`.
    Numbered,
    /// Items under the named field and a `links` entry with `rel: "next"`
    /// (processing jobs, STAC): the `href` is followed.
    NextLink(&'static str),
}

/// The static description of an endpoint, emitted by the macro.
#[derive(Debug)]
pub struct Endpoint {
    /// The HTTP method.
    pub method: Method,
    /// The path template as written (`/v2/orders/{order_id}`): what traces
    /// show, never the filled-in path. `None` for a path known only at run
    /// time ([`Call`](crate::Call), a download URL), which traces leave out.
    pub template: Option<&'static str>,
    /// The endpoint function's name, for traces.
    pub function: &'static str,
    /// The path template, split at its placeholders.
    pub path: &'static [PathPart],
    /// Sent without a token.
    pub public: bool,
    /// Whether transient failures are retried.
    pub retry: Retry,
    /// The caller gets the response itself (a download): a `GET` redirected
    /// to another origin is followed with a fresh request without the token.
    pub raw: bool,
    /// Whether and how the answers are paged.
    pub paging: Paging,
    /// The `timeout = "30s"` option: the time allowed for the whole call,
    /// instead of the client's request timeout.
    pub timeout: Option<Duration>,
    /// The `content_type = "..."` option: the `Content-Type` of the body,
    /// instead of `application/json`.
    pub content_type: Option<&'static str>,
}

impl Endpoint {
    pub(super) fn retries(&self) -> bool {
        match self.retry {
            Retry::Always => true,
            Retry::Never => false,
            Retry::IfIdempotent => {
                [Method::GET, Method::HEAD, Method::PUT, Method::DELETE].contains(&self.method)
            }
        }
    }
}

/// One call being put together.
#[derive(Clone)]
pub struct Request {
    pub(crate) endpoint: &'static Endpoint,
    /// The endpoint's method; a page of a paged search may say another.
    pub(crate) method: Method,
    /// Encoded values of the `Param` parts, in template order.
    params: Vec<String>,
    /// A path given at run time ([`Call`](crate::Call)), used instead of the template.
    dynamic_path: Option<String>,
    query: Vec<(String, String)>,
    pub(super) headers: HeaderMap,
    pub(super) body: Option<Bytes>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.endpoint.path)
            .field(
                "query_keys",
                &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("has_body", &self.body.is_some())
            .finish_non_exhaustive()
    }
}

fn invalid(name: &str, reason: impl Into<String>) -> Error {
    Error::invalid_argument(name.to_string(), reason.into())
}

impl Request {
    /// Starts a call of `endpoint`.
    pub fn new(endpoint: &'static Endpoint) -> Self {
        Request {
            endpoint,
            method: endpoint.method.clone(),
            params: Vec::new(),
            dynamic_path: None,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
        }
    }

    /// The value of the next `{name}` placeholder: formatted with `Display`,
    /// percent-encoded as exactly one path segment. Empty values, `.` and `..`
    /// are refused: they would change which resource the path names.
    pub fn path(&mut self, name: &'static str, value: &dyn Display) -> Result<(), Error> {
        let text = value.to_string();
        if text.is_empty() {
            return Err(invalid(
                name,
                "the value is empty, which would leave an empty path segment",
            ));
        }
        if text == "." || text == ".." {
            return Err(invalid(
                name,
                format!("the value `{text}` would move up the path"),
            ));
        }
        self.params.push(utf8_percent_encode(&text, SEGMENT).to_string());
        Ok(())
    }

    /// A query argument under `key`: scalars once, `None` not at all,
    /// sequences as a repeated key. A struct is refused: its fields go with
    /// [`query_fields`](Self::query_fields) (`#[query(flatten)]`).
    pub fn query<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        match serde_json::to_value(value).map_err(|e| invalid(key, e.to_string()))? {
            Value::Object(_) => Err(invalid(
                key,
                "a struct is not one query value; send its fields with `#[query(flatten)]` and \
                 `#[derive(Query)]`",
            )),
            value => self.query_value(key, value),
        }
    }

    /// The fields of a [`Query`] struct, each under its own key in the
    /// order the struct declares them: `None` fields left out, lists as a
    /// repeated key or, for `#[query(comma)]` fields, one comma-joined value.
    pub fn query_fields<Q: Query + ?Sized>(&mut self, value: &Q) -> Result<(), Error> {
        let mut fields = match serde_json::to_value(value) {
            Ok(Value::Object(fields)) => fields,
            Ok(_) => {
                return Err(invalid(
                    Q::NAME,
                    "a query struct must serialize as a struct with named fields",
                ));
            }
            Err(e) => return Err(invalid(Q::NAME, e.to_string())),
        };
        for field in Q::FIELDS {
            let Some(value) = fields.remove(field.name) else {
                continue;
            };
            match field.joined {
                true => self.query_joined_value(field.name, value)?,
                false => self.query_value(field.name, value)?,
            }
        }
        if let Some(unknown) = fields.keys().next() {
            return Err(invalid(
                Q::NAME,
                format!(
                    "it serialized the key `{unknown}`, which `#[derive(Query)]` did not see; \
                     rename fields with `#[serde(rename = \"...\")]` or `rename_all` only"
                ),
            ));
        }
        Ok(())
    }

    /// A query argument under `key` sent as one comma-joined value
    /// (`ids=a,b,c`), as some UP42 lists take their filters; an empty list or
    /// `None` is left out, and a scalar is sent as it is.
    pub fn query_joined<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        let value = serde_json::to_value(value).map_err(|e| invalid(key, e.to_string()))?;
        self.query_joined_value(key, value)
    }

    /// [`query_joined`](Self::query_joined) of a value already serialized.
    fn query_joined_value(&mut self, key: &str, value: Value) -> Result<(), Error> {
        let Value::Array(items) = value else {
            return self.query_value(key, value);
        };
        let mut joined = Vec::with_capacity(items.len());
        for item in items {
            let before = self.query.len();
            self.query_scalar(key, item)?;
            if self.query.len() > before
                && let Some((_, text)) = self.query.pop()
            {
                if text.contains(',') {
                    return Err(invalid(
                        key,
                        format!("`{text}` holds a comma, which would split it in a comma-joined list"),
                    ));
                }
                joined.push(text);
            }
        }
        if !joined.is_empty() {
            self.query.push((key.to_string(), joined.join(",")));
        }
        Ok(())
    }

    fn query_value(&mut self, key: &str, value: Value) -> Result<(), Error> {
        match value {
            Value::Null => Ok(()),
            Value::Array(items) => items
                .into_iter()
                .try_for_each(|item| self.query_scalar(key, item)),
            value => self.query_scalar(key, value),
        }
    }

    fn query_scalar(&mut self, key: &str, value: Value) -> Result<(), Error> {
        let text = match value {
            Value::Null => return Ok(()),
            Value::String(s) => s,
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Array(_) | Value::Object(_) => {
                return Err(invalid(
                    key,
                    "nested lists and structs cannot be sent as a query value",
                ));
            }
        };
        self.query.push((key.to_string(), text));
        Ok(())
    }

    /// The same call with another method and body: the request for a page a
    /// next link names (`POST` again with the same or a merged body, or `GET`).
    pub(crate) fn for_page(&self, method: Method, body: Option<Bytes>) -> Request {
        Request {
            method,
            body,
            ..self.clone()
        }
    }

    /// The body, if there is one.
    pub(crate) fn body(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }

    /// Sends the call to `path` (checked by the caller: it starts with `/`)
    /// instead of the endpoint's template.
    pub(crate) fn set_dynamic_path(&mut self, path: String) {
        self.dynamic_path = Some(path);
    }

    /// A query pair whose key is known at run time only.
    pub(crate) fn push_query(&mut self, key: String, value: String) {
        self.query.push((key, value));
    }

    /// A header `name: value`, the value formatted with `Display`.
    pub fn header(&mut self, name: &'static str, value: &dyn Display) -> Result<(), Error> {
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|e| invalid(name, e.to_string()))?;
        let value = HeaderValue::try_from(value.to_string()).map_err(|_| {
            invalid(
                name,
                "header values cannot contain line breaks or control characters",
            )
        })?;
        self.headers.append(header, value);
        Ok(())
    }

    /// The JSON body.
    pub fn json_body<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), Error> {
        let body = serde_json::to_vec(value).map_err(|e| invalid(name, e.to_string()))?;
        self.body = Some(Bytes::from(body));
        Ok(())
    }

    /// `base` with the template filled in and the query appended. The base
    /// URL's own path is kept as a prefix.
    pub(crate) fn url(&self, base: &Url) -> Result<Url, Error> {
        let mut path = base.path().trim_end_matches('/').to_string();
        if let Some(dynamic) = &self.dynamic_path {
            path.push_str(dynamic);
        }
        let mut params = self.params.iter();
        for part in self.endpoint.path {
            match part {
                PathPart::Literal(text) => path.push_str(text),
                PathPart::Param(name) => {
                    let value = params.next().ok_or_else(|| invalid(name, "no value was given"))?;
                    let _ = write!(path, "{value}");
                }
            }
        }
        let mut url = base.clone();
        url.set_path(&path);
        url.set_query(None);
        url.set_fragment(None);
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    static TEMPLATE: Endpoint = Endpoint {
        method: Method::GET,
        template: Some("/v2/orders/{order_id}/items"),
        function: "items",
        path: &[
            PathPart::Literal("/v2/orders/"),
            PathPart::Param("order_id"),
            PathPart::Literal("/items"),
        ],
        public: false,
        retry: Retry::IfIdempotent,
        raw: false,
        paging: Paging::None,
        timeout: None,
        content_type: None,
    };

    fn url_for(base: &str, value: &str) -> Result<String, Error> {
        let mut request = Request::new(&TEMPLATE);
        request.path("order_id", &value)?;
        Ok(request.url(&Url::parse(base).unwrap())?.to_string())
    }

    #[test]
    fn path_values_are_one_encoded_segment() {
        let base = "https://api.up42.com";
        let cases = [
            ("abc-1", "abc-1"),
            ("a/b", "a%2Fb"),
            ("../x", "..%2Fx"),
            ("?x=1#f", "%3Fx%3D1%23f"),
            ("%2F", "%252F"),
            ("ü x", "%C3%BC%20x"),
        ];
        for (value, segment) in cases {
            let expected = format!("https://api.up42.com/v2/orders/{segment}/items");
            assert_eq!(url_for(base, value).unwrap(), expected, "{value}");
        }
        for bad in ["", ".", ".."] {
            assert!(
                url_for(base, bad)
                    .as_ref()
                    .is_err_and(|e| e.kind() == ErrorKind::InvalidArgument),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_base_path_is_kept() {
        assert_eq!(
            url_for("https://host/prefix", "1").unwrap(),
            "https://host/prefix/v2/orders/1/items"
        );
        assert_eq!(
            url_for("https://host/prefix/", "1").unwrap(),
            "https://host/prefix/v2/orders/1/items"
        );
    }

    #[test]
    fn query_values_by_shape() {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Filter {
            workspace_id: &'static str,
            status: Vec<&'static str>,
            tag: Option<&'static str>,
            order_ids: Vec<&'static str>,
        }
        impl Query for Filter {
            const NAME: &'static str = "Filter";
            const FIELDS: &'static [crate::QueryField] = &[
                crate::QueryField {
                    name: "workspaceId",
                    joined: false,
                },
                crate::QueryField {
                    name: "status",
                    joined: false,
                },
                crate::QueryField {
                    name: "tag",
                    joined: false,
                },
                crate::QueryField {
                    name: "orderIds",
                    joined: true,
                },
            ];
        }
        let mut request = Request::new(&TEMPLATE);
        request.query("page", &Some(2u32)).unwrap();
        request.query("size", &None::<u32>).unwrap();
        request.query("sort", &["a", "b c"]).unwrap();
        let filter = Filter {
            workspace_id: "w&1",
            status: vec!["FULFILLED"],
            tag: None,
            order_ids: vec!["a", "b"],
        };
        request.query_fields(&filter).unwrap();
        request.path("order_id", &1).unwrap();
        let url = request.url(&Url::parse("https://h").unwrap()).unwrap();
        assert_eq!(
            url.query(),
            Some("page=2&sort=a&sort=b+c&workspaceId=w%261&status=FULFILLED&orderIds=a%2Cb")
        );
        let nested = Request::new(&TEMPLATE).query("x", &[[1, 2]]);
        assert!(
            nested
                .as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::InvalidArgument)
        );
        let whole = Request::new(&TEMPLATE).query("filter", &filter);
        assert!(whole.is_err_and(|e| e.to_string().contains("#[query(flatten)]")));
    }

    #[test]
    fn a_key_the_derive_did_not_see_is_refused() {
        #[derive(Serialize)]
        struct Renamed {
            #[serde(rename(serialize = "b"))]
            a: u32,
        }
        impl Query for Renamed {
            const NAME: &'static str = "Renamed";
            const FIELDS: &'static [crate::QueryField] = &[crate::QueryField {
                name: "a",
                joined: false,
            }];
        }
        let err = Request::new(&TEMPLATE)
            .query_fields(&Renamed { a: 1 })
            .unwrap_err();
        assert!(err.to_string().contains("the key `b`"), "{err}");
    }

    #[test]
    fn unsendable_headers_and_bodies_are_typed_errors() {
        let mut request = Request::new(&TEMPLATE);
        let err = request.header("X-Note", &"two\nlines").unwrap_err();
        assert!(
            err.to_string().contains("argument `X-Note` cannot be sent"),
            "{err}"
        );
        let tuple_keys = std::collections::BTreeMap::from([((1, 2), "x")]);
        let err = request.json_body("order", &tuple_keys).unwrap_err();
        assert!(err.kind() == ErrorKind::InvalidArgument, "{err}");
        assert!(request.body.is_none(), "nothing half-built is kept");
    }
}
