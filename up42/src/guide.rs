//! The guide: the typed client, then the toolkit underneath it (the
//! authenticating client, declaring endpoints of your own, lists, waits,
//! downloads, token stores, reliability, tracing and testing). Each chapter
//! is a module; their examples compile and run as doctests.

#[doc = include_str!("guide/typed.md")]
pub mod typed {}

#[doc = include_str!("guide/client.md")]
pub mod client {}

#[doc = include_str!("guide/endpoints.md")]
pub mod endpoints {}

#[doc = include_str!("guide/paging.md")]
pub mod paging {}

#[doc = include_str!("guide/waiting.md")]
pub mod waiting {}

#[doc = include_str!("guide/downloads.md")]
pub mod downloads {}

#[doc = include_str!("guide/stores.md")]
pub mod stores {}

#[doc = include_str!("guide/reliability.md")]
pub mod reliability {}

#[doc = include_str!("guide/tracing.md")]
pub mod tracing {}

#[doc = include_str!("guide/testing.md")]
pub mod testing {}
