//! Tokens: the access token callers get, the refresh token renewals use, and
//! the grant a token source returns.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::error::Error;

/// A bearer token for the UP42 API.
///
/// Cloning is one `Arc` increment. `Debug` never shows the secret; use
/// [`AccessToken::secret`] to read it.
#[derive(Clone)]
pub struct AccessToken {
    inner: Arc<AccessTokenInner>,
}

struct AccessTokenInner {
    secret: SecretString,
    /// `Bearer <secret>`, built once and marked sensitive.
    header: HeaderValue,
    expires_at: Instant,
}

impl AccessToken {
    pub(crate) fn new(secret: SecretString, expires_at: Instant) -> Result<Self, Error> {
        let mut header =
            HeaderValue::try_from(format!("Bearer {}", secret.expose_secret())).map_err(|_| {
                // A token endpoint's answers are checked before they get here:
                // this one came from a token source of the user's, or a store.
                Error::token_source(
                    false,
                    "the access token has characters that cannot be sent in an HTTP header",
                )
            })?;
        header.set_sensitive(true);
        Ok(AccessToken {
            inner: Arc::new(AccessTokenInner {
                secret,
                header,
                expires_at,
            }),
        })
    }

    /// The raw token string, as sent after `Bearer `.
    pub fn secret(&self) -> &str {
        self.inner.secret.expose_secret()
    }

    /// The `Authorization` header value (`Bearer <token>`), marked sensitive so
    /// HTTP libraries leave it out of their logs.
    pub fn bearer_header(&self) -> &HeaderValue {
        &self.inner.header
    }

    /// When the server said the token expires, measured on the monotonic clock
    /// from the moment its request was sent.
    pub fn expires_at(&self) -> Instant {
        self.inner.expires_at
    }

    /// How long the token stays valid from now (zero once expired).
    pub fn expires_in(&self) -> Duration {
        self.inner.expires_at.saturating_duration_since(Instant::now())
    }

    /// Whether two handles refer to the same issued token.
    pub fn same_token(&self, other: &AccessToken) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"..redacted..")
            .field("expires_in", &self.expires_in())
            .finish()
    }
}

/// A refresh token, used to renew the access token without the password.
#[derive(Clone)]
pub struct RefreshToken(SecretString);

impl RefreshToken {
    /// Wraps a refresh token string.
    pub fn new(secret: impl Into<String>) -> Self {
        RefreshToken(SecretString::from(secret.into()))
    }

    /// The raw refresh token string.
    pub fn secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(..redacted..)")
    }
}

/// What a token source returns: a new access token with its lifetime and,
/// optionally, a refresh token.
///
/// Lifetimes are durations, not instants: the [`TokenCache`](crate::auth::TokenCache)
/// measures them from the moment it started the request, on the monotonic
/// clock, so a wrong wall clock cannot matter.
///
/// ```
/// use std::time::Duration;
/// use up42_auth::auth::TokenGrant;
///
/// let grant = TokenGrant::new("eyJhbGciOi...", Duration::from_secs(300))
///     .with_refresh_token("eyJhbGciOi...", Some(Duration::from_secs(1800)));
/// assert_eq!(grant.expires_in(), Duration::from_secs(300));
/// assert!(!format!("{grant:?}").contains("eyJ"));
/// ```
#[derive(Clone)]
pub struct TokenGrant {
    pub(crate) access_token: SecretString,
    pub(crate) expires_in: Duration,
    pub(crate) refresh: Option<(RefreshToken, Option<Duration>)>,
}

impl TokenGrant {
    /// A grant of `access_token`, valid for `expires_in` from when it was requested.
    pub fn new(access_token: impl Into<String>, expires_in: Duration) -> Self {
        TokenGrant {
            access_token: SecretString::from(access_token.into()),
            expires_in,
            refresh: None,
        }
    }

    /// Adds a refresh token valid for `lifetime` (`None`: no known expiry).
    pub fn with_refresh_token(mut self, token: impl Into<String>, lifetime: Option<Duration>) -> Self {
        self.refresh = Some((RefreshToken::new(token), lifetime));
        self
    }

    /// The access token's lifetime as granted.
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    /// The refresh token, if the grant has one.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh.as_ref().map(|(token, _)| token)
    }
}

impl fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenGrant")
            .field("access_token", &"..redacted..")
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh)
            .finish()
    }
}
