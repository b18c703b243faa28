//! The paging runtime: fetching each page, finding the next one, the guard
//! rails, and the `Paged` stream.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use reqwest::Method;
use url::Url;

use crate::auth::cache::TokenCache;
use crate::authenticated::Authenticated;
use crate::endpoint::{NextLink, Page, Paging, Request, read_success, send_to};
use crate::error::{Error, Operation, display_url};
use crate::policy::RequestPolicy;
use crate::redirect::{origin, same_origin};

/// The most pages one paged call fetches. A server that never says "last"
/// (or links to a next page forever) ends in an error after this many,
/// instead of looping.
pub const MAX_PAGES: u32 = 10_000;

/// Where the next page is.
#[derive(Debug, Clone)]
enum Next {
    /// The first page: `page=0` of a page object, or the endpoint's own URL.
    Start,
    /// `page=n` of a page object.
    Page(u64),
    /// A next link: its `href`, resolved and checked to be on the API's
    /// origin, and the method and body to ask for it with.
    Link {
        url: Url,
        method: Method,
        body: Option<Bytes>,
    },
}

/// The pages one call has asked for: how many, and which (method, URL and
/// body, hashed), so that a next link back to any of them ends the call
/// instead of looping.
#[derive(Debug, Default)]
struct Visited {
    pages: u32,
    seen: HashSet<u64>,
    /// The bytes of every page body read so far.
    bytes: u64,
}

/// How many times the client's largest answer
/// ([`max_response_size`](crate::policy::RequestPolicy::max_response_size),
/// 32 MiB by default) the pages one `collect_pages` call holds in memory may
/// add up to: 256 MiB by default. Larger lists are streamed.
pub const COLLECTED_ANSWERS: u64 = 8;

/// What identifies a page request.
fn page_identity(method: &Method, url: &Url, body: Option<&Bytes>) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (method.as_str(), url.as_str(), body.map(|b| &b[..])).hash(&mut hasher);
    hasher.finish()
}

/// One page fetched: its items, and where the next one is (`None`: it was the last).
struct Fetched<T> {
    items: Vec<T>,
    next: Option<Next>,
}

/// The error for a paged answer that cannot be followed.
fn paging_error(url: &Url, reason: String) -> Error {
    Error::malformed(
        Operation::ApiRequest,
        display_url(url),
        reqwest::StatusCode::OK,
        reason,
        String::new(),
    )
}

/// Decodes one page into its items: `FromJson::from_page`, named by the
/// macro at the user's item type, so that a type that cannot be decoded is
/// one error there and none in here.
pub type DecodePage<T> = fn(Paging, &[u8]) -> Result<Page<T>, String>;

/// Fetches the page `next` (the `fetched`-th of this call) and works out the
/// one after it; none once the pages read add up to over `budget` bytes.
async fn fetch<T>(
    client: &dyn Authenticated,
    request: &Request,
    decode: DecodePage<T>,
    next: Next,
    visited: &mut Visited,
    budget: Option<u64>,
) -> Result<Fetched<T>, Error> {
    let paging = request.endpoint.paging;
    let fetched = visited.pages;
    let asked = match (&next, paging) {
        (Next::Start, Paging::Numbered) => Some(0),
        (Next::Page(number), _) => Some(*number),
        _ => None,
    };
    let (url, page_request) = match (next, asked) {
        (Next::Link { url, method, body }, _) => (url, Some(request.for_page(method, body))),
        (_, None) => (request.url(client.api_url())?, None),
        (_, Some(number)) => {
            let mut url = request.url(client.api_url())?;
            // A `page` of the caller's (in a flattened query struct) gives way.
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(key, _)| key != "page")
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect();
            url.query_pairs_mut()
                .clear()
                .extend_pairs(kept)
                .append_pair("page", &number.to_string());
            (url, None)
        }
    };
    let request = page_request.as_ref().unwrap_or(request);
    if fetched >= MAX_PAGES {
        return Err(paging_error(
            &url,
            format!(
                "the server still had more pages after {MAX_PAGES}; stopped there, as it never said \
                 which page is the last"
            ),
        ));
    }
    if let Some(budget) = budget.filter(|budget| visited.bytes > *budget) {
        return Err(paging_error(
            &url,
            format!(
                "its {} pages so far add up to over {} MiB, more than one call holds in memory; \
                 stopped there: stream the list instead (a `paged` endpoint returning `Paged<T>`), \
                 or filter it",
                visited.pages,
                budget / (1024 * 1024)
            ),
        ));
    }
    visited.pages += 1;
    visited
        .seen
        .insert(page_identity(&request.method, &url, request.body()));
    let response = send_to(client, request, url.clone()).await?;
    let (status, body) = read_success(response).await?;
    visited.bytes += body.len() as u64;
    let page = decode(paging, &body).map_err(|reason| {
        Error::malformed(
            Operation::ApiRequest,
            display_url(&url),
            status,
            reason,
            crate::body::excerpt(&body),
        )
    })?;
    let next = match asked {
        _ if page.items.is_empty() => None,
        Some(asked) => {
            if let Some(answered) = page.number.filter(|n| *n != asked) {
                return Err(paging_error(
                    &url,
                    format!(
                        "page {asked} was asked for and the server answered page {answered}; \
                         stopped, as following it could loop"
                    ),
                ));
            }
            let last = page.last == Some(true) || page.total_pages.is_some_and(|total| asked + 1 >= total);
            (!last).then_some(Next::Page(asked + 1))
        }
        None => match page.next {
            Some(link) => Some(follow(client, request, &url, link, visited)?),
            None => None,
        },
    };
    Ok(Fetched {
        items: page.items,
        next,
    })
}

