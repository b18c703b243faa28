//! The runtime behind `#[up42_endpoint]`: builds the URL from the path
//! template, adds query, headers and body, takes the token, sends, resends
//! once after a stale-token 401, checks the status and decodes.
//!
//! Generated code reaches it through [`crate::__private_0_1_0`]; nothing here is a
//! stable API of its own.

use std::fmt::{self, Display, Write as _};

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::authenticated::Authenticated;
use crate::body::{SMALL_BODY_LIMIT, excerpt, read_limited};
use crate::error::{ApiError, Error, Operation, Repr, display_url};
use crate::policy::{DEFAULT_MAX_RESPONSE_SIZE, RetryPolicy};
use crate::redirect::{MAX_REDIRECTS, origin, same_origin};

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

/// The static description of an endpoint, emitted by the macro.
#[derive(Debug)]
pub struct Endpoint {
    /// The HTTP method.
    pub method: Method,
    /// The path template, split at its placeholders.
    pub path: &'static [PathPart],
    /// Sent without a token.
    pub public: bool,
    /// Whether transient failures are retried.
    pub retry: Retry,
    /// The caller gets the response itself (a download): a `GET` redirected
    /// to another origin is followed with a fresh request without the token.
    pub raw: bool,
}

impl Endpoint {
    fn retries(&self) -> bool {
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
pub struct Request {
    endpoint: &'static Endpoint,
    /// Encoded values of the `Param` parts, in template order.
    params: Vec<String>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Bytes>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.endpoint.method)
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
    Error::from(Repr::InvalidArgument {
        name: name.to_string(),
        reason: reason.into(),
    })
}

impl Request {
    /// Starts a call of `endpoint`.
    pub fn new(endpoint: &'static Endpoint) -> Self {
        Request {
            endpoint,
            params: Vec::new(),
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
    /// sequences as a repeated key, structs (maps) as one pair per field.
    pub fn query<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        let value = serde_json::to_value(value).map_err(|e| invalid(key, e.to_string()))?;
        match value {
            Value::Object(fields) => {
                for (field, value) in fields {
                    self.query_value(&field, value)?;
                }
                Ok(())
            }
            value => self.query_value(key, value),
        }
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
    fn url(&self, base: &Url) -> Result<Url, Error> {
        let mut path = base.path().trim_end_matches('/').to_string();
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

/// The most bytes [`decode_json`] reads of a response, as set by the client's
/// [`RequestPolicy`](crate::RequestPolicy); carried in the response's extensions.
#[derive(Debug, Clone, Copy)]
struct BodyLimit(usize);

/// Sends `request` through `client`: token, bearer header, one resend after a
/// 401 on a token, status check, and retries of transient failures by the
/// client's [`RequestPolicy`](crate::RequestPolicy). Returns the successful
/// response, body unread.
pub async fn send<A: Authenticated + ?Sized>(
    client: &A,
    request: Request,
) -> Result<reqwest::Response, Error> {
    let url = request.url(client.api_url())?;
    let policy = client.request_policy();
    let never = RetryPolicy::never();
    let retry = match request.endpoint.retries() {
        true => &policy.retry,
        false => &never,
    };
    // A failed token request was already retried by the token source.
    let retryable = |e: &Error| e.is_retryable() && e.operation() == Some(Operation::ApiRequest);
    let mut response = retry
        .run("API request", retryable, || send_once(client, &request, &url))
        .await?;
    response
        .extensions_mut()
        .insert(BodyLimit(policy.max_response_size));
    Ok(response)
}

/// One attempt: rate limit, token, send, and the one resend after a 401.
async fn send_once<A: Authenticated + ?Sized>(
    client: &A,
    request: &Request,
    url: &Url,
) -> Result<reqwest::Response, Error> {
    let method = &request.endpoint.method;
    let mut resent = false;
    loop {
        if let Some(limit) = &client.request_policy().rate_limit {
            limit.acquire().await;
        }
        let token = match request.endpoint.public {
            true => None,
            // The fresh-token path is static: no boxed future, no allocation.
            false => match client.token_cache().fresh() {
                Some(token) => Some(token),
                None => Some(client.access_token().await?),
            },
        };
        let mut call = client
            .http_client()
            .request(method.clone(), url.clone())
            .headers(request.headers.clone());
        if let Some(token) = &token {
            call = call.header(AUTHORIZATION, token.bearer_header().clone());
        }
        if let Some(body) = &request.body {
            call = call.header(CONTENT_TYPE, "application/json").body(body.clone());
        }
        let response = call
            .send()
            .await
            .map_err(|e| Error::transport(Operation::ApiRequest, url, e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if let (StatusCode::UNAUTHORIZED, Some(token), false) = (status, &token, resent)
            && client.token_cache().rejected_by_api(token)
        {
            tracing::info!(%method, url = %display_url(url), "the API rejected the token; resending once with a new one");
            resent = true;
            continue;
        }
        // Redirects that reach this point left the request's origin (see `redirect`).
        if status.is_redirection()
            && let Some(target) = location(&response)
        {
            if request.endpoint.raw && *method == Method::GET {
                return follow_without_token(client, target).await;
            }
            return Err(Error::from(Repr::Redirected {
                method: method.clone(),
                url: display_url(url),
                status,
                target: origin(&target),
            }));
        }
        return Err(api_error(method, url, response).await);
    }
}

/// Where a redirect points, resolved against the URL that answered it.
fn location(response: &reqwest::Response) -> Option<Url> {
    let value = response.headers().get(reqwest::header::LOCATION)?.to_str().ok()?;
    response.url().join(value).ok()
}

/// A download redirected to another origin (a storage host): fresh `GET`s
/// that carry neither the token nor the call's headers, hop by hop, never
/// from `https` down to `http`.
async fn follow_without_token<A: Authenticated + ?Sized>(
    client: &A,
    mut target: Url,
) -> Result<reqwest::Response, Error> {
    let mut from = client.api_url().clone();
    for _ in 0..MAX_REDIRECTS {
        if from.scheme() == "https" && target.scheme() != "https" {
            return Err(Error::from(Repr::Redirected {
                method: Method::GET,
                url: display_url(&from),
                status: StatusCode::FOUND,
                target: origin(&target),
            }));
        }
        tracing::debug!(to = %origin(&target), "download redirected to another origin; following without the token");
        let response = client
            .http_client()
            .get(target.clone())
            .send()
            .await
            .map_err(|e| Error::transport(Operation::ApiRequest, &target, e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        match location(&response).filter(|_| status.is_redirection()) {
            Some(next) if !same_origin(&next, &target) => {
                from = std::mem::replace(&mut target, next);
            }
            _ => return Err(api_error(&Method::GET, &target, response).await),
        }
    }
    Err(Error::from(Repr::Redirected {
        method: Method::GET,
        url: display_url(&from),
        status: StatusCode::FOUND,
        target: origin(&target),
    }))
}

/// The error for a non-success answer, with the UP42 error fields if the body has them.
async fn api_error(method: &Method, url: &Url, response: reqwest::Response) -> Error {
    let status = response.status();
    let retry_after = crate::policy::retry_after(response.headers());
    // An unreadable or oversized error body still leaves the status to report.
    let body = read_limited(response, SMALL_BODY_LIMIT, Operation::ApiRequest, url)
        .await
        .unwrap_or_default();
    let (message, code) = error_fields(&body);
    Error::from(Repr::Api(ApiError {
        method: method.clone(),
        url: display_url(url),
        status,
        message,
        code,
        body_excerpt: excerpt(&body),
        retry_after,
    }))
}

/// The message and code of an UP42 error body, whichever shape it has:
/// `{"error": {"code", "message", "details"}}`, `{"errors": [{"message", "details"}]}`,
/// RFC 7807 `{"status", "title", "detail"}`, or `{"message"}`.
pub(crate) fn error_fields(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let text = |v: &Value| match v {
        Value::String(s) if !s.is_empty() => Some(excerpt(s.as_bytes())),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let with_details = |message: Option<String>, details: Option<String>| match (message, details) {
        (Some(m), Some(d)) => Some(format!("{m} ({d})")),
        (m, d) => m.or(d),
    };
    if let Some(error) = value.get("error") {
        return match error {
            Value::Object(_) => (
                with_details(text(&error["message"]), text(&error["details"])),
                text(&error["code"]),
            ),
            other => (text(other), None),
        };
    }
    if let Some(first) = value.get("errors").and_then(|e| e.get(0)) {
        return (
            with_details(text(&first["message"]), text(&first["details"])),
            None,
        );
    }
    if value.get("title").is_some() || value.get("detail").is_some() {
        return (
            with_details(text(&value["title"]), text(&value["detail"])),
            text(&value["type"]),
        );
    }
    (text(&value["message"]), text(&value["code"]))
}

/// Decodes a JSON answer into `T`; a failure names the JSON path that did not fit.
/// Generic in the error so that endpoints may return any `E: From<Error>`.
pub async fn decode_json<T: DeserializeOwned, E: From<Error>>(response: reqwest::Response) -> Result<T, E> {
    decode_json_inner(response).await.map_err(E::from)
}

async fn decode_json_inner<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, Error> {
    let status = response.status();
    let url = response.url().clone();
    let limit = response
        .extensions()
        .get::<BodyLimit>()
        .map_or(DEFAULT_MAX_RESPONSE_SIZE, |l| l.0);
    let body = read_limited(response, limit, Operation::ApiRequest, &url).await?;
    // The plain decoder on the way in; only a failure pays for path tracking.
    if let Ok(value) = serde_json::from_slice(&body) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(&body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        Error::from(Repr::MalformedResponse {
            operation: Operation::ApiRequest,
            url: display_url(&url),
            status,
            reason: format!(
                "the JSON does not fit `{}` at `{path}`: {}",
                std::any::type_name::<T>(),
                e.inner()
            ),
            body_excerpt: excerpt(&body),
        })
    })
}

/// For `Result<(), E>` endpoints: the body is ignored.
pub async fn decode_unit<E: From<Error>>(response: reqwest::Response) -> Result<(), E> {
    drop(response);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    static TEMPLATE: Endpoint = Endpoint {
        method: Method::GET,
        path: &[
            PathPart::Literal("/v2/orders/"),
            PathPart::Param("order_id"),
            PathPart::Literal("/items"),
        ],
        public: false,
        retry: Retry::IfIdempotent,
        raw: false,
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
        }
        let mut request = Request::new(&TEMPLATE);
        request.query("page", &Some(2u32)).unwrap();
        request.query("size", &None::<u32>).unwrap();
        request.query("sort", &["a", "b c"]).unwrap();
        let filter = Filter {
            workspace_id: "w&1",
            status: vec!["FULFILLED"],
            tag: None,
        };
        request.query("filter", &filter).unwrap();
        request.path("order_id", &1).unwrap();
        let url = request.url(&Url::parse("https://h").unwrap()).unwrap();
        assert_eq!(
            url.query(),
            Some("page=2&sort=a&sort=b+c&workspaceId=w%261&status=FULFILLED")
        );
        let nested = Request::new(&TEMPLATE).query("x", &[[1, 2]]);
        assert!(
            nested
                .as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::InvalidArgument)
        );
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

    #[test]
    fn error_bodies_of_every_shape() {
        let cases: [(&str, Option<&str>, Option<&str>); 6] = [
            (
                r#"{"error":{"code":422,"message":"Invalid","details":"bad aoi"}}"#,
                Some("Invalid (bad aoi)"),
                Some("422"),
            ),
            (
                r#"{"errors":[{"index":1,"message":"Failed","details":"no"}]}"#,
                Some("Failed (no)"),
                None,
            ),
            (
                r#"{"status":404,"title":"Not Found","detail":"no order"}"#,
                Some("Not Found (no order)"),
                None,
            ),
            (r#"{"message":"plain"}"#, Some("plain"), None),
            (r#"{"error":"flat"}"#, Some("flat"), None),
            ("<html>", None, None),
        ];
        for (body, message, code) in cases {
            let (m, c) = error_fields(body.as_bytes());
            assert_eq!((m.as_deref(), c.as_deref()), (message, code), "{body}");
        }
    }
}
