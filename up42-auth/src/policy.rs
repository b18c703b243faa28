//! How calls cope with a flaky network and a busy server: retries with
//! backoff, `Retry-After`, and an optional client-side rate limit.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::time::Instant;

use crate::error::Error;

/// Retries of token requests and API calls: exponential backoff with full
/// jitter, bounded in attempts and in total time.
///
/// What is retried: connection failures, timeouts, and the statuses 408, 429,
/// 500, 502, 503 and 504 ([`Error::is_retryable`]). Never a rejected password
/// or client, never another 4xx. API calls are retried only when that is safe:
/// `GET`, `HEAD`, `PUT` and `DELETE`, or endpoints declared with `retry = true`.
///
/// ```
/// use std::time::Duration;
/// use up42_auth::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(5)
///     .backoff(Duration::from_millis(100), Duration::from_secs(5))
///     .max_elapsed(Duration::from_secs(60));
/// assert_eq!(patient.attempts(), 5);
/// assert_eq!(RetryPolicy::never().attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl RetryPolicy {
    /// 3 attempts, backoff from 200 ms up to 2 s, 30 s in all, `Retry-After`
    /// honoured up to 10 s.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(200),
        max_backoff: Duration::from_secs(2),
        max_elapsed: Duration::from_secs(30),
        max_retry_after: Duration::from_secs(10),
    };

    /// One attempt, no retry.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::DEFAULT
        }
    }

    /// How many attempts in all (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry, doubling up to `max`. Each wait is
    /// drawn uniformly from zero to that bound (full jitter).
    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// No retry starts once this much time has passed since the first attempt.
    #[must_use]
    pub fn max_elapsed(mut self, total: Duration) -> Self {
        self.max_elapsed = total;
        self
    }

    /// The longest `Retry-After` honoured; a longer one is cut to this.
    #[must_use]
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// How many attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry number `retry` (1 for the first retry).
    fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let bound = self
            .initial_backoff
            .saturating_mul(1 << retry.saturating_sub(1).min(20))
            .min(self.max_backoff);
        let jittered = bound.mul_f64(fastrand::f64());
        match retry_after {
            Some(asked) => jittered.max(asked.min(self.max_retry_after)),
            None => jittered,
        }
    }

    /// Runs `attempt` until it succeeds, fails for good, or the policy is spent.
    /// `retryable` decides which errors are worth another try.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        what: &'static str,
        retryable: impl Fn(&Error) -> bool,
        mut attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let started = Instant::now();
        let mut tries = 1;
        loop {
            let error = match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if tries >= self.max_attempts || !retryable(&error) {
                return Err(error);
            }
            let delay = self.delay(tries, error.retry_after());
            if started.elapsed().saturating_add(delay) > self.max_elapsed {
                return Err(error);
            }
            tracing::warn!(%error, attempt = tries, ?delay, "{what} failed; retrying");
            tokio::time::sleep(delay).await;
            tries += 1;
        }
    }
}

/// The `Retry-After` of an answer: seconds, or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// A client-side rate limit: a token bucket of `burst` requests refilled at
/// `per_second`. Callers over the limit wait their turn, first come first served.
/// Clones share one bucket.
///
/// [`RateLimit::new`] limits one process; [`RateLimit::shared`] limits every
/// process that shares a [`SharedLimiter`] (a Redis, say), and falls back to
/// its own bucket while that limiter fails.
#[derive(Clone)]
pub struct RateLimit {
    per_second: f64,
    burst: f64,
    bucket: Arc<Mutex<Option<Bucket>>>,
    shared: Option<Shared>,
}

/// A limiter shared between processes, and when it last failed.
#[derive(Clone)]
struct Shared {
    limiter: Arc<dyn SharedLimiter>,
    /// While the limiter is failing, the local bucket is used until then.
    down_until: Arc<Mutex<Option<Instant>>>,
}

/// How long a failed shared limiter is left alone before it is tried again.
const SHARED_RETRY: Duration = Duration::from_secs(5);

/// A rate limit kept outside the process, shared by every client that uses
/// it: `RedisTokenStore` (feature `redis`) implements it with one
/// script on the server's clock.
#[async_trait::async_trait]
pub trait SharedLimiter: Send + Sync + 'static {
    /// Reserves the next request slot under a limit of `per_second` requests
    /// a second and bursts of `burst`, and answers how long the caller waits
    /// for it (zero: at once).
    async fn reserve(&self, per_second: u32, burst: u32) -> Result<Duration, Error>;
}

#[derive(Debug)]
struct Bucket {
    /// May go below zero: reservations of callers already waiting.
    tokens: f64,
    refilled_at: Instant,
}

impl fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimit")
            .field("per_second", &self.per_second)
            .field("burst", &self.burst)
            .field("shared", &self.shared.is_some())
            .finish()
    }
}