/// The next link of the page at `url` (asked for with `request`), resolved;
/// it must stay on the API's origin, since the token goes with it, and lead
/// to a page not asked for yet.
fn follow(
    client: &dyn Authenticated,
    request: &Request,
    url: &Url,
    link: NextLink,
    visited: &Visited,
) -> Result<Next, Error> {
    let next = url
        .join(&link.href)
        .map_err(|e| paging_error(url, format!("the next link is not a URL ({e})")))?;
    if !same_origin(&next, client.api_url()) {
        return Err(paging_error(
            url,
            format!(
                "the next link points to another origin, `{}`; not followed, as the token only goes to the API",
                origin(&next)
            ),
        ));
    }
    let method = match link.method.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None => request.method.clone(),
        Some("GET") => Method::GET,
        Some("POST") => Method::POST,
        Some(other) => {
            return Err(paging_error(
                url,
                format!("the next link asks for the method `{other}`; only GET and POST pages are followed"),
            ));
        }
    };
    let body = match (&method, link.body) {
        (&Method::GET, _) => None,
        // A search POSTed again: with the same body, ...
        (_, None) => request.body().cloned(),
        // ... or with the link's, merged into it (STAC's `merge: true`) or alone.
        (_, Some(extra)) => {
            let body = match (link.merge, request.body()) {
                (true, Some(current)) => {
                    merged(current, extra).map_err(|reason| paging_error(url, reason))?
                }
                _ => extra,
            };
            Some(Bytes::from(
                serde_json::to_vec(&body).map_err(|e| paging_error(url, e.to_string()))?,
            ))
        }
    };
    let identity = page_identity(&method, &next, body.as_ref());
    if identity == page_identity(&request.method, url, request.body()) {
        return Err(paging_error(
            url,
            "the next link points at the page itself; stopped, as following it would loop".to_string(),
        ));
    }
    if visited.seen.contains(&identity) {
        return Err(paging_error(
            url,
            "the next link leads back to a page already fetched; stopped, as following it would loop"
                .to_string(),
        ));
    }
    Ok(Next::Link {
        url: next,
        method,
        body,
    })
}

/// `extra`'s fields set on the JSON object `current`.
fn merged(current: &[u8], extra: serde_json::Value) -> Result<serde_json::Value, String> {
    let mut body: serde_json::Value =
        serde_json::from_slice(current).map_err(|e| format!("the search body is not JSON ({e})"))?;
    match (body.as_object_mut(), extra) {
        (Some(fields), serde_json::Value::Object(more)) => {
            fields.extend(more);
            Ok(body)
        }
        _ => Err("the next link's body cannot be merged: both must be JSON objects".to_string()),
    }
}

/// The items of every page, in order: what a `paged` endpoint returning
/// `Result<Vec<T>, E>` does.
pub async fn collect_pages<T, E: From<Error>>(
    client: &dyn Authenticated,
    request: Request,
    decode: DecodePage<T>,
) -> Result<Vec<T>, E> {
    let mut items = Vec::new();
    let mut next = Some(Next::Start);
    let mut visited = Visited::default();
    let budget = Some(client.request_policy().max_response_size as u64 * COLLECTED_ANSWERS);
    while let Some(at) = next {
        let page = fetch(client, &request, decode, at, &mut visited, budget).await?;
        items.extend(page.items);
        next = page.next;
    }
    Ok(items)
}

