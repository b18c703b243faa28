//! Waiting for asynchronous work (an order, a quotation, a processing job)
//! by calling an endpoint again until its answer says it is done.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::error::Error;

/// The first pause between two calls, unless [`Poller::every`] sets it.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// The longest pause the interval grows to, unless [`Poller::max_interval`] sets it.
pub const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_secs(60);
/// How long a wait lasts at most, unless [`Poller::timeout`] sets it: 24
/// hours. UP42 delivers most archive orders within minutes, but some
/// providers take hours; the limit guards against a wait that would never
/// end, and a day ends a stuck one the same day. The typed client's waits
/// and the `up42` command use it too.
pub const DEFAULT_POLL_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// Each pause is this much longer than the one before, up to the maximum.
const GROWTH: f64 = 1.5;

/// Calls `call` until its answer passes [`until`](Poller::until): the waiter
/// for UP42's asynchronous resources (AWS's waiters, Google's `until_done`).
///
/// The pause between calls starts at [`every`](Poller::every) (5 s by
/// default) and grows by half each time, with ±10 % jitter, up to
/// [`max_interval`](Poller::max_interval) (60 s). Each call retries its own
/// transient failures by the client's policy; an error it still returns ends
/// the wait with that error. When [`timeout`](Poller::timeout) (24 hours)
/// passes, the call in flight is dropped and the wait ends with an
/// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) error naming the time
/// waited and the number of calls.
///
/// ```no_run
/// use std::time::Duration;
/// use serde::Deserialize;
/// use up42_auth::{Error, Up42Client, poll, up42_endpoint};
///
/// #[derive(Debug, Deserialize)]
/// pub struct Order {
///     pub id: String,
///     pub status: String,
/// }
///
/// #[up42_endpoint(GET, "/v2/orders/{order_id}")]
/// pub async fn get_order(client: &Up42Client, order_id: &str) -> Result<Order, Error>;
///
/// # async fn run(client: Up42Client, id: String) -> Result<(), Error> {
/// let order = poll(|| get_order(&client, &id))
///     .until(|order| matches!(order.status.as_str(), "FULFILLED" | "FAILED_PERMANENTLY" | "PLACEMENT_FAILED" | "CANCELED"))
///     .every(Duration::from_secs(5))
///     .timeout(Duration::from_secs(3600))
///     .await?;
/// println!("order {} is {}", order.id, order.status);
/// # Ok(()) }
/// ```
pub fn poll<F>(call: F) -> Poller<F, ()> {
    Poller {
        call,
        until: (),
        interval: DEFAULT_POLL_INTERVAL,
        max_interval: DEFAULT_MAX_POLL_INTERVAL,
        timeout: DEFAULT_POLL_TIMEOUT,
    }
}

/// A wait being set up by [`poll`](poll()); `.await` it once [`until`](Self::until)
/// says when it is done.
#[must_use = "a poller does nothing until it is awaited"]
pub struct Poller<F, P> {
    call: F,
    until: P,
    interval: Duration,
    max_interval: Duration,
    timeout: Duration,
}

impl<F, P> Poller<F, P> {
    /// When the wait is over: `done` sees each successful answer and returns
    /// `true` for the one to hand back.
    pub fn until<Fut, T, E, Q>(self, done: Q) -> Poller<F, Q>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        Q: FnMut(&T) -> bool,
    {
        Poller {
            call: self.call,
            until: done,
            interval: self.interval,
            max_interval: self.max_interval,
            timeout: self.timeout,
        }
    }

