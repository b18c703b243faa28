//! The `Authenticated` trait: the seam between token sources and API calls.

use std::sync::Arc;

use async_trait::async_trait;
use url::Url;

use crate::cache::TokenCache;
use crate::error::Error;
use crate::policy::RequestPolicy;
use crate::token::{AccessToken, RefreshToken, TokenGrant};

/// Something that can call the UP42 API: it knows the API's base URL, has an
/// HTTP client, and can get access tokens.
///
/// [`Up42Client`](crate::Up42Client) is the ready implementation. Implement it
/// yourself for another token source (a test double, another grant, a token
/// vault): write [`request_token`](Self::request_token) and hand out a
/// [`TokenCache`]; caching, renewal before expiry and single-flight renewal come
/// from the provided [`access_token`](Self::access_token).
///
/// The trait is object-safe: `Arc<dyn Authenticated>` and `&dyn Authenticated`
/// work, and it is implemented for `&T`, `Arc<T>` and `Box<T>`.
///
/// # Example: a token source of your own
///
/// ```
/// use std::time::Duration;
/// use async_trait::async_trait;
/// use up42_auth::{Authenticated, Error, RefreshToken, TokenCache, TokenGrant};
/// use url::Url;
///
/// /// Hands out tokens from a vault; here, a counter.
/// struct VaultTokens {
///     api_url: Url,
///     http: reqwest::Client,
///     cache: TokenCache,
///     issued: std::sync::atomic::AtomicUsize,
/// }
///
/// #[async_trait]
/// impl Authenticated for VaultTokens {
///     fn api_url(&self) -> &Url {
///         &self.api_url
///     }
///     fn http_client(&self) -> &reqwest::Client {
///         &self.http
///     }
///     fn token_cache(&self) -> &TokenCache {
///         &self.cache
///     }
///     async fn request_token(&self, _refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
///         let n = self.issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
///         Ok(TokenGrant::new(format!("vault-token-{n}"), Duration::from_secs(300)))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Error> {
/// let vault = VaultTokens {
///     api_url: Url::parse("https://api.up42.com").unwrap(),
///     http: reqwest::Client::new(),
///     cache: TokenCache::new(),
///     issued: Default::default(),
/// };
/// let first = vault.access_token().await?;
/// let second = vault.access_token().await?;
/// assert_eq!(first.secret(), "vault-token-0");
/// assert!(first.same_token(&second)); // cached: one request for both calls
///
/// vault.token_rejected(&second); // the API answered 401
/// assert_eq!(vault.access_token().await?.secret(), "vault-token-1");
/// # Ok(())
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot call the UP42 API: it does not implement `Authenticated`",
    label = "not an UP42 client",
    note = "pass an `&Up42Client`, or implement `Authenticated` for your type \
            (`up42_auth::delegate_authenticated!` delegates to a field)"
)]
#[async_trait]
pub trait Authenticated: Send + Sync {
    /// The API's base URL, e.g. `https://api.up42.com`. Endpoint paths are
    /// appended to it, keeping its own path.
    fn api_url(&self) -> &Url;

    /// The HTTP client API calls are sent with.
    fn http_client(&self) -> &reqwest::Client;

    /// The cache that holds this source's tokens.
    fn token_cache(&self) -> &TokenCache;

    /// How API calls are retried and rate-limited. The default is
    /// [`RequestPolicy::DEFAULT`]: 3 attempts with jittered backoff, no rate limit.
    fn request_policy(&self) -> &RequestPolicy {
        &RequestPolicy::DEFAULT
    }

    /// Requests a new token from the token server. `refresh` is the current
    /// refresh token while it is still valid; answer
    /// [`Error::RefreshTokenRejected`] when the server refuses it, and the cache
    /// calls again with `None` for a full login.
    ///
    /// Called by the [`TokenCache`] only, never concurrently for one cache.
    async fn request_token(&self, refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error>;

    /// A valid access token: cached while fresh, renewed when needed. Endpoint
    /// functions read a fresh token straight from [`token_cache`](Self::token_cache)
    /// (no boxed future on that path) and call this when the cache has work to
    /// do, so an override must keep the cache as the source of truth.
    async fn access_token(&self) -> Result<AccessToken, Error> {
        self.token_cache().get(self).await
    }

    /// Reports that the API rejected `token` (HTTP 401). The cache drops it if
    /// it is still the current one, so the next [`access_token`](Self::access_token)
    /// renews; returns whether it was dropped. A newer token is never thrown away.
    ///
    /// Endpoint functions report their 401s to the cache themselves, and renew
    /// for them at most once every 10 s, so that an API that rejects every
    /// token does not cost a login per call; this method drops unconditionally.
    fn token_rejected(&self, token: &AccessToken) -> bool {
        self.token_cache().invalidate(token)
    }
}

macro_rules! forward_authenticated {
    ($($pointer:ty),*) => {$(
        #[async_trait]
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
            async fn request_token(&self, refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
                (**self).request_token(refresh).await
            }
            async fn access_token(&self) -> Result<AccessToken, Error> {
                (**self).access_token().await
            }
            fn token_rejected(&self, token: &AccessToken) -> bool {
                (**self).token_rejected(token)
            }
        }
    )*};
}

forward_authenticated!(&T, Arc<T>, Box<T>);
