//! Calls whose path is known only at run time: a command-line tool, a
//! generic proxy, an endpoint too new for the catalogue. They take the same
//! path as a declared endpoint: token, 401 resend, retries, paging.

use std::fmt;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::authenticated::Authenticated;
use crate::download::Download;
use crate::endpoint::{
    Endpoint, FromJson, Paging, Request, Retry, decode_json, decode_page, read_success, send,
};
use crate::error::Error;
use crate::paging::run::collect_pages;

/// The descriptor of a call of each method: only the method, retries,
/// paging and whether the body is a file come from here; the path is the
/// call's own, and traces name no template for it.
const fn dynamic(method: Method, paging: Paging, raw: bool) -> Endpoint {
    Endpoint {
        method,
        template: None,
        function: "Call",
        path: &[],
        public: false,
        retry: Retry::IfIdempotent,
        raw,
        paging,
        timeout: None,
        content_type: None,
    }
}

static GET: Endpoint = dynamic(Method::GET, Paging::None, false);
static GET_PAGES: Endpoint = dynamic(Method::GET, Paging::Numbered, false);
static GET_RAW: Endpoint = dynamic(Method::GET, Paging::None, true);
static POST: Endpoint = dynamic(Method::POST, Paging::None, false);
static PUT: Endpoint = dynamic(Method::PUT, Paging::None, false);
static PATCH: Endpoint = dynamic(Method::PATCH, Paging::None, false);
static DELETE: Endpoint = dynamic(Method::DELETE, Paging::None, false);
static HEAD: Endpoint = dynamic(Method::HEAD, Paging::None, false);

/// An API call whose path is known only at run time. Prefer
/// [`up42_endpoint`](crate::up42_endpoint), which checks the path while
/// compiling; this is for paths that come from a user or a file.
///
/// The path goes to the client's API host, always: it must start with `/`
/// (not `//`), so no input can send the token elsewhere. The call gets the
/// token, resends once after a 401, retries transient failures of
/// idempotent methods and checks the status, as a declared endpoint does.
///
/// The call ends in one of its terminals, each with the toolkit's [`Error`]:
/// [`json`](Self::json) decodes the answer, [`bytes`](Self::bytes) reads it
/// whole, [`download`](Self::download) streams it to a file,
/// [`collect_pages`](Self::collect_pages) follows every page of a list.
///
/// ```no_run
/// use up42_auth::{Call, Error, Up42Client, reqwest::Method};
///
/// # async fn run(client: Up42Client) -> Result<(), Error> {
/// let order: serde_json::Value = Call::new(Method::GET, "/v2/orders/some-id")?.json(&client).await?;
/// let every: Vec<serde_json::Value> = Call::new(Method::GET, "/v2/orders")?
///     .query("workspaceId", "my-workspace")
///     .collect_pages(&client)
///     .await?;
/// # Ok(()) }
/// ```
pub struct Call {
    request: Request,
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call").field("request", &self.request).finish()
    }
}

fn invalid(reason: String) -> Error {
    Error::invalid_argument("path".to_string(), reason)
}

