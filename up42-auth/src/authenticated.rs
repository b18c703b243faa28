//! The `Authenticated` trait: what an endpoint call needs from its client.

use std::sync::Arc;

use url::Url;

use crate::auth::cache::{TokenCache, TokenFuture};
use crate::policy::RequestPolicy;

/// Something that can call the UP42 API: it knows the API's base URL, has an
/// HTTP client, and a [`TokenCache`] of access tokens.
///
/// [`Up42Client`](crate::Up42Client) is the ready implementation. For another
/// source of tokens (a vault, a test double), implement
/// [`TokenSource`](crate::auth::TokenSource) and return a [`TokenCache`] of it from
/// [`token_cache`](Self::token_cache): its documentation has a complete
/// example. `delegate_authenticated!` implements this trait for a typed client
/// struct by delegating to a field.
///
/// The trait is object-safe: `Arc<dyn Authenticated>` and `&dyn Authenticated`
/// work, and it is implemented for `&T`, `Arc<T>` and `Box<T>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot call the UP42 API: it does not implement `Authenticated`",
    label = "not an UP42 client",
    note = "pass an `&Up42Client`, or implement `Authenticated` for your type \
            (`up42_auth::delegate_authenticated!` delegates to a field)"
)]
pub trait Authenticated: Send + Sync {
    /// The API's base URL, e.g. `https://api.up42.com`. Endpoint paths are
    /// appended to it, keeping its own path.
    fn api_url(&self) -> &Url;

    /// The HTTP client API calls are sent with.
    fn http_client(&self) -> &reqwest::Client;

    /// The cache that holds this client's tokens: the one source of truth for
    /// every token an endpoint call sends.
    fn token_cache(&self) -> &TokenCache;

    /// How API calls are retried and rate-limited. The default is
    /// [`RequestPolicy::DEFAULT`]: 3 attempts with jittered backoff, no rate limit.
    fn request_policy(&self) -> &RequestPolicy {
        &RequestPolicy::DEFAULT
    }

    /// A valid access token: cached while fresh, renewed when needed (see
    /// [`TokenCache`]). Ready at once, without an allocation, while the token
    /// is fresh. Only a [`TokenCache`] makes a [`TokenFuture`], so an override
    /// cannot bypass the cache.
    fn access_token(&self) -> TokenFuture<'_> {
        self.token_cache().get()
    }
}

macro_rules! forward_authenticated {
    ($($pointer:ty),*) => {$(
        impl<T: Authenticated + ?Sized> Authenticated for $pointer {
            fn api_url(&self) -> &Url {
                (**self).api_url()
            }
            fn http_client(&self) -> &reqwest::Client {
                (**self).http_client()
            }
            fn token_cache(&self) -> &TokenCache {
                (**self).token_cache()
            }
            fn request_policy(&self) -> &RequestPolicy {
                (**self).request_policy()
            }
        }
    )*};
}

forward_authenticated!(&T, Arc<T>, Box<T>);
