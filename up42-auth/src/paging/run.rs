//! The paging runtime: fetching each page, finding the next one, the guard
//! rails, and the `Paged` stream.

use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::stream::{self, BoxStream, StreamExt};
use reqwest::Method;
use url::Url;

use crate::auth::cache::TokenCache;
use crate::authenticated::Authenticated;
use crate::endpoint::{NextLink, PageAnswer, Paging, Request, read_success, send_to};
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
}

impl Visited {
    /// The walk as page `number` of a page object sees it, fetched ahead of
    /// the ones before: it counts towards [`MAX_PAGES`] all the same.
    fn at(number: u64) -> Visited {
        Visited {
            pages: u32::try_from(number).unwrap_or(u32::MAX),
            ..Visited::default()
        }
    }
}

/// One page of a list: its items and what the server says of the whole
/// list. Every list gives the items; only UP42's page objects give totals.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Which page this is, from 0: the page number a page object was asked
    /// for, or how many pages came before it on a list of linked pages.
    pub number: u64,
    /// How many items the whole list holds, where the server says
    /// (`totalElements` of UP42's page objects); `None` elsewhere.
    pub total_elements: Option<u64>,
    /// How many pages the whole list has, where the server says
    /// (`totalPages`); `None` elsewhere.
    pub total_pages: Option<u64>,
    /// Whether the server says a page comes after this one.
    has_next: bool,
    /// The size of the page's body, for the memory bound of [`Paged::into_vec`].
    bytes: u64,
}

impl<T> Page<T> {
    /// Whether a page comes after this one, as the server says (a last
    /// flag, the total, or a next link).
    pub fn has_next(&self) -> bool {
        self.has_next
    }
}

/// How many times the client's largest answer
/// ([`max_response_size`](crate::policy::RequestPolicy::max_response_size),
/// 32 MiB by default) the pages one collected list ([`Paged::into_vec`], a
/// `paged` endpoint returning `Result<Vec<T>, E>`) holds in memory may add
/// up to: 256 MiB by default. Larger lists are streamed.
pub const COLLECTED_ANSWERS: u64 = 8;

/// What identifies a page request.
fn page_identity(method: &Method, url: &Url, body: Option<&Bytes>) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (method.as_str(), url.as_str(), body.map(|b| &b[..])).hash(&mut hasher);
    hasher.finish()
}