impl Call {
    /// A call of `method` on `path` (`/v2/orders`, perhaps with `?key=value`).
    /// A path that does not start with a single `/` (a full URL, say) is an
    /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) error.
    pub fn new(method: Method, path: &str) -> Result<Call, Error> {
        let endpoint = match method {
            Method::GET => &GET,
            Method::POST => &POST,
            Method::PUT => &PUT,
            Method::PATCH => &PATCH,
            Method::DELETE => &DELETE,
            Method::HEAD => &HEAD,
            other => return Err(invalid(format!("the method {other} is not one the API uses"))),
        };
        if !path.starts_with('/') || path.starts_with("//") {
            return Err(invalid(format!(
                "`{}` is not a path on the API host: write it from its first `/`, like `/v2/orders`",
                crate::error::display_url_text(path)
            )));
        }
        let only_path = path.split(['?', '#']).next().unwrap_or_default();
        // The URL parser drops tabs and line breaks and reads `\` as `/`, so
        // `/v2/.\t./x` or `/v2\..\x` would climb out of the API's path prefix.
        if let Some(bad) = only_path.chars().find(|c| c.is_control() || *c == '\\') {
            return Err(invalid(format!(
                "a path cannot hold {}: it would be read as another path",
                match bad {
                    '\\' => "`\\`".to_string(),
                    other => format!("the control character {other:?}"),
                }
            )));
        }
        // `..` and `.` segments, encoded or not (`%2e%2e`), would too.
        let climbs = only_path.split('/').any(|segment| {
            let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
            decoded == ".." || decoded == "."
        });
        if climbs {
            return Err(invalid(
                "a path cannot hold `.` or `..` segments, encoded or not".to_string(),
            ));
        }
        let mut request = Request::new(endpoint);
        let path = path.split('#').next().unwrap_or_default();
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        request.set_dynamic_path(path.to_string());
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            request.push_query(key.into_owned(), value.into_owned());
        }
        Ok(Call { request })
    }

    /// Adds `key=value` to the query.
    pub fn query(mut self, key: &str, value: &str) -> Call {
        self.request.push_query(key.to_string(), value.to_string());
        self
    }

    /// Sends `body` as JSON.
    pub fn json_body<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Call, Error> {
        self.request.json_body("body", body)?;
        Ok(self)
    }

    /// Sends the call and decodes the JSON answer as `T`. A body that does
    /// not fit is [`ErrorKind::MalformedResponse`](crate::ErrorKind::MalformedResponse)
    /// naming the JSON path; one over the client's
    /// [`max_response_size`](crate::policy::RequestPolicy::max_response_size) too.
    pub async fn json<T: DeserializeOwned>(self, client: &(impl Authenticated + ?Sized)) -> Result<T, Error> {
        let response = send(client, self.request).await?;
        decode_json(response, <T as FromJson>::from_json).await
    }

    /// Sends the call and reads the whole answer (empty for a `204`), up to the
    /// client's [`max_response_size`](crate::policy::RequestPolicy::max_response_size).
    /// A body cut off or too slow is the same error as for any call
    /// ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)).
    pub async fn bytes(self, client: &(impl Authenticated + ?Sized)) -> Result<Vec<u8>, Error> {
        let response = send(client, self.request).await?;
        read_success(response).await.map(|(_, body)| body)
    }

    /// Sends a `GET` for a file: the answer's body is not limited in size,
    /// only by the client's read timeout, and a redirect to a storage host is
    /// followed without the token, as for a `raw` endpoint. Write it with
    /// [`Download::to_file`](crate::Download::to_file).
    pub async fn download<'a>(self, client: &(impl Authenticated + ?Sized)) -> Result<Download<'a>, Error> {
        if self.request.endpoint.method != Method::GET {
            return Err(invalid("only a GET answers a file to download".to_string()));
        }
        let mut request = self.request;
        request.endpoint = &GET_RAW;
        Ok(Download::new(send(client, request).await?))
    }

    /// Follows UP42's page object (`page=0, 1, ...` until the last page, as
    /// a `paged` endpoint does) and returns the items of every page. Only for
    /// `GET`; a `page` in the query gives way.
    pub async fn collect_pages<T: DeserializeOwned + Send + 'static>(
        self,
        client: &dyn Authenticated,
    ) -> Result<Vec<T>, Error> {
        if self.request.endpoint.method != Method::GET {
            return Err(invalid("only a GET list has pages".to_string()));
        }
        let mut request = self.request;
        request.endpoint = &GET_PAGES;
        collect_pages(client, request, decode_page::<T>).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn paths_stay_on_the_api_host() {
        let base = url::Url::parse("https://api.up42.com/prefix").unwrap();
        let call = Call::new(Method::GET, "/v2/orders?size=2&a=b%20c#frag")
            .unwrap()
            .query("page", "1");
        assert_eq!(
            call.request.url(&base).unwrap().as_str(),
            "https://api.up42.com/prefix/v2/orders?size=2&a=b+c&page=1"
        );
        for bad in [
            "v2/orders",
            "https://evil.example/v2",
            "//evil.example/v2",
            "/v2/../admin",
            "/v2/%2e%2e/admin",
            "/v2/.%2E/admin",
            "/v2/./orders",
            "/v2\\..\\admin",
            "/v2/.\t./admin",
            "/v2/..\n/admin",
            "",
        ] {
            let error = Call::new(Method::GET, bad).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{bad}");
        }
        assert!(Call::new(Method::OPTIONS, "/v2").is_err());
    }
}
