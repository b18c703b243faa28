//! Calls whose path is known only at run time: a command-line tool, a
//! generic proxy, an endpoint too new for the catalogue. They take the same
//! path as a declared endpoint: token, 401 resend, retries, paging.

use std::fmt;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::request::{Endpoint, Request, Retry};
use super::send::send;
use crate::authenticated::Authenticated;
use crate::error::{Error, Repr};
use crate::paging::{Paging, collect_pages, decode_page};

/// The endpoint of a call of each method: only the method, retries and
/// paging come from here; the path is the call's own.
const fn dynamic(method: Method, paging: Paging) -> Endpoint {
    Endpoint {
        method,
        template: "(run-time path)",
        function: "Call::send",
        path: &[],
        public: false,
        retry: Retry::IfIdempotent,
        raw: false,
        paging,
        timeout: None,
    }
}

static GET: Endpoint = dynamic(Method::GET, Paging::None);
static GET_PAGES: Endpoint = dynamic(Method::GET, Paging::Numbered);
static POST: Endpoint = dynamic(Method::POST, Paging::None);
static PUT: Endpoint = dynamic(Method::PUT, Paging::None);
static PATCH: Endpoint = dynamic(Method::PATCH, Paging::None);
static DELETE: Endpoint = dynamic(Method::DELETE, Paging::None);
static HEAD: Endpoint = dynamic(Method::HEAD, Paging::None);

/// An API call whose path is known only at run time. Prefer
/// [`up42_endpoint`](crate::up42_endpoint), which checks the path while
/// compiling; this is for paths that come from a user or a file.
///
/// The path goes to the client's API host, always: it must start with `/`
/// (not `//`), so no input can send the token elsewhere. The call gets the
/// token, resends once after a 401, retries transient failures of
/// idempotent methods and checks the status, as a declared endpoint does.
///
/// ```no_run
/// use up42_auth::{Call, Error, Up42Client, reqwest::Method};
///
/// # async fn run(client: Up42Client) -> Result<(), Error> {
/// let order: serde_json::Value = Call::new(Method::GET, "/v2/orders/some-id")?
///     .send(&client)
///     .await?
///     .json()
///     .await
///     .map_err(|e| Error::config(e.to_string()))?;
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
    Error::from(Repr::InvalidArgument {
        name: "path".to_string(),
        reason,
    })
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
        if path
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .split('/')
            .any(|s| s == "..")
        {
            return Err(invalid("a path cannot hold `..`".to_string()));
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

    /// Sends the call; the answer's status is checked, its body unread.
    pub async fn send(self, client: &(impl Authenticated + ?Sized)) -> Result<reqwest::Response, Error> {
        send(client, self.request).await
    }

    /// Follows UP42's page object (`page=0, 1, ...` until the last page, as
    /// a `paged` endpoint does) and returns the items of every page. Only for
    /// `GET`; a `page` in the query gives way.
    pub async fn collect_pages<T: DeserializeOwned>(
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
            "",
        ] {
            let error = Call::new(Method::GET, bad).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{bad}");
        }
        assert!(Call::new(Method::OPTIONS, "/v2").is_err());
    }
}
