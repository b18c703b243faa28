//! How calls cope with a flaky network and a busy server: retries with
//! backoff ([`RetryPolicy`]), `Retry-After`, an optional client-side
//! [`RateLimit`], and the [`RequestPolicy`] of a client that holds them.

mod rate;
mod retry;
mod retry_after;

use std::time::Duration;

pub use rate::{MAX_SHARED_WAIT, RateLimit, SharedLimiter};
pub use retry::RetryPolicy;
pub(crate) use retry_after::retry_after;

use crate::defaults::{DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_REQUEST_TIMEOUT};

/// How one client sends API calls: its retry policy, optional rate limit and
/// the size limit of decoded answers.
///
/// Fields may be added in later releases; start from [`RequestPolicy::default`]
/// and set the ones you need:
///
/// ```
/// use up42_auth::policy::{RequestPolicy, RetryPolicy};
///
/// let mut policy = RequestPolicy::default();
/// policy.retry = RetryPolicy::never();
/// policy.max_response_size = 1024 * 1024;
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestPolicy {
    /// Retries of API calls (and, for [`Up42Client`](crate::Up42Client), token requests).
    pub retry: RetryPolicy,
    /// An optional client-side rate limit on API calls.
    pub rate_limit: Option<RateLimit>,
    /// The most bytes of a successful answer decoded as JSON (default
    /// [`DEFAULT_MAX_RESPONSE_SIZE`]).
    pub max_response_size: usize,
    /// The largest file a [`Download`](crate::Download) writes (default
    /// `None`: no limit); a larger one is refused before its bytes are read
    /// when its size is announced, else as soon as it passes the limit.
    pub max_download_size: Option<u64>,
    /// The time allowed for a whole API call, answer read and decoded
    /// included (default [`DEFAULT_REQUEST_TIMEOUT`]).
    /// An endpoint's `timeout = "30s"` option overrides it; downloads (`raw`
    /// endpoints) are not bounded by it, only by the HTTP client's read
    /// timeout, so that a large file on a slow link is not cut off. `None`:
    /// only the HTTP client's own limits apply.
    pub timeout: Option<Duration>,
}

impl RequestPolicy {
    /// [`RetryPolicy::DEFAULT`], no rate limit, [`DEFAULT_MAX_RESPONSE_SIZE`],
    /// no download size limit, [`DEFAULT_REQUEST_TIMEOUT`].
    pub const DEFAULT: RequestPolicy = RequestPolicy {
        retry: RetryPolicy::DEFAULT,
        rate_limit: None,
        max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
        max_download_size: None,
        timeout: Some(DEFAULT_REQUEST_TIMEOUT),
    };
}

impl Default for RequestPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}
