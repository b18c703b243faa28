//! The `#[up42_endpoint]` attribute. Use it through `up42::up42_endpoint` (or
//! `up42_auth::up42_endpoint`).
//!
//! The crate follows parse → validate → expand: `attr` reads the attribute's
//! arguments, `path` the path template, `ast` the signature; `valid`
//! cross-checks them and reports every mistake at once; `expand` writes a thin
//! body that calls the runtime of `up42-auth`.

mod ast;
mod attr;
mod catalogue;
mod ctxt;
mod distance;
mod expand;
mod model;
mod path;
mod query;
mod valid;

use proc_macro::TokenStream;

/// Turns a body-less `async fn` signature into a typed UP42 API call.
///
/// ```
/// use serde::Deserialize;
/// use up42_auth::{up42_endpoint, Authenticated, Error};
///
/// #[derive(Debug, Deserialize)]
/// #[serde(rename_all = "camelCase")]
/// pub struct Order {
///     pub id: String,
///     pub workspace_id: String,
///     pub status: String,
/// }
///
/// /// Fetches one order.
/// #[up42_endpoint(GET, "/v2/orders/{order_id}")]
/// pub async fn get_order(client: &impl Authenticated, order_id: &str) -> Result<Order, Error>;
/// ```
///
/// The generated function is the signature with a thin body: a static
/// description of the endpoint, the values put into a request, and one call
/// of the runtime (`rt` below is `up42-auth`'s module for generated code,
/// not an API). This is the real expansion of the declaration above, kept
/// so by a test:
///
/// ```rust,ignore
#[doc = include_str!("../doc/get_order.rs")]
/// ```
///
/// It does what you would write by hand:
///
/// ```
/// # use serde::Deserialize;
/// # use up42_auth::{Authenticated, Error};
/// # #[derive(Deserialize)] pub struct Order {}
/// pub async fn get_order(client: &impl Authenticated, order_id: &str) -> Result<Order, Error> {
///     // 1. The URL: the API base URL (its own path kept), the template with
///     //    `order_id` percent-encoded as exactly one path segment.
///     let segment = order_id.replace('/', "%2F"); // (the real encoding covers every reserved byte)
///     let url = format!("{}/v2/orders/{segment}", client.api_url().as_str().trim_end_matches('/'));
///     // 2. A token from the cache (renewed if needed), sent as a sensitive bearer header.
///     let token = client.access_token().await?;
///     let response = client
///         .http_client()
///         .get(url)
///         .header("Authorization", token.bearer_header())
///         .send()
///         .await
///         .expect("the generated code maps this to Error::Transport");
///     // 3. A 401 is reported to the token cache and the call is sent once more
///     //    with a fresh token; any other non-2xx becomes an `ErrorKind::Api` error
///     //    with the status, UP42's error message and a body excerpt.
///     // 4. The body (at most `max_response_size`) is decoded as JSON; a mismatch
///     //    names the JSON path that failed.
///     let body = response.bytes().await.expect("the generated code maps this to an Error");
///     Ok(serde_json::from_slice(&body).expect("the generated code maps this to ErrorKind::MalformedResponse"))
/// }
/// ```
///
/// # Arguments of the attribute
///
/// `#[up42_endpoint(METHOD, "/path/{param}", options...)]`
///
/// - `METHOD`: `GET`, `POST`, `PUT`, `PATCH`, `DELETE` or `HEAD`.
/// - The path: starts with `/`; each `{name}` is filled by the function argument
///   `name`. No query (`?`) or fragment (`#`): query parameters are arguments.
/// - `public`: no token is fetched and no `Authorization` header is sent
///   (`GET /v2/collections`).
/// - `raw`: return the status-checked `reqwest::Response` unread, for downloads:
///   `-> Result<up42_auth::reqwest::Response, Error>`.
/// - `retry = true` / `retry = false`: whether transient failures (connection
///   errors, timeouts, 408, 429, 5xx) are retried by the client's
///   `RetryPolicy`. Without the option, `GET`, `HEAD`, `PUT` and `DELETE` are
///   retried and `POST` and `PATCH` are not, since they may not be safe to repeat.
/// - `unchecked`: not checked against UP42's endpoint catalogue (below), for
///   an endpoint the catalogue does not know yet.
/// - `bundled`: checked against the bundled catalogue only, never against
///   the build's own OpenAPI document (below): for a library whose
///   declarations must not depend on the environment of whoever compiles it
///   (the `up42` crate's typed client uses it).
/// - `paged`: a `GET` list answering UP42's page object (`content`,
///   `totalPages`, ...), asked for as `page=0, 1, ...`; `paged = "jobs"`: the
///   items under that field, and each page's `rel: "next"` link followed
///   (processing jobs, STAC). On a `POST` search (`paged = "features"`) the
///   next link is POSTed again with the same body, or with the `method`,
///   `body` and `merge` a STAC link gives. The function returns the items of
///   every page, `async fn .. -> Result<Vec<T>, Error>`, or streams them,
///   `fn .. -> up42_auth::Paged<T>`.
/// - `timeout = "30s"`: the time allowed for the whole call (`ms`, `s`, `m`,
///   `h`), instead of the client's request timeout.
/// - `content_type = "application/merge-patch+json"`: the `Content-Type` of
///   the `#[body]`, instead of `application/json` (`PATCH /v2/orders/{id}`
///   takes a merge patch). Exactly one `Content-Type` goes out: a
///   `#[header("Content-Type")]` argument replaces it.
/// - `query(key = self.field)`, `path(name = self.field)`: on a method of
///   `&self`, a query key or placeholder filled from a field.
/// - `crate = "path"`: where the runtime is reached from, for a crate that
///   re-exports `up42` or `up42_auth` (`crate = "my_sdk::up42"`). Without
///   it, generated code calls `up42` if the crate depends on it, else
///   `up42-auth`, under whatever name `Cargo.toml` gives them
///   (`u = { package = "up42" }` works).
///
/// # The function
///
/// - `async fn`, no body, ending in `;`. Doc comments and attributes are kept.
/// - The first parameter is the client: `&self` (the type implements
///   `Authenticated`, e.g. through `up42_auth::delegate_authenticated!`) or a
///   reference to any `Authenticated`: `&impl Authenticated`,
///   `&dyn Authenticated`, `&T` with `T: Authenticated`, `&Up42Client`.
/// - Every other argument has one role:
///
/// | argument | sent as | hand-written equivalent |
/// |---|---|---|
/// | `order_id: &str` (no attribute) | the `{order_id}` path segment, from `Display`, percent-encoded; empty, `.` and `..` refused at run time | `url.push_str(&encode(&order_id.to_string()))` |
/// | `#[query] page: Option<u32>` | `page=…`, left out when `None` | `if let Some(p) = page { query.push(("page", p)) }` |
/// | `#[query("workspaceId")] id: &str` | `workspaceId=…` | `query.push(("workspaceId", id))` |
/// | `#[query] status: &[&str]` | `status=a&status=b` | one pair per item |
/// | `#[query("orderIds", comma)] ids: &[&str]` | `orderIds=a,b` (an item holding a comma is refused) | `query.push(("orderIds", ids.join(",")))` |
/// | `#[query(flatten)] filters: &Filters` (`#[derive(Serialize, Query)]`) | one pair per field, under the name serde gives it; `None` left out, lists repeated or, for `#[query(comma)]` fields, comma-joined; every field checked against the catalogue at compile time | `serde_urlencoded` of the struct |
/// | `#[header("X-Correlation-Id")] id: &str` | a request header, from `Display` | `.header("X-Correlation-Id", id.to_string())` |
/// | `#[body] order: &NewOrder` | the JSON body (`Serialize`), with `Content-Type: application/json`; not on `GET`/`HEAD`, at most one | `.json(order)` |
///
/// # The return type
///
/// `Result<T, E>` where `E: From<up42_auth::Error>`:
///
/// - `T: DeserializeOwned`: the JSON body, decoded.
/// - `()`: the body is ignored (a `204 No Content` is fine).
/// - `reqwest::Response` with the `raw` option: the response, body unread.
///
/// # Compile-time checks
///
/// Every endpoint is checked against UP42's real endpoints: the catalogue
/// of the `up42-catalogue` crate (`up42-openapi.json`, an OpenAPI 3
/// document generated from public sources), merged with your own OpenAPI 3
/// JSON document if you have one (`up42-openapi.json` at your crate's root, or
/// the file named by `UP42_OPENAPI` at compile time; yours wins on conflicts).
/// Matching is on method plus path shape, placeholder names free. A path UP42
/// does not have, a retired one, a method the path does not allow, a query key
/// the endpoint does not take, and `public` on an endpoint that needs a token
/// are compile errors that say the fix:
///
/// ```compile_fail
/// use up42_auth::{up42_endpoint, Authenticated, Error};
/// // `GET /v2/order/{order_id}` is not an UP42 endpoint; did you mean `/v2/orders/{order_id}`?
/// #[up42_endpoint(GET, "/v2/order/{order_id}")]
/// async fn get_order(client: &impl Authenticated, order_id: &str) -> Result<(), Error>;
/// ```
///
/// ```compile_fail
/// use up42_auth::{up42_endpoint, Authenticated, Error};
/// // `workspaceID` is not a query parameter of `GET /v2/orders`; did you mean `workspaceId`?
/// #[up42_endpoint(GET, "/v2/orders")]
/// async fn list(client: &impl Authenticated, #[query("workspaceID")] id: &str) -> Result<(), Error>;
/// ```
///
/// The path and the signature are checked against each other too; every
/// mistake is reported at once, with a message that says the fix:
///
/// ```compile_fail
/// use up42_auth::{up42_endpoint, Authenticated, Error};
/// // path parameter `{order_id}` has no matching function argument; arguments: `id`
/// #[up42_endpoint(GET, "/v2/orders/{order_id}")]
/// async fn get_order(client: &impl Authenticated, id: &str) -> Result<(), Error>;
/// ```
///
/// ```compile_fail
/// use up42_auth::{up42_endpoint, Authenticated, Error};
/// // argument `page` is used nowhere: add `{page}` to the path, or mark it `#[query]`, ...
/// #[up42_endpoint(GET, "/v2/orders")]
/// async fn list(client: &impl Authenticated, page: u32) -> Result<(), Error>;
/// ```
///
/// ```compile_fail
/// use up42_auth::{up42_endpoint, Authenticated, Error};
/// // the path cannot contain `?`: declare query parameters as arguments marked `#[query]`
/// #[up42_endpoint(GET, "/v2/orders?page=1")]
/// async fn list(client: &impl Authenticated) -> Result<(), Error>;
/// ```
///
/// ```compile_fail
/// use up42_auth::{up42_endpoint, Authenticated, Error};
/// // a GET request has no body
/// #[up42_endpoint(GET, "/v2/orders")]
/// async fn list(client: &impl Authenticated, #[body] filter: &str) -> Result<(), Error>;
/// ```
///
/// ```compile_fail
/// use up42_auth::{up42_endpoint, Authenticated, Error};
/// // endpoint functions must be `async fn`
/// #[up42_endpoint(GET, "/v2/orders")]
/// fn list(client: &impl Authenticated) -> Result<(), Error>;
/// ```
#[proc_macro_attribute]
pub fn up42_endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into()).into()
}

/// Derives `Query` for a `Serialize` struct whose fields are query keys:
/// publishes the names serde sends them under (after `rename_all` and
/// `rename`; `skip` leaves a field out), so that `#[up42_endpoint]` checks a
/// `#[query(flatten)]` argument of this type against the catalogue at
/// compile time. `#[query(comma)]` on a field sends its list as one
/// comma-joined value. Use it through `up42::Query` or `up42_auth::Query`.
///
/// ```
/// use serde::Serialize;
/// use up42_auth::Query;
///
/// #[derive(Serialize, Query)]
/// #[serde(rename_all = "camelCase")]
/// struct OrderFilters {
///     workspace_id: Option<String>,
///     #[query(comma)]
///     order_ids: Vec<String>,
/// }
///
/// let names: Vec<_> = <OrderFilters as Query>::FIELDS.iter().map(|f| f.name).collect();
/// assert_eq!(names, ["workspaceId", "orderIds"]);
/// ```
#[proc_macro_derive(Query, attributes(query))]
pub fn derive_query(input: TokenStream) -> TokenStream {
    query::derive(input.into()).into()
}
