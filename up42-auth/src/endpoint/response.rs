//! Reading an answer: the error of a non-success status (with UP42's error
//! fields, whichever shape they have), and the decoding of a success.

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::page::PageAnswer;
use super::request::Paging;
use crate::body::{SMALL_BODY_LIMIT, excerpt, read_limited};
use crate::defaults::DEFAULT_MAX_RESPONSE_SIZE;
use crate::error::{ApiError, Error, Operation, Timing, display_url};

/// The most bytes [`decode_json`] reads of a response, as set by the client's
/// [`RequestPolicy`](crate::policy::RequestPolicy); carried in the response's extensions.
#[derive(Debug, Clone, Copy)]
pub(super) struct BodyLimit(pub(super) usize);

/// The client's [`max_download_size`](crate::Up42ClientBuilder::max_download_size),
/// carried by the answers it sends, for [`Download`](crate::Download).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DownloadLimit(pub(crate) Option<u64>);

/// The error for a non-success answer, with the UP42 error fields if the body has them.
pub(super) async fn api_error(method: &Method, url: &Url, response: reqwest::Response) -> Error {
    let status = response.status();
    let retry_after = crate::policy::retry_after(response.headers());
    // An unreadable or oversized error body still leaves the status to report.
    let body = read_limited(response, SMALL_BODY_LIMIT, Operation::ApiRequest, url)
        .await
        .unwrap_or_default();
    let (message, code) = error_fields(&body);
    Error::api_answer(ApiError {
        method: method.clone(),
        url: display_url(url),
        status,
        message,
        code,
        body_excerpt: excerpt(&body),
        retry_after,
        body: body.into(),
    })
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

/// What an endpoint's success type must be: decodable from the JSON answer.
/// Implemented for every `DeserializeOwned` type; the message below is what a
/// user sees for a type that is not.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from the JSON answer of an endpoint",
    label = "add `#[derive(serde::Deserialize)]` to `{Self}`",
    note = "an endpoint decodes the answer into its success type; `()` ignores the body, \
            and the `raw` option returns the response itself"
)]
pub trait FromJson: Sized {
    /// Decodes `body`; a failure names the JSON path that did not fit.
    fn from_json(body: &[u8]) -> Result<Self, String>;

    /// Decodes one page of a `paged` endpoint's answer into its items.
    #[doc(hidden)]
    fn from_page(paging: Paging, body: &[u8]) -> Result<PageAnswer<Self>, String>;
}

impl<T: DeserializeOwned> FromJson for T {
    fn from_page(paging: Paging, body: &[u8]) -> Result<PageAnswer<Self>, String> {
        super::page::decode(paging, body)
    }

    fn from_json(body: &[u8]) -> Result<Self, String> {
        // The plain decoder on the way in; only a failure pays for path tracking.
        if let Ok(value) = serde_json::from_slice(body) {
            return Ok(value);
        }
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            format!(
                "the JSON does not fit `{}` at `{}`: {}",
                std::any::type_name::<T>(),
                e.path(),
                e.inner()
            )
        })
    }
}

/// Decodes a JSON answer with `decode` (a [`FromJson::from_json`]). The bound
/// is checked where the macro names `<T as FromJson>::from_json`, at the
/// user's type: one error there, none inside this function. Generic in the
/// error so that endpoints may return any `E: From<Error>`.
pub async fn decode_json<T, E: From<Error>>(
    response: reqwest::Response,
    decode: fn(&[u8]) -> Result<T, String>,
) -> Result<T, E> {
    let (status, url) = (response.status(), response.url().clone());
    let (_, body) = read_success(response).await?;
    decode(&body).map_err(|reason| {
        E::from(Error::malformed(
            Operation::ApiRequest,
            display_url(&url),
            status,
            reason,
            excerpt(&body),
        ))
    })
}

/// The whole body of a successful answer, up to the client's
/// [`max_response_size`](crate::policy::RequestPolicy::max_response_size).
pub(crate) async fn read_success(response: reqwest::Response) -> Result<(StatusCode, Vec<u8>), Error> {
    let status = response.status();
    let url = response.url().clone();
    let limit = response
        .extensions()
        .get::<BodyLimit>()
        .map_or(DEFAULT_MAX_RESPONSE_SIZE, |l| l.0);
    let timing = response.extensions().get::<Timing>().copied();
    let body = read_limited(response, limit, Operation::ApiRequest, &url)
        .await
        .map_err(|error| error.timed(timing.as_ref()))?;
    Ok((status, body))
}

/// For `Result<(), E>` endpoints: the body is ignored. A small one is read
/// to its end, which hands the connection back to the pool; a large one
/// (over 64 KiB) is dropped with its connection.
pub async fn decode_unit<E: From<Error>>(mut response: reqwest::Response) -> Result<(), E> {
    let mut read = 0;
    while read <= SMALL_BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            Ok(None) | Err(_) => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