/// A stream of the items of a `paged` endpoint: the next page is fetched
/// only when the consumer has taken every item of the one before.
///
/// It owns what it needs (a handle on the client's token cache, HTTP client
/// and policy, and the request), so it borrows nothing: keep it, move it to
/// another task, or drop it to stop; a dropped stream fetches nothing more.
///
/// Declare it as a plain `fn` returning `Paged<T>` (or `Paged<T, MyError>`
/// for an error type with `From<up42_auth::Error>`); iterate it with any
/// `Stream` combinator (`futures_util::StreamExt::next`, `TryStreamExt::try_collect`):
///
/// ```no_run
/// use futures_util::TryStreamExt;
/// use serde::Deserialize;
/// use up42_auth::{Error, Paged, Up42Client, up42_endpoint};
///
/// #[derive(Debug, Deserialize)]
/// pub struct Order {
///     pub id: String,
///     pub status: String,
/// }
///
/// #[up42_endpoint(GET, "/v2/orders", paged)]
/// pub fn orders(client: &Up42Client, #[query("workspaceId")] workspace: &str) -> Paged<Order>;
///
/// # async fn run(client: Up42Client) -> Result<(), Error> {
/// let mut orders = orders(&client, "my-workspace");
/// while let Some(order) = orders.try_next().await? {
///     if order.status == "FAILED_PERMANENTLY" {
///         break; // no further page is fetched
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Paged<T, E = Error> {
    items: std::vec::IntoIter<T>,
    state: State<T>,
    decode: DecodePage<T>,
    /// Pages fetched so far, for `Debug`.
    fetched: u32,
    error: PhantomData<fn() -> E>,
}

type PageFuture<T> = Pin<Box<dyn Future<Output = (Result<Fetched<T>, Error>, Arc<Walk>, Visited)> + Send>>;

enum State<T> {
    Idle {
        walk: Arc<Walk>,
        next: Next,
        visited: Visited,
    },
    Fetching(PageFuture<T>),
    Failed(Error),
    Done,
}

/// What every page request of one stream shares.
struct Walk {
    client: Detached,
    request: Request,
}

/// A client's parts, owned: the stream outlives the borrow of the client it
/// was made from. Clones of the cache and the rate limit share their state.
struct Detached {
    api_url: Url,
    http: reqwest::Client,
    cache: TokenCache,
    policy: RequestPolicy,
}

impl Authenticated for Detached {
    fn api_url(&self) -> &Url {
        &self.api_url
    }
    fn http_client(&self) -> &reqwest::Client {
        &self.http
    }
    fn token_cache(&self) -> &TokenCache {
        &self.cache
    }
    fn request_policy(&self) -> &RequestPolicy {
        &self.policy
    }
}

/// The stream of a `paged` endpoint returning [`Paged`]; an argument that
/// could not be sent is its first and only item.
pub fn stream_pages<T: Send + 'static, E: From<Error>>(
    client: &dyn Authenticated,
    request: Result<Request, Error>,
    decode: DecodePage<T>,
) -> Paged<T, E> {
    let state = match request {
        Ok(request) => State::Idle {
            next: Next::Start,
            visited: Visited::default(),
            walk: Arc::new(Walk {
                client: Detached {
                    api_url: client.api_url().clone(),
                    http: client.http_client().clone(),
                    cache: client.token_cache().clone(),
                    policy: client.request_policy().clone(),
                },
                request,
            }),
        },
        Err(error) => State::Failed(error),
    };
    Paged {
        items: Vec::new().into_iter(),
        state,
        decode,
        fetched: 0,
        error: PhantomData,
    }
}

// The page future is boxed; nothing is pinned in place.
impl<T, E> Unpin for Paged<T, E> {}

impl<T: Send + 'static, E: From<Error>> Stream for Paged<T, E> {
    type Item = Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.items.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match std::mem::replace(&mut this.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Failed(error) => return Poll::Ready(Some(Err(E::from(error)))),
                State::Idle {
                    walk,
                    next,
                    mut visited,
                } => {
                    let decode = this.decode;
                    this.state = State::Fetching(Box::pin(async move {
                        let page = fetch(&walk.client, &walk.request, decode, next, &mut visited, None).await;
                        (page, walk, visited)
                    }));
                }
                State::Fetching(mut future) => match future.as_mut().poll(cx) {
                    Poll::Pending => {
                        this.state = State::Fetching(future);
                        return Poll::Pending;
                    }
                    Poll::Ready((Err(error), ..)) => return Poll::Ready(Some(Err(E::from(error)))),
                    Poll::Ready((Ok(page), walk, visited)) => {
                        this.fetched = visited.pages;
                        this.items = page.items.into_iter();
                        if let Some(next) = page.next {
                            this.state = State::Idle { walk, next, visited };
                        }
                    }
                },
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let more = match self.state {
            State::Done => Some(self.items.len()),
            _ => None,
        };
        (self.items.len(), more)
    }
}

impl<T, E> fmt::Debug for Paged<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Idle { .. } => "idle",
            State::Fetching(_) => "fetching",
            State::Failed(_) => "failed",
            State::Done => "done",
        };
        f.debug_struct("Paged")
            .field("buffered", &self.items.len())
            .field("pages_fetched", &self.fetched)
            .field("state", &state)
            .finish()
    }
}
