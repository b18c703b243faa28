//! Waits that end: [`Wait`] looks at a resource until UP42 says it is
//! settled, with growing pauses, a time limit and a progress callback.
//! Orders ([`Orders::wait`](crate::orders::Orders::wait)) and processing
//! jobs ([`Jobs::wait`](crate::processing::Jobs::wait)) are waited for with it.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use up42_auth::poll;

use crate::Result;

/// One look at the resource.
type Look<T> = Box<dyn FnMut() -> Pin<Box<dyn Future<Output = Result<T>> + Send>> + Send>;

/// What [`Wait::on_progress`] calls.
type Progress<T> = Box<dyn FnMut(&T) + Send>;

/// A wait for a resource to settle; `.await` it for how it ended (`O`).
///
/// It looks every 5 s at first, then half as long again each time, up to
/// every 60 s, for at most 24 hours
/// ([`DEFAULT_POLL_TIMEOUT`](up42_auth::poll::DEFAULT_POLL_TIMEOUT)), unless
/// told otherwise. Each look
/// retries its own transient failures; an error it still returns ends the
/// wait with that error. When the time is up the wait ends with an
/// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) error.
#[must_use = "a wait does nothing until it is awaited"]
pub struct Wait<T, O = T> {
    look: Look<T>,
    settled: fn(&T) -> bool,
    outcome: fn(T) -> O,
    every: Option<Duration>,
    max_interval: Option<Duration>,
    timeout: Option<Duration>,
    progress: Option<Progress<T>>,
}

impl<T: Send + 'static, O> Wait<T, O> {
    /// A wait that calls `look` until `settled` says yes, then answers `outcome` of it.
    pub(crate) fn new<F, Fut>(mut look: F, settled: fn(&T) -> bool, outcome: fn(T) -> O) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
    {
        Wait {
            look: Box::new(move || Box::pin(look())),
            settled,
            outcome,
            every: None,
            max_interval: None,
            timeout: None,
            progress: None,
        }
    }

    /// The first pause between two looks (default 5 s); later pauses grow
    /// by half each time, up to [`max_interval`](Self::max_interval).
    pub fn every(mut self, interval: Duration) -> Self {
        self.every = Some(interval);
        self
    }

    /// The longest pause between two looks (default 60 s).
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = Some(interval);
        self
    }

    /// How long to wait in all (default 24 hours).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Called with the resource each time the wait looks at it, the last time included.
    pub fn on_progress(mut self, progress: impl FnMut(&T) + Send + 'static) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }
}

impl<T: Send + 'static, O: 'static> IntoFuture for Wait<T, O> {
    type Output = Result<O>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<O>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        let Wait {
            mut look,
            settled,
            outcome,
            every,
            max_interval,
            timeout,
            mut progress,
        } = self;
        Box::pin(async move {
            let mut poller = poll(&mut look).until(move |resource: &T| {
                if let Some(progress) = progress.as_mut() {
                    progress(resource);
                }
                settled(resource)
            });
            if let Some(every) = every {
                poller = poller.every(every);
            }
            if let Some(max) = max_interval {
                poller = poller.max_interval(max);
            }
            if let Some(timeout) = timeout {
                poller = poller.timeout(timeout);
            }
            poller.await.map(outcome)
        })
    }
}

impl<T, O> fmt::Debug for Wait<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("every", &self.every)
            .field("max_interval", &self.max_interval)
            .field("timeout", &self.timeout)
            .field("on_progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}
