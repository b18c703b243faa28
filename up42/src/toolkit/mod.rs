//! The toolkit underneath the typed client (the `up42-auth` crate): the
//! authenticating client, the endpoint macro and the runtime its code
//! calls. Reach for it to call an endpoint the typed client does not cover
//! ([`untyped`] lists them, and why), to share tokens between processes, or
//! to tune retries and rate limits.
//!
//! - [`up42_endpoint`] on `&up42::Client` (which implements
//!   [`Authenticated`]) declares a typed call; [`Query`](crate::Query)
//!   structs send a list's filters, checked at compile time;
//!   [`delegate_authenticated!`] lets your own client type carry them.
//! - [`Up42Client`] and its [builder](Up42ClientBuilder) (the typed client's
//!   builder too), [`Call`] for a path known at run time, [`Paged`] and
//!   [`paging`] for lists, [`Download`] and [`download`] for bodies
//!   written to disk, [`poll()`] and [`poll`](mod@poll) for waits.
//! - [`auth`] (token sources and the cache), [`store`] (tokens shared
//!   between processes and machines), [`policy`] (retries, rate limits),
//!   [`defaults`], [`redirect`], [`error`].
//!
//! `up42::Client::toolkit()` hands out the [`Up42Client`] underneath.

pub mod untyped;

pub use up42_auth::{
    Authenticated, Call, Download, Paged, Up42Client, Up42ClientBuilder, Url, async_trait,
    delegate_authenticated, is_loopback, reqwest, up42_endpoint,
};
pub use up42_auth::{auth, defaults, download, error, paging, policy, poll, redirect, store};

#[cfg(feature = "middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "middleware")))]
pub use up42_auth::middleware;
