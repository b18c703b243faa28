//! Paged endpoints: every page of a list, collected at once (`Result<Vec<T>>`)
//! or as a [`Paged`] list: its items streamed, one [`Page`] with its
//! totals, every page ([`Pages`]), and page objects fetched a few at a time.
//! One engine walks UP42's three paging kinds (page objects, next links,
//! STAC tokens). Each page request goes through the same token, 401 resend
//! and retry path as any endpoint call.

pub(crate) mod run;

pub use run::{COLLECTED_ANSWERS, MAX_PAGES, Page, Paged, Pages};