impl RateLimit {
    /// At most `per_second` requests a second on average, `burst` at once.
    /// UP42 allows 100 a second sustained and bursts of 500 per client IP.
    pub fn new(per_second: u32, burst: u32) -> Self {
        RateLimit {
            per_second: f64::from(per_second.max(1)),
            burst: f64::from(burst.max(1)),
            bucket: Arc::new(Mutex::new(None)),
            shared: None,
        }
    }

    /// The same limit, kept by `limiter` for every process that shares it.
    /// While `limiter` fails, this process keeps to the limit on its own (a
    /// warning says so) and tries `limiter` again after 5 s.
    pub fn shared(per_second: u32, burst: u32, limiter: impl SharedLimiter) -> Self {
        RateLimit {
            shared: Some(Shared {
                limiter: Arc::new(limiter),
                down_until: Arc::new(Mutex::new(None)),
            }),
            ..RateLimit::new(per_second, burst)
        }
    }

    /// Waits until a request may be sent.
    pub async fn acquire(&self) {
        if let Some(shared) = &self.shared
            && let Some(wait) = self.reserve_shared(shared).await
        {
            tokio::time::sleep(wait).await;
            return;
        }
        let wait = {
            let mut guard = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let bucket = guard.get_or_insert(Bucket {
                tokens: self.burst,
                refilled_at: now,
            });
            let earned = now.duration_since(bucket.refilled_at).as_secs_f64() * self.per_second;
            bucket.tokens = (bucket.tokens + earned).min(self.burst);
            bucket.refilled_at = now;
            bucket.tokens -= 1.0;
            if bucket.tokens >= 0.0 {
                return;
            }
            Duration::from_secs_f64(-bucket.tokens / self.per_second)
        };
        tokio::time::sleep(wait).await;
    }

    /// The wait the shared limiter asks for; `None` while it is failing.
    async fn reserve_shared(&self, shared: &Shared) -> Option<Duration> {
        let down = |until: &Mutex<Option<Instant>>| *until.lock().unwrap_or_else(|p| p.into_inner());
        if down(&shared.down_until).is_some_and(|until| Instant::now() < until) {
            return None;
        }
        match shared
            .limiter
            .reserve(self.per_second as u32, self.burst as u32)
            .await
        {
            Ok(wait) => Some(wait),
            Err(error) => {
                tracing::warn!(%error, "the shared rate limit failed; keeping to the limit in this process for 5 s");
                *shared.down_until.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(Instant::now() + SHARED_RETRY);
                None
            }
        }
    }
}

/// The most bytes of a successful answer that an endpoint decodes as JSON
/// (32 MiB); larger answers are an error. `raw` endpoints (downloads) are not
/// limited: their body is the caller's to read.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 32 * 1024 * 1024;

/// How one client sends API calls: its retry policy, optional rate limit and
/// the size limit of decoded answers.
///
/// Fields may be added in later releases; start from [`RequestPolicy::default`]
/// and set the ones you need:
///
/// ```
/// use up42_auth::{RequestPolicy, RetryPolicy};
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
    /// The time allowed for a whole API call, answer read and decoded
    /// included (default [`DEFAULT_REQUEST_TIMEOUT`](crate::DEFAULT_REQUEST_TIMEOUT)).
    /// An endpoint's `timeout = "30s"` option overrides it; downloads (`raw`
    /// endpoints) are not bounded by it, only by the HTTP client's read
    /// timeout, so that a large file on a slow link is not cut off. `None`:
    /// only the HTTP client's own limits apply.
    pub timeout: Option<Duration>,
}

impl RequestPolicy {
    /// [`RetryPolicy::DEFAULT`], no rate limit, [`DEFAULT_MAX_RESPONSE_SIZE`],
    /// [`DEFAULT_REQUEST_TIMEOUT`](crate::DEFAULT_REQUEST_TIMEOUT).
    pub const DEFAULT: RequestPolicy = RequestPolicy {
        retry: RetryPolicy::DEFAULT,
        rate_limit: None,
        max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
        timeout: Some(crate::client::DEFAULT_REQUEST_TIMEOUT),
    };
}

