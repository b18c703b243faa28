//! The list builder every paged resource shares: its filters are the
//! resource's ([`ListQuery`]), its terminals are the same for all.

use std::fmt;
use std::sync::Arc;

use crate::Result;
use crate::client::Client;
use crate::page::{FetchPage, Items, Page, PageFuture, Pages, walk};

/// The filters of one kind of list (orders, quotations, budgets, ...): what
/// page `n` of it is. Implemented by this crate's filter types only.
pub trait ListQuery: sealed::Sealed + Clone + fmt::Debug + Send + Sync + 'static {
    /// What the list holds.
    type Item: Send + 'static;

    /// Page `number` of the list, `size` items long (UP42's default when `None`).
    #[doc(hidden)]
    fn fetch(self: Arc<Self>, client: Client, number: u64, size: Option<u32>) -> PageFuture<Self::Item>;
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
/// println!("{} orders in {} pages", first.total_elements, first.total_pages);
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

    /// Which page [`send`](Self::send) asks for, from 0 (default 0). The
    /// streams always start at the first page.
    pub fn page(mut self, number: u64) -> Self {
        self.page = number;
        self
    }

    /// How many page requests [`items`](Self::items) and
    /// [`pages`](Self::pages) keep in flight at once (default 1: one page at a
    /// time). With more, the first page still comes first (it says how many
    /// there are) and items still come in order. Mind UP42's rate limit: a
    /// client with a [`RateLimit`](up42_auth::policy::RateLimit) stays under it.
    pub fn concurrent_pages(mut self, pages: usize) -> Self {
        self.in_flight = pages.max(1);
        self
    }

    /// One page, with the list's totals.
    pub async fn send(self) -> Result<Page<Q::Item>> {
        Arc::new(self.query)
            .fetch(self.client, self.page, self.size)
            .await
    }

    /// Every page, in order.
    pub fn pages(self) -> Pages<Q::Item> {
        let query = Arc::new(self.query);
        let client = self.client;
        let size = self.size;
        let fetch: FetchPage<Q::Item> =
            Arc::new(move |number| query.clone().fetch(client.clone(), number, size));
        walk(fetch, self.in_flight)
    }

    /// Every item of every page, in order.
    pub fn items(self) -> Items<Q::Item> {
        self.pages().items()
    }
}

impl<Q: ListQuery + PageSize> List<Q> {
    /// How many items a page holds (UP42's default is 20, its most 500).
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

/// `items` as UP42's list filters take them.
pub(crate) fn collect<T, U: Into<T>>(items: impl IntoIterator<Item = U>) -> Vec<T> {
    items.into_iter().map(Into::into).collect()
}