/// One page fetched, and where the next one is (`None`: it was the last).
struct Fetched<T> {
    page: Page<T>,
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
pub type DecodePage<T> = fn(Paging, &[u8]) -> Result<PageAnswer<T>, String>;

/// Fetches the page `next` (the `fetched`-th of this call) and works out the
/// one after it.
async fn fetch<T>(
    client: &dyn Authenticated,
    request: &Request,
    decode: DecodePage<T>,
    next: Next,
    visited: &mut Visited,
) -> Result<Fetched<T>, Error> {
    let paging = request.endpoint.paging;
    let fetched = visited.pages;
    let asked = match (&next, paging) {
        (Next::Start, Paging::Numbered) => Some(0),
        (Next::Page(number), _) => Some(*number),
        _ => None,
    };
    let (url, page_request) = page_url(client, request, next, asked)?;
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
    visited.pages += 1;
    visited
        .seen
        .insert(page_identity(&request.method, &url, request.body()));
    let response = send_to(client, request, url.clone()).await?;
    let (status, body) = read_success(response).await?;
    let mut page = decode(paging, &body).map_err(|reason| {
        Error::malformed(
            Operation::ApiRequest,
            display_url(&url),
            status,
            reason,
            crate::body::excerpt(&body),
        )
    })?;
    let next = after(client, request, &url, asked, &mut page, visited)?;
    Ok(Fetched {
        page: Page {
            items: page.items,
            number: asked.unwrap_or(u64::from(fetched)),
            total_elements: page.total_elements,
            total_pages: page.total_pages,
            has_next: next.is_some(),
            bytes: body.len() as u64,
        },
        next,
    })
}

/// Where the page `next` is (asked for as page `asked`, if numbered), and
/// the request of a followed link when it is not `request` itself (a POSTed
/// search's next body). A `page` of the caller's (in a flattened query
/// struct) gives way to the page asked for.
fn page_url(
    client: &dyn Authenticated,
    request: &Request,
    next: Next,
    asked: Option<u64>,
) -> Result<(Url, Option<Request>), Error> {
    Ok(match (next, asked) {
        (Next::Link { url, method, body }, _) => (url, Some(request.for_page(method, body))),
        (_, None) => (request.url(client.api_url())?, None),
        (_, Some(number)) => {
            let mut url = request.url(client.api_url())?;
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
    })
}

/// The page after `page` (page `asked` if numbered, from `url`): none after
/// an empty or the last page; the next number, when the server answered
/// the one asked for; else its next link, followed.
fn after<T>(
    client: &dyn Authenticated,
    request: &Request,
    url: &Url,
    asked: Option<u64>,
    page: &mut PageAnswer<T>,
    visited: &Visited,
) -> Result<Option<Next>, Error> {
    Ok(match asked {
        _ if page.items.is_empty() => None,
        Some(asked) => {
            if let Some(answered) = page.number.filter(|n| *n != asked) {
                return Err(paging_error(
                    url,
                    format!(
                        "page {asked} was asked for and the server answered page {answered}; \
                         stopped, as following it could loop"
                    ),
                ));
            }
            let last = page.last == Some(true) || page.total_pages.is_some_and(|total| asked + 1 >= total);
            (!last).then_some(Next::Page(asked + 1))
        }
        None => match page.next.take() {
            Some(link) => Some(follow(client, request, url, link, visited)?),
            None => None,
        },
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

/// The items of every page, in order, within the memory bound of
/// [`Paged::into_vec`]: what a `paged` endpoint returning `Result<Vec<T>, E>` does.
pub async fn collect_pages<T: Send + 'static, E: From<Error>>(
    client: &dyn Authenticated,
    request: Request,
    decode: DecodePage<T>,
) -> Result<Vec<T>, E> {
    stream_pages(client, Ok(request), decode).into_vec().await
}

/// A list from a `paged` endpoint: a [`Stream`] of its items, each page
/// fetched only when the consumer has taken every item of the one before;
/// or, before it is polled, one [`page`](Self::page) with the totals,
/// every page ([`pages`](Self::pages)), and pages fetched ahead
/// ([`concurrent_pages`](Self::concurrent_pages)).
///
/// One engine walks all three of UP42's paging kinds: page objects
/// (`page=0, 1, ...`, with totals), next links (`GET`, or a search `POST`ed
/// again with its body) and STAC tokens (a next link whose body is merged
/// into the search). On each, a page that is not the one asked for, a next
/// link back to a page already fetched, or more than [`MAX_PAGES`] pages
/// end the walk with an error, never silently.
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
/// let first = orders(&client, "my-workspace").page(0).await?;
/// println!("{:?} orders in all", first.total_elements);
///
/// let mut orders = orders(&client, "my-workspace").concurrent_pages(4);
/// while let Some(order) = orders.try_next().await? {
///     if order.status == "FAILED_PERMANENTLY" {
///         break; // no further page is fetched
///     }
/// }
/// # Ok(()) }
/// ```
#[must_use = "a list does nothing until it is polled"]
pub struct Paged<T, E = Error> {
    /// The walk to start, until the stream is first polled.
    start: Option<Result<Arc<Walk<T>>, Error>>,
    in_flight: usize,
    items: Option<BoxStream<'static, Result<T, Error>>>,
    error: PhantomData<fn() -> E>,
}

/// What every page request of one list shares.
struct Walk<T> {
    client: Detached,
    request: Request,
    decode: DecodePage<T>,
}

impl<T> Walk<T> {
    async fn fetch(&self, next: Next, visited: &mut Visited) -> Result<Fetched<T>, Error> {
        fetch(&self.client, &self.request, self.decode, next, visited).await
    }

    fn numbered(&self) -> bool {
        self.request.endpoint.paging == Paging::Numbered
    }
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

/// The list of a `paged` endpoint returning [`Paged`]; an argument that
/// could not be sent is its first and only item.
pub fn stream_pages<T: Send + 'static, E: From<Error>>(
    client: &dyn Authenticated,
    request: Result<Request, Error>,
    decode: DecodePage<T>,
) -> Paged<T, E> {
    let start = request.map(|request| {
        Arc::new(Walk {
            client: Detached {
                api_url: client.api_url().clone(),
                http: client.http_client().clone(),
                cache: client.token_cache().clone(),
                policy: client.request_policy().clone(),
            },
            request,
            decode,
        })
    });
    Paged {
        start: Some(start),
        in_flight: 1,
        items: None,
        error: PhantomData,
    }
}

impl<T: Send + 'static, E: From<Error>> Paged<T, E> {
    /// How many page requests to keep in flight at once (default 1: one page
    /// at a time). Only page objects can be fetched ahead: their first page
    /// says how many there are, and items still come in order. Lists of
    /// linked pages learn where the next page is from the one before, so they
    /// go one page at a time whatever this says. Each request goes through
    /// the client's rate limit and retries like any other call.
    pub fn concurrent_pages(mut self, pages: usize) -> Self {
        self.in_flight = pages.max(1);
        self
    }

    /// One page, with the totals the server gives: page `number` (from 0)
    /// of a page object; on a list of linked pages, the first (any other
    /// number is an [`InvalidArgument`](crate::ErrorKind::InvalidArgument)
    /// error, as reaching it means walking the pages before it).
    pub async fn page(mut self, number: u64) -> Result<Page<T>, E> {
        let walk = self.take_start()?;
        let next = match (walk.numbered(), number) {
            (_, 0) => Next::Start,
            (true, number) => Next::Page(number),
            (false, number) => {
                return Err(E::from(Error::invalid_argument(
                    "page".to_string(),
                    format!(
                        "this list links each page to the next, so page {number} is reached by walking \
                         the ones before it: use the pages or items instead"
                    ),
                )));
            }
        };
        let fetched = walk.fetch(next, &mut Visited::at(number)).await?;
        Ok(fetched.page)
    }

    /// Every page, in order, as a [`Stream`].
    pub fn pages(mut self) -> Pages<T, E> {
        Pages {
            inner: self.start_pages(),
            error: PhantomData,
        }
    }

    /// Every item, in a `Vec`, the pages fetched as
    /// [`concurrent_pages`](Self::concurrent_pages) says. What it holds is
    /// bounded: once the pages' bodies add up to over [`COLLECTED_ANSWERS`]
    /// times the client's largest answer (256 MiB by default), it stops with
    /// an [`ErrorKind::MalformedResponse`](crate::ErrorKind::MalformedResponse)
    /// error that says to stream the list instead. The stream itself holds
    /// one page at a time.
    pub async fn into_vec(mut self) -> Result<Vec<T>, E> {
        let walk = self.take_start()?;
        let budget = walk.client.policy.max_response_size as u64 * COLLECTED_ANSWERS;
        let url = walk
            .request
            .url(&walk.client.api_url)
            .unwrap_or_else(|_| walk.client.api_url.clone());
        let mut pages = walk_pages(walk, self.in_flight);
        let (mut items, mut bytes, mut count) = (Vec::new(), 0u64, 0u64);
        while let Some(page) = pages.next().await {
            let page = page?;
            (bytes, count) = (bytes + page.bytes, count + 1);
            if bytes > budget {
                return Err(E::from(paging_error(
                    &url,
                    format!(
                        "its {count} pages so far add up to over {} MiB, more than one call holds in \
                         memory; stopped there: stream the list instead (its items or pages), or \
                         filter it",
                        budget / (1024 * 1024)
                    ),
                )));
            }
            items.extend(page.items);
        }
        Ok(items)
    }

    /// The walk, once: a list whose items were already being read cannot
    /// start over.
    fn take_start(&mut self) -> Result<Arc<Walk<T>>, Error> {
        self.start.take().unwrap_or_else(|| {
            Err(Error::invalid_argument(
                "pages".to_string(),
                "this list's items were already read from; make the list again to walk it from the \
                 first page"
                    .to_string(),
            ))
        })
    }

    /// The walk's pages, or its one error as a stream.
    fn start_pages(&mut self) -> BoxStream<'static, Result<Page<T>, Error>> {
        match self.take_start() {
            Ok(walk) => walk_pages(walk, self.in_flight),
            Err(error) => stream::iter([Err(error)]).boxed(),
        }
    }
}

/// Every page of the walk, in order: the first, then the rest one at a time
/// or, for page objects that give their total, up to `in_flight` at once.
/// The walk ends after the last page, an empty page or an error.
fn walk_pages<T: Send + 'static>(
    walk: Arc<Walk<T>>,
    in_flight: usize,
) -> BoxStream<'static, Result<Page<T>, Error>> {
    if in_flight <= 1 || !walk.numbered() {
        return one_at_a_time(walk, Next::Start, Visited::default());
    }
    let first = {
        let walk = walk.clone();
        async move {
            let mut visited = Visited::default();
            let first = walk.fetch(Next::Start, &mut visited).await;
            (first, visited)
        }
    };
    stream::once(first)
        .flat_map(move |(first, visited)| match first {
            Err(error) => stream::iter([Err(error)]).boxed(),
            Ok(Fetched { page, next: None }) => stream::iter([Ok(page)]).boxed(),
            Ok(Fetched {
                page,
                next: Some(next),
            }) => match page.total_pages {
                // No total: where the next page is comes from the one before.
                None => stream::iter([Ok(page)])
                    .chain(one_at_a_time(walk.clone(), next, visited))
                    .boxed(),
                Some(total) => {
                    let walk = walk.clone();
                    let rest = stream::iter(1..total)
                        .map(move |number| {
                            let walk = walk.clone();
                            async move {
                                let fetched = walk.fetch(Next::Page(number), &mut Visited::at(number)).await;
                                fetched.map(|fetched| fetched.page)
                            }
                        })
                        .buffered(in_flight);
                    stream::iter([Ok(page)]).chain(rest).boxed()
                }
            },
        })
        // Pages fetched ahead past an early end (the list shrank) are dropped.
        .scan(false, |ended, page| {
            if *ended {
                return std::future::ready(None);
            }
            *ended = match &page {
                Ok(page) => page.items.is_empty() || !page.has_next(),
                Err(_) => true,
            };
            std::future::ready(Some(page))
        })
        .boxed()
}

