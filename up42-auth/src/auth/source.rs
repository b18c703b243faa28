//! `TokenSource`: where new tokens come from. The [`TokenCache`](crate::auth::TokenCache)
//! owns one and asks it for a grant whenever a renewal is due.

use std::sync::Arc;

use async_trait::async_trait;

use crate::auth::token::{RefreshToken, TokenGrant};
use crate::error::Error;
use crate::store::StoreKey;

/// Obtains token grants: UP42's Keycloak for [`Up42Client`](crate::Up42Client),
/// or anything of your own (a token vault, a test double).
///
/// Implement [`request_token`](Self::request_token) and hand the source to
/// [`TokenCache::new`](crate::auth::TokenCache::new): caching, renewal before
/// expiry, single flight and the failure memory come from the cache. The
/// cache calls it from a task of its own, never concurrently.
///
/// Report failures as the cache understands them:
/// [`Error::refresh_token_rejected`] when a refresh token is refused (the
/// cache drops it and asks for a login instead), [`Error::invalid_credentials`]
/// when a login is refused (remembered with a growing backoff), and
/// [`Error::token_source`] for anything else, saying whether it is transient.
///
/// # Example: tokens from a vault
///
/// ```
/// use std::time::Duration;
/// use up42_auth::{
///     Authenticated, Error, Url, async_trait,
///     auth::{RefreshToken, TokenCache, TokenGrant, TokenSource},
/// };
///
/// /// Hands out tokens from a vault; here, a counter.
/// struct Vault {
///     issued: std::sync::atomic::AtomicUsize,
/// }
///
/// #[async_trait]
/// impl TokenSource for Vault {
///     async fn request_token(&self, _refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
///         let n = self.issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
///         Ok(TokenGrant::new(format!("vault-token-{n}"), Duration::from_secs(300)))
///     }
/// }
///
/// /// What endpoint functions need: the API's URL, an HTTP client, the tokens.
/// struct VaultClient {
///     api_url: Url,
///     http: reqwest::Client,
///     cache: TokenCache,
/// }
///
/// impl Authenticated for VaultClient {
///     fn api_url(&self) -> &Url {
///         &self.api_url
///     }
///     fn http_client(&self) -> &reqwest::Client {
///         &self.http
///     }
///     fn token_cache(&self) -> &TokenCache {
///         &self.cache
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Error> {
/// let client = VaultClient {
///     api_url: Url::parse("https://api.up42.com").unwrap(),
///     http: reqwest::Client::new(),
///     cache: TokenCache::new(Vault { issued: Default::default() }),
/// };
/// let first = client.access_token().await?;
/// let second = client.access_token().await?;
/// assert_eq!(first.secret(), "vault-token-0");
/// assert!(first.same_token(&second)); // cached: one request for both calls
///
/// client.token_cache().report_rejected(&second); // the API answered 401
/// assert_eq!(client.access_token().await?.secret(), "vault-token-1");
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait TokenSource: Send + Sync + 'static {
    /// Requests a new token. `refresh` is the current refresh token while it
    /// is still valid; answer [`Error::refresh_token_rejected`] when it is
    /// refused, and the cache calls again with `None` for a full login.
    async fn request_token(&self, refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error>;

    /// Which account's tokens these are, for a [`TokenStore`](crate::store::TokenStore)
    /// that shares them between processes; `None` (the default) keeps them
    /// in memory only, even with a store.
    fn store_key(&self) -> Option<StoreKey> {
        None
    }

    /// The account (a username) these tokens must be of, if known: a token
    /// from a shared store whose JWT names another account
    /// (`preferred_username` or `email`) is never adopted. `None` (the
    /// default) checks nothing.
    fn account(&self) -> Option<String> {
        None
    }
}

#[async_trait]
impl<T: TokenSource + ?Sized> TokenSource for Arc<T> {
    async fn request_token(&self, refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
        (**self).request_token(refresh).await
    }

    fn store_key(&self) -> Option<StoreKey> {
        (**self).store_key()
    }

    fn account(&self) -> Option<String> {
        (**self).account()
    }
}
