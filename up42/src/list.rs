//! Lists: one shape for every list of the typed API. A resource's
//! `list()` (and `storage().items(..)`, `storage().search(..)`,
//! `catalog().search(..)`, ...) gives a [`List`]: its filters first (a
//! resource's own, [`ListQuery`]), then a terminal that is the same for all:
//!
//! - [`send`](List::send): one [`Page`], with the totals UP42 gives (`None`
//!   where it gives none);
//! - [`items`](List::items): a [`Stream`](futures_util::Stream) of every
//!   item, fetching the next page only when the items of the one before are
//!   taken;
//! - [`pages`](List::pages): a stream of every page;
//! - [`collect`](List::collect): every item in a `Vec`, within a memory
//!   bound.
//!
//! [`page_size`](List::page_size) sets how many items a page holds (on the
//! lists UP42 lets choose), and [`concurrent_pages`](List::concurrent_pages)
//! keeps several page requests in flight, items still in order. Underneath,
//! the toolkit's one page engine ([`up42_auth::paging`]) walks UP42's three
//! paging kinds, with the same checks on each: a page that is not the one
//! asked for, a next link back to a page already fetched, or more than
//! [`MAX_PAGES`](up42_auth::paging::MAX_PAGES) pages end the walk with an
//! error, never silently.

use std::fmt;

use up42_auth::Paged;
pub use up42_auth::paging::{Page, Pages};

use crate::Result;
use crate::client::Client;
use crate::enums::string_enum;

/// The filters of one kind of list (orders, quotations, STAC items, ...)
/// and the endpoint they go to. Implemented by this crate's filter types only.
pub trait ListQuery: sealed::Sealed + Clone + fmt::Debug + Send + Sync + 'static {
    /// What the list holds.
    type Item: Send + 'static;

    /// The list's pages, `size` items long (UP42's default when `None`).
    #[doc(hidden)]
    fn paged(&self, client: &Client, size: Option<u32>) -> Paged<Self::Item>;
}

/// Lists whose page size can be chosen ([`List::page_size`]); the
/// glossary's collections cannot.
pub trait PageSize: ListQuery {}

pub(crate) mod sealed {
    /// Keeps [`ListQuery`](super::ListQuery) to this crate's types.
    pub trait Sealed {}
}

/// A list being set up: filters first (they depend on the resource), then a
/// terminal: [`send`](Self::send) for one page, [`items`](Self::items) or
/// [`pages`](Self::pages) for all of them.
///
/// It owns what it needs, so the streams it makes borrow nothing.
///
/// ```
/// use futures_util::TryStreamExt;
/// use up42::orders::OrderStatus;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> up42::Result<()> {
/// # let sandbox = up42_testkit::Sandbox::start().await;
/// # let client = up42::Client::from(sandbox.client()?);
/// let first = client.orders().list().page_size(5).send().await?;
/// println!("{:?} orders in {:?} pages", first.total_elements, first.total_pages);
///
/// let fulfilled: Vec<_> = client
///     .orders()
///     .list()
///     .status([OrderStatus::Fulfilled])
///     .concurrent_pages(4)
///     .items()
///     .try_collect()
///     .await?;
/// assert!(fulfilled.iter().all(|order| order.status == OrderStatus::Fulfilled));
/// # Ok(()) }
/// ```
#[must_use = "a list does nothing until a terminal (`send`, `items`, `pages`) is called"]
pub struct List<Q> {
    client: Client,
    pub(crate) query: Q,
    page: u64,
    size: Option<u32>,
    in_flight: usize,
}

impl<Q: ListQuery> List<Q> {
    pub(crate) fn new(client: Client, query: Q) -> Self {
        List {
            client,
            query,
            page: 0,
            size: None,
            in_flight: 1,
        }
    }

    /// Which page [`send`](Self::send) asks for, from 0 (default 0). Lists
    /// of linked pages (jobs, STAC) have only the first by number: asking
    /// for another is an [`InvalidArgument`](crate::ErrorKind::InvalidArgument)
    /// error. The streams always start at the first page.
    pub fn page(mut self, number: u64) -> Self {
        self.page = number;
        self
    }

    /// How many page requests [`items`](Self::items) and
    /// [`pages`](Self::pages) keep in flight at once (default 1: one page at
    /// a time). With more, the first page still comes first (it says how
    /// many there are) and items still come in order. Lists of linked pages
    /// (processing jobs, storage's STAC lists, catalog searches) learn where
    /// the next page is from the one before, so they go one page at a time
    /// whatever this says. Mind UP42's rate limit: a client with a
    /// [`RateLimit`](up42_auth::policy::RateLimit) stays under it.
    pub fn concurrent_pages(mut self, pages: usize) -> Self {
        self.in_flight = pages.max(1);
        self
    }

    /// One page, with the list's totals where UP42 gives them.
    pub async fn send(self) -> Result<Page<Q::Item>> {
        self.query.paged(&self.client, self.size).page(self.page).await
    }

    /// Every page, in order.
    pub fn pages(self) -> Pages<Q::Item> {
        self.items().pages()
    }

    /// Every item of every page, in a `Vec`: [`items`](Self::items)
    /// collected, with a bound on what it holds (the pages' bodies may add up
    /// to 8 times the client's largest answer, 256 MiB by default; past that
    /// it stops with an [`ErrorKind::MalformedResponse`](crate::ErrorKind::MalformedResponse)
    /// error that says to stream the list instead).
    pub async fn collect(self) -> Result<Vec<Q::Item>> {
        self.items().into_vec().await
    }

    /// Every item of every page, in order: a [`Stream`](futures_util::Stream)
    /// to collect with `futures_util::TryStreamExt::try_collect` or take
    /// one by one with `try_next`.
    pub fn items(self) -> Paged<Q::Item> {
        self.query
            .paged(&self.client, self.size)
            .concurrent_pages(self.in_flight)
    }
}

impl<Q: ListQuery + PageSize> List<Q> {
    /// How many items a page holds (UP42's default is 20 on most lists; its
    /// most is 500 on page objects).
    pub fn page_size(mut self, size: u32) -> Self {
        self.size = Some(size);
        self
    }
}

impl<Q: fmt::Debug> fmt::Debug for List<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("List")
            .field("query", &self.query)
            .field("page", &self.page)
            .field("page_size", &self.size)
            .field("concurrent_pages", &self.in_flight)
            .finish()
    }
}

string_enum! {
    /// Which way a list is sorted.
    pub enum Direction {
        /// Smallest (or oldest) first.
        Ascending = "asc",
        /// Largest (or newest) first.
        Descending = "desc",
    }
}

/// `field,direction`, as UP42's `sort` query parameter takes it.
pub(crate) fn sort_key(field: &impl fmt::Display, direction: &Direction) -> String {
    format!("{field},{direction}")
}

/// `items` as UP42's list filters take them.
pub(crate) fn collect<T, U: Into<T>>(items: impl IntoIterator<Item = U>) -> Vec<T> {
    items.into_iter().map(Into::into).collect()
}
