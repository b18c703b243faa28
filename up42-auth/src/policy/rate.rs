//! A client-side rate limit: a token bucket in the process, or a limit shared
//! by every process through a [`SharedLimiter`].

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::Error;
use crate::sync::lock;

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
/// The longest wait a shared limiter may ask for: a longer one is a broken
/// or poisoned schedule (one `SET` of its key asked for 365 days), and the
/// process keeps to the limit on its own instead.
pub const MAX_SHARED_WAIT: Duration = Duration::from_secs(60);

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

/// A place in the local bucket taken by a caller still waiting for it: given
/// back if the caller is dropped before its turn.
struct Reservation<'a> {
    bucket: &'a Mutex<Option<Bucket>>,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut guard = lock(self.bucket);
        if let Some(bucket) = guard.as_mut() {
            bucket.tokens += 1.0;
        }
    }
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
    ///
    /// Cancel-safe: a caller dropped while it waits gives its place back to
    /// the local bucket, so the callers after it are not held up by a request
    /// that was never sent. (A place reserved with a [`SharedLimiter`] stays
    /// taken: the shared limiter has no way to hand one back.)
    pub async fn acquire(&self) {
        if let Some(shared) = &self.shared
            && let Some(wait) = self.reserve_shared(shared).await
        {
            tokio::time::sleep(wait).await;
            return;
        }
        let wait = {
            let mut guard = lock(&self.bucket);
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
        let reservation = Reservation { bucket: &self.bucket };
        tokio::time::sleep(wait).await;
        std::mem::forget(reservation);
    }

    /// The wait the shared limiter asks for; `None` while it is failing.
    async fn reserve_shared(&self, shared: &Shared) -> Option<Duration> {
        let down = |until: &Mutex<Option<Instant>>| *lock(until);
        if down(&shared.down_until).is_some_and(|until| Instant::now() < until) {
            return None;
        }
        match shared
            .limiter
            .reserve(self.per_second as u32, self.burst as u32)
            .await
        {
            Ok(wait) if wait <= MAX_SHARED_WAIT => Some(wait),
            Ok(wait) => {
                tracing::warn!(
                    ?wait,
                    "the shared rate limit asked for a wait over {MAX_SHARED_WAIT:?}; keeping to the limit in this process for 5 s"
                );
                *lock(&shared.down_until) = Some(Instant::now() + SHARED_RETRY);
                None
            }
            Err(error) => {
                tracing::warn!(%error, "the shared rate limit failed; keeping to the limit in this process for 5 s");
                *lock(&shared.down_until) = Some(Instant::now() + SHARED_RETRY);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_waiter_gives_its_place_back() {
        let limit = RateLimit::new(10, 1);
        limit.acquire().await;
        // The second caller would wait 100 ms; it gives up after 10 ms.
        let gave_up = tokio::time::timeout(Duration::from_millis(10), limit.acquire()).await;
        assert!(gave_up.is_err(), "still waiting when cancelled");
        // The third caller takes the second's place: 90 ms more, not 190 ms.
        let started = Instant::now();
        limit.acquire().await;
        assert_eq!(started.elapsed(), Duration::from_millis(90));
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
                false => Err(Error::store(true, "the shared rate limiter is down", None)),
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

    /// A shared limiter whose schedule was poisoned: it asks for a year.
    struct Poisoned;

    #[async_trait::async_trait]
    impl SharedLimiter for Poisoned {
        async fn reserve(&self, _per_second: u32, _burst: u32) -> Result<Duration, Error> {
            Ok(Duration::from_secs(365 * 24 * 3600))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_poisoned_shared_limit_is_not_obeyed() {
        let limit = RateLimit::shared(10, 1, Poisoned);
        let started = Instant::now();
        for _ in 0..3 {
            limit.acquire().await;
        }
        // The local bucket's pace, not a year.
        assert_eq!(started.elapsed(), Duration::from_millis(200));
    }
}