/// The pages from `next` on, each fetched once the one before has said where it is.
fn one_at_a_time<T: Send + 'static>(
    walk: Arc<Walk<T>>,
    next: Next,
    visited: Visited,
) -> BoxStream<'static, Result<Page<T>, Error>> {
    stream::unfold(Some((next, visited)), move |state| {
        let walk = walk.clone();
        async move {
            let (next, mut visited) = state?;
            match walk.fetch(next, &mut visited).await {
                Ok(Fetched { page, next }) => Some((Ok(page), next.map(|next| (next, visited)))),
                Err(error) => Some((Err(error), None)),
            }
        }
    })
    .boxed()
}

impl<T: Send + 'static, E: From<Error>> Stream for Paged<T, E> {
    type Item = Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.items.is_none() {
            this.items = Some(
                this.start_pages()
                    .flat_map(|page| match page {
                        Ok(page) => stream::iter(page.items.into_iter().map(Ok)).boxed(),
                        Err(error) => stream::iter([Err(error)]).boxed(),
                    })
                    .boxed(),
            );
        }
        match this.items.as_mut().map(|items| items.poll_next_unpin(cx)) {
            Some(Poll::Ready(item)) => Poll::Ready(item.map(|item| item.map_err(E::from))),
            Some(Poll::Pending) => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
}

impl<T, E> fmt::Debug for Paged<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paged")
            .field("concurrent_pages", &self.in_flight)
            .field("started", &self.items.is_some())
            .finish_non_exhaustive()
    }
}

/// Every page of a list, in order, from [`Paged::pages`]: a [`Stream`] of
/// [`Page`]s, fetched as it is polled.
#[must_use = "a stream does nothing until it is polled"]
pub struct Pages<T, E = Error> {
    inner: BoxStream<'static, Result<Page<T>, Error>>,
    error: PhantomData<fn() -> E>,
}

impl<T, E: From<Error>> Stream for Pages<T, E> {
    type Item = Result<Page<T>, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner
            .poll_next_unpin(cx)
            .map(|page| page.map(|page| page.map_err(E::from)))
    }
}

impl<T, E> fmt::Debug for Pages<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}