impl Default for RequestPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Repr;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let policy = RetryPolicy::default();
        for retry in 1..10 {
            let bound = Duration::from_millis(200 * (1 << (retry - 1))).min(Duration::from_secs(2));
            let delays: Vec<Duration> = (0..200).map(|_| policy.delay(retry, None)).collect();
            assert!(delays.iter().all(|d| *d <= bound), "retry {retry}");
            assert!(
                delays.iter().any(|d| *d < bound / 2),
                "jitter spreads retry {retry}"
            );
        }
        assert_eq!(policy.delay(1, Some(Duration::from_secs(4))).as_secs(), 4);
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(10),
            "capped"
        );
    }

    fn unavailable() -> Error {
        Error::from(Repr::Server {
            operation: crate::Operation::ApiRequest,
            url: "https://api.up42.com/v2/orders".into(),
            status: reqwest::StatusCode::SERVICE_UNAVAILABLE,
            body_excerpt: String::new(),
            retry_after: Some(Duration::from_secs(1)),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_at_the_attempt_and_time_bounds() {
        let attempts = std::cell::Cell::new(0);
        let policy = RetryPolicy::default()
            .max_attempts(100)
            .max_elapsed(Duration::from_millis(3500));
        let started = Instant::now();
        let result: Result<(), Error> = policy
            .run("test call", Error::is_retryable, || async {
                attempts.set(attempts.get() + 1);
                Err(unavailable())
            })
            .await;
        assert!(result.is_err());
        // `Retry-After: 1` on every answer: tries at 0, 1, 2 and 3 s; a fifth would pass 3.5 s.
        assert_eq!(attempts.get(), 4);
        assert!(started.elapsed() <= Duration::from_millis(3500));

        attempts.set(0);
        let result: Result<(), Error> = RetryPolicy::default()
            .run(
                "test call",
                |_| false,
                || async {
                    attempts.set(attempts.get() + 1);
                    Err(unavailable())
                },
            )
            .await;
        assert!(result.is_err());
        assert_eq!(
            attempts.get(),
            1,
            "an error that is not retryable is returned at once"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn huge_retry_after_values_saturate_instead_of_panicking() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("18446744073709551615"));
        let asked = retry_after(&headers).unwrap();
        let policy = RetryPolicy::default().max_retry_after(Duration::MAX);
        assert_eq!(policy.delay(1, Some(asked)), asked);
        let attempts = std::cell::Cell::new(0);
        let result: Result<(), Error> = policy
            .run("test call", Error::is_retryable, || async {
                attempts.set(attempts.get() + 1);
                Err(Error::from(Repr::Server {
                    operation: crate::Operation::ApiRequest,
                    url: "https://api.up42.com/v2/orders".into(),
                    status: reqwest::StatusCode::TOO_MANY_REQUESTS,
                    body_excerpt: String::new(),
                    retry_after: Some(asked),
                }))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(
            attempts.get(),
            1,
            "a wait past the total bound ends the call at once"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_limit_spaces_requests_after_the_burst() {
        let limit = RateLimit::new(10, 2);
        let started = Instant::now();
        for _ in 0..12 {
            limit.acquire().await;
        }
        // 2 at once, then 10 more at 100 ms each, on the paused clock.
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(999) && elapsed <= Duration::from_millis(1001),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_queue_first_come_first_served() {
        let limit = std::sync::Arc::new(RateLimit::new(100, 1));
        let started = Instant::now();
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let limit = std::sync::Arc::clone(&limit);
                tokio::spawn(async move { limit.acquire().await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(
            started.elapsed(),
            Duration::from_millis(490),
            "49 waits of 10 ms after the first"
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        let parsed = retry_after(&headers).unwrap();
        assert!(
            parsed > Duration::from_secs(100) && parsed <= Duration::from_secs(120),
            "{parsed:?}"
        );
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&headers),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    /// A shared limiter that answers `wait` until `fail_from` calls, then fails.
    struct Flaky {
        calls: std::sync::atomic::AtomicU32,
        fail_from: u32,
    }

    #[async_trait::async_trait]
    impl SharedLimiter for Flaky {
        async fn reserve(&self, _per_second: u32, _burst: u32) -> Result<Duration, Error> {
            let call = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            match call < self.fail_from {
                true => Ok(Duration::from_millis(250)),
                false => Err(Error::token_source(true, "the shared limiter is down")),
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_shared_limit_falls_back_to_the_local_one() {
        let limit = RateLimit::shared(
            10,
            1,
            Flaky {
                calls: std::sync::atomic::AtomicU32::new(0),
                fail_from: 2,
            },
        );
        let started = Instant::now();
        limit.acquire().await;
        limit.acquire().await;
        // The shared limiter's answers are obeyed: 250 ms each.
        assert_eq!(started.elapsed(), Duration::from_millis(500));
        // Then it fails: the local bucket (10/s, burst 1) keeps the pace, and
        // the shared limiter is left alone for 5 s instead of being asked each time.
        let fallback = Instant::now();
        for _ in 0..5 {
            limit.acquire().await;
        }
        assert_eq!(fallback.elapsed(), Duration::from_millis(400));
        let Some(shared) = &limit.shared else {
            unreachable!()
        };
        assert!(
            shared.down_until.lock().unwrap().is_some(),
            "left alone for a while"
        );
    }
}