    /// The first pause between two calls (default 5 s); later pauses grow
    /// from it. It is also the longest pause if it exceeds
    /// [`max_interval`](Self::max_interval).
    pub fn every(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The longest pause between two calls (default 60 s).
    pub fn max_interval(mut self, max: Duration) -> Self {
        self.max_interval = max;
        self
    }

    /// How long to wait in all before giving up (default [`DEFAULT_POLL_TIMEOUT`], 24 hours).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl<F, P> fmt::Debug for Poller<F, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller")
            .field("interval", &self.interval)
            .field("max_interval", &self.max_interval)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<F, Fut, T, E, P> IntoFuture for Poller<F, P>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: From<Error>,
    P: FnMut(&T) -> bool,
{
    type Output = Result<T, E>;
    type IntoFuture = Waiting<F, Fut, P>;

    fn into_future(self) -> Waiting<F, Fut, P> {
        let started = Instant::now();
        Waiting {
            state: State::Start,
            deadline: Box::pin(tokio::time::sleep_until(started + self.timeout)),
            started,
            attempts: 0,
            pause: self.interval,
            poller: self,
        }
    }
}

/// The future of an awaited [`Poller`].
#[must_use = "futures do nothing unless awaited"]
pub struct Waiting<F, Fut, P> {
    poller: Poller<F, P>,
    state: State<Fut>,
    deadline: Pin<Box<Sleep>>,
    started: Instant,
    /// Calls made so far, the one in flight included.
    attempts: u32,
    /// The next pause, before jitter.
    pause: Duration,
}

enum State<Fut> {
    Start,
    Calling(Pin<Box<Fut>>),
    Pausing(Pin<Box<Sleep>>),
}

// The call in flight and the timers are boxed; nothing is pinned in place.
impl<F, Fut, P> Unpin for Waiting<F, Fut, P> {}

impl<F: FnMut() -> Fut, Fut, P> Waiting<F, Fut, P> {
    /// Makes the next call, counted as soon as it is made.
    fn start_call(&mut self) {
        self.attempts += 1;
        self.state = State::Calling(Box::pin((self.poller.call)()));
    }
}

impl<F, Fut, T, E, P> Future for Waiting<F, Fut, P>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: From<Error>,
    P: FnMut(&T) -> bool,
{
    type Output = Result<T, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let this = &mut *self;
        loop {
            if this.deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(E::from(Error::wait_timed_out(
                    this.started.elapsed(),
                    this.attempts,
                ))));
            }
            match &mut this.state {
                State::Start => this.start_call(),
                State::Calling(call) => {
                    let answer = match call.as_mut().poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(answer) => answer?,
                    };
                    if (this.poller.until)(&answer) {
                        return Poll::Ready(Ok(answer));
                    }
                    let pause = jittered(this.pause);
                    tracing::debug!(
                        attempt = this.attempts,
                        pause_ms = pause.as_millis() as u64,
                        "not done yet"
                    );
                    this.pause = this
                        .pause
                        .mul_f64(GROWTH)
                        .min(this.poller.max_interval.max(this.poller.interval));
                    this.state = State::Pausing(Box::pin(tokio::time::sleep(pause)));
                }
                State::Pausing(pause) => match pause.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(()) => this.start_call(),
                },
            }
        }
    }
}

impl<F, Fut, P> fmt::Debug for Waiting<F, Fut, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiting")
            .field("attempts", &self.attempts)
            .field("waited", &self.started.elapsed())
            .finish_non_exhaustive()
    }
}

/// `pause` ± 10 %, so that many waiters started together spread out.
fn jittered(pause: Duration) -> Duration {
    pause.mul_f64(0.9 + fastrand::f64() * 0.2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A status that turns `done` on the `n`-th call.
    fn status(calls: &AtomicU32, n: u32) -> impl Future<Output = Result<&'static str, Error>> + '_ {
        let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
        async move { Ok(if call >= n { "done" } else { "running" }) }
    }

    #[tokio::test(start_paused = true)]
    async fn calls_until_done_with_growing_pauses() {
        let calls = AtomicU32::new(0);
        let started = Instant::now();
        let answer = poll(|| status(&calls, 4))
            .until(|s: &&str| *s == "done")
            .every(Duration::from_secs(10))
            .max_interval(Duration::from_secs(20))
            .await
            .unwrap();
        assert_eq!(answer, "done");
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        // Pauses of 10, 15 and 20 s, each ± 10 %.
        let waited = started.elapsed().as_secs_f64();
        assert!((40.5..=49.5).contains(&waited), "{waited}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_ends_the_wait() {
        let calls = AtomicU32::new(0);
        let result: Result<&str, Error> = poll(|| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                match call {
                    0 => Ok("running"),
                    _ => Err(Error::config("gone")),
                }
            }
        })
        .until(|s: &&str| *s == "done")
        .await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Config);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_timeout_names_the_time_and_the_calls() {
        let calls = AtomicU32::new(0);
        let started = Instant::now();
        let error = poll(|| status(&calls, u32::MAX))
            .until(|s: &&str| *s == "done")
            .every(Duration::from_secs(1))
            .max_interval(Duration::from_secs(1))
            .timeout(Duration::from_secs(30))
            .await
            .unwrap_err();
        assert_eq!(started.elapsed(), Duration::from_secs(30));
        assert_eq!(error.kind(), ErrorKind::Timeout);
        let attempts = calls.load(Ordering::SeqCst);
        assert!((28..=34).contains(&attempts), "{attempts}");
        let text = error.to_string();
        assert!(
            text.contains("30 s") && text.contains(&format!("{attempts} calls")),
            "{text}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_in_flight_at_the_timeout_is_dropped() {
        let error = poll(|| async {
            tokio::time::sleep(Duration::from_secs(600)).await;
            Ok::<_, Error>(())
        })
        .until(|_: &()| true)
        .timeout(Duration::from_secs(5))
        .await
        .unwrap_err();
        assert!(error.is_timeout());
        assert!(error.to_string().contains("1 call:"), "{error}");
    }
}
