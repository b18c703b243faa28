//! Retries with exponential backoff and full jitter, bounded in attempts and
//! in total time.

use std::future::Future;
use std::time::Duration;

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
/// use up42_auth::policy::RetryPolicy;
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

    /// The wait before retry number `retry` (1 for the first retry): the
    /// backoff's bound for it, jittered, or `retry_after` (capped) when the
    /// server asked for longer. For loops of retries of one's own.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Operation;
    use crate::policy::retry_after::retry_after;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

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
        Error::server(
            Operation::ApiRequest,
            "https://api.up42.com/v2/orders",
            reqwest::StatusCode::SERVICE_UNAVAILABLE,
            String::new(),
            Some(Duration::from_secs(1)),
        )
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
                Err(Error::server(
                    Operation::ApiRequest,
                    "https://api.up42.com/v2/orders",
                    reqwest::StatusCode::TOO_MANY_REQUESTS,
                    String::new(),
                    Some(asked),
                ))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(
            attempts.get(),
            1,
            "a wait past the total bound ends the call at once"
        );
    }
}
