//! Lists: one page ([`Page`]), every item ([`Items`]) or every page
//! ([`Pages`]), and the order they are sorted in ([`Direction`]).
//!
//! A list builder (`client.orders().list()`, ...) ends in one of three
//! terminals:
//! - `send()`: one page, with the totals (`page(n)` picks which);
//! - `items()`: a [`Stream`] of every item, fetching the next page only when
//!   the items of the one before are taken;
//! - `pages()`: a [`Stream`] of every page.
//!
//! `concurrent_pages(n)` lets a list keep up to `n` page requests in flight
//! (items still come in order): a long list against a distant server
//! finishes several times faster. Each request goes through the client's rate
//! limit and retries like any other call.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt, TryStreamExt, stream};
use serde::Deserialize;

use crate::Result;
use crate::enums::string_enum;

/// One page of a list, as UP42's page object gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub content: Vec<T>,
    /// The number of items in the whole list.
    pub total_elements: u64,
    /// The number of pages of the whole list.
    pub total_pages: u64,
    /// This page's number, from 0.
    pub number: u64,
    /// The page size asked for.
    #[serde(default)]
    pub size: u64,
}

impl<T> Page<T> {
    /// Whether a page comes after this one.
    pub fn has_next(&self) -> bool {
        self.number.saturating_add(1) < self.total_pages
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

/// The future of one page.
pub(crate) type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>>> + Send>>;

/// Fetches page `n` of a list.
pub(crate) type FetchPage<T> = Arc<dyn Fn(u64) -> PageFuture<T> + Send + Sync>;

/// The most pages one walk asks for; a list that claims more ends there
/// (the same limit as the toolkit's `paged` endpoints).
const MAX_PAGES: u64 = up42_auth::paging::MAX_PAGES as u64;

/// Every page of a list, in order: page 0 first, which says how many there
/// are, then the others with up to `in_flight` requests at a time. The walk
/// ends after the last page, an empty page or an error.
pub(crate) fn walk<T: Send + 'static>(fetch: FetchPage<T>, in_flight: usize) -> Pages<T> {
    let in_flight = in_flight.max(1);
    let first = fetch(0);
    let pages = stream::once(first)
        .map(move |first| match first {
            Ok(page) => {
                let total = page.total_pages.min(MAX_PAGES);
                let fetch = fetch.clone();
                let rest = stream::iter(1..total)
                    .map(move |number| fetch(number))
                    .buffered(in_flight);
                stream::iter([Ok(page)]).chain(rest).left_stream()
            }
            Err(error) => stream::iter([Err(error)]).right_stream(),
        })
        .flatten()
        .scan(false, |ended, page: Result<Page<T>>| {
            if *ended {
                return std::future::ready(None);
            }
            *ended = match &page {
                Ok(page) => page.content.is_empty() || !page.has_next(),
                Err(_) => true,
            };
            std::future::ready(Some(page))
        });
    Pages {
        inner: Box::pin(pages),
    }
}

/// Every page of a list, in order, fetched as the stream is polled. Made by
/// a list builder's `pages()`; it owns what it needs, so it can be kept,
/// moved to a task or dropped (a dropped stream fetches nothing more).
#[must_use = "a stream does nothing until it is polled"]
pub struct Pages<T> {
    inner: Pin<Box<dyn Stream<Item = Result<Page<T>>> + Send>>,
}

impl<T: Send + 'static> Pages<T> {
    /// The items of every page, in order.
    pub fn items(self) -> Items<T> {
        Items::new(
            self.map_ok(|page| stream::iter(page.content.into_iter().map(Ok)))
                .try_flatten(),
        )
    }
}

impl<T> Stream for Pages<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}

/// Every item of a list, in order, fetched a page at a time as the stream is
/// polled. Made by a list builder's `items()`; collect it with
/// `futures_util::TryStreamExt::try_collect`, or take items one by one with
/// `try_next`.
#[must_use = "a stream does nothing until it is polled"]
pub struct Items<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T>> + Send>>,
}

impl<T> Items<T> {
    pub(crate) fn new(stream: impl Stream<Item = Result<T>> + Send + 'static) -> Self {
        Items {
            inner: Box::pin(stream),
        }
    }
}

impl<T> Stream for Items<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items").finish_non_exhaustive()
    }
}
