//! The token cache: lock-free reads, renewal before expiry on a task of its
//! own, one renewal shared by all concurrent callers, and a memory of failures
//! that protects the account.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

use secrecy::SecretString;

use crate::error::{Error, ErrorKind};
use crate::source::TokenSource;
use crate::store::{Entry, LOCK_WAIT, StoreKey, Times, TokenStore};
use crate::token::{AccessToken, RefreshToken, TokenGrant};

/// The longest safety margin before expiry (the official SDK's 30 s).
const MAX_MARGIN: Duration = Duration::from_secs(30);
/// After an early renewal failed for a transient reason, wait about this long
/// (jittered ±50 %) before trying early again.
const EARLY_RETRY_PAUSE: Duration = Duration::from_millis(500);
/// How long the first renewal that failed for good (wrong password, unknown
/// client) is answered from memory; each further failure in a row doubles it.
pub(crate) const FAILURE_BACKOFF_START: Duration = Duration::from_secs(2);
/// The longest a failure is answered from memory before the next try.
pub(crate) const FAILURE_BACKOFF_MAX: Duration = Duration::from_secs(15 * 60);
/// After the API's 401 led to a renewal, the next 401 on a fresh token leads
/// to another renewal only this much later: an API that rejects every token
/// must not cost a login per call.
pub(crate) const REJECTION_SPACING: Duration = Duration::from_secs(10);
/// Lifetimes are cut to this before instants are computed from them, so that
/// no grant (`Duration::MAX` included) can overflow the clock.
const LONGEST_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

/// Caches the access token of a [`TokenSource`] and renews it before it expires.
///
/// Every [`Authenticated`](crate::Authenticated) implementor owns one and
/// returns it from [`Authenticated::token_cache`](crate::Authenticated::token_cache).
/// How it behaves:
///
/// - **Hot path**: while the token is fresh, [`get`](Self::get) is one atomic
///   load, one clock read and one `Arc` clone. No lock, no I/O, no allocation.
/// - **Margins**: a token granted for `L` counts as stale at `L - m`, where
///   `m = min(L / 10, 30 s)`, measured on the monotonic clock from when its
///   request was sent: 30 s for UP42's 300 s tokens, 0.3 s for a 3 s token.
/// - **Renewals run on a task of their own** (spawned on the current tokio
///   runtime), never in a caller: during the early window `[L - 2m, L - m)`
///   the first caller starts one and every caller keeps getting the
///   still-valid token at once; once stale, callers wait for the renewal's
///   outcome. A caller that is cancelled (a timeout, a dropped task) does not
///   cancel the renewal: its token, and a rotated refresh token, are kept.
/// - **Single flight**: any number of concurrent callers cause one token
///   request; all of them get its result, success or error.
/// - **Renewal order**: the refresh grant while the refresh token lives, the
///   newest refresh token always kept; if the server no longer accepts it
///   ([`ErrorKind::RefreshTokenRejected`]), it is dropped for good and one
///   password login follows.
/// - **Rejected tokens**: [`invalidate`](Self::invalidate) drops a token the API
///   answered 401 to, but only if it is still the cached one.
/// - **Failures**: a renewal that failed for good (an error that is not
///   [retryable](Error::is_retryable), such as a changed password) is answered
///   from memory, without a request, for 2 s; each further failure in a row
///   doubles that, up to 15 minutes (plus up to 25 % jitter). The early renewal
///   honours it too. A success, or [`reset`](Self::reset) (new credentials),
///   forgets it. A polling worker whose password was changed thus sends 5
///   failed logins in the first minute, 8 or 9 in ten minutes, then at most 4
///   an hour: far below the lockout thresholds of Keycloak's brute-force
///   detection. A transient failure is not remembered: the next call tries again.
///
/// ```
/// use std::time::Duration;
/// use up42_auth::{Error, RefreshToken, TokenCache, TokenGrant, TokenSource, async_trait};
///
/// struct Fixed;
///
/// #[async_trait]
/// impl TokenSource for Fixed {
///     async fn request_token(&self, _refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
///         Ok(TokenGrant::new("a-token", Duration::from_secs(300)))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Error> {
/// let cache = TokenCache::new(Fixed);
/// let token = cache.get().await?; // asks the source
/// assert!(cache.get().await?.same_token(&token)); // cached
/// # Ok(())
/// # }
/// ```
///
/// Clones share one cache: one token, one renewal.
#[derive(Clone)]
pub struct TokenCache {
    shared: Arc<Shared>,
}

struct Shared {
    source: Box<dyn TokenSource>,
    /// Where tokens are shared with other processes, if anywhere.
    store: Option<Arc<dyn TokenStore>>,
    current: ArcSwapOption<Cached>,
    /// Bumped each time a renewal finishes, successful or not.
    generation: AtomicU64,
    /// Held for short, synchronous moments only; never across an await.
    state: Mutex<RenewalState>,
    /// When the API's 401 last led to a renewal.
    last_rejection: Mutex<Option<Instant>>,
}

struct Cached {
    token: AccessToken,
    /// From here on, one caller renews early.
    renew_from: Instant,
    /// From here on, the token is not handed out any more.
    stale_at: Instant,
}

struct Refresh {
    token: RefreshToken,
    /// `None`: the server gave no expiry.
    stale_at: Option<Instant>,
}

/// The outcome of a renewal, as its waiters see it: `None` while it runs.
type Outcome = Option<Result<AccessToken, Error>>;

/// What renewals share, under [`Shared::state`].
#[derive(Default)]
struct RenewalState {
    /// The newest refresh token; dropped as soon as the server refuses it.
    refresh: Option<Refresh>,
    /// The renewal under way, if any: its waiters subscribe here.
    in_flight: Option<watch::Receiver<Outcome>>,
    /// The outcome of the last renewal if it failed: handed to the callers
    /// that were waiting when it finished.
    last_failure: Option<Error>,
    /// How many renewals in a row failed for good.
    hard_failures: u32,
    /// Until then, renewals answer `last_failure` without a request.
    failed_until: Option<Instant>,
    /// No early renewal before this instant (set after an early renewal failed).
    early_not_before: Option<Instant>,
    /// Bumped by [`TokenCache::reset`]: a renewal started before it is discarded.
    epoch: u64,
}

/// The safety margin for a token granted for `lifetime`.
fn margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(MAX_MARGIN)
}

/// How long the `failures`-th failure in a row is remembered, before jitter:
/// 2 s, 4 s, 8 s, ... up to 15 minutes.
fn failure_backoff(failures: u32) -> Duration {
    FAILURE_BACKOFF_START
        .saturating_mul(1 << failures.saturating_sub(1).min(20))
        .min(FAILURE_BACKOFF_MAX)
}

impl Cached {
    /// The cache entry for `grant`, and its refresh token if it brought one.
    fn new(grant: TokenGrant, sent_at: Instant) -> Result<(Self, Option<Refresh>), Error> {
        let lifetime = grant.expires_in.min(LONGEST_LIFETIME);
        let token_margin = margin(lifetime);
        let token = AccessToken::new(grant.access_token, sent_at + lifetime)?;
        let refresh = grant.refresh.map(|(token, lifetime)| Refresh {
            token,
            stale_at: lifetime.map(|l| {
                let l = l.min(LONGEST_LIFETIME);
                sent_at + l - margin(l)
            }),
        });
        let cached = Cached {
            token,
            renew_from: sent_at + lifetime - token_margin * 2,
            stale_at: sent_at + lifetime - token_margin,
        };
        Ok((cached, refresh))
    }
}

impl Refresh {
    fn usable(&self, now: Instant) -> Option<RefreshToken> {
        self.stale_at
            .is_none_or(|at| now < at)
            .then(|| self.token.clone())
    }
}

/// A valid access token, on its way: what [`TokenCache::get`] and
/// [`Authenticated::access_token`](crate::Authenticated::access_token) return.
///
/// Ready at once, with no allocation, while the cached token is fresh or in
/// its early-renewal window; otherwise it waits for the renewal's outcome.
/// Only a [`TokenCache`] makes one, so the cache stays the source of truth.
#[must_use = "a token future does nothing until awaited"]
pub struct TokenFuture<'a> {
    state: TokenFutureState<'a>,
}

enum TokenFutureState<'a> {
    Ready(Option<Result<AccessToken, Error>>),
    Waiting(Pin<Box<dyn Future<Output = Result<AccessToken, Error>> + Send + 'a>>),
}

impl Future for TokenFuture<'_> {
    type Output = Result<AccessToken, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.state {
            TokenFutureState::Ready(outcome) => Poll::Ready(
                outcome
                    .take()
                    .expect("a TokenFuture is not polled after it completed"),
            ),
            TokenFutureState::Waiting(future) => future.as_mut().poll(cx),
        }
    }
}

impl fmt::Debug for TokenFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ready = matches!(self.state, TokenFutureState::Ready(_));
        f.debug_struct("TokenFuture").field("ready", &ready).finish()
    }
}

impl TokenCache {
    /// An empty cache of `source`'s tokens: the first [`get`](Self::get) asks
    /// the source.
    pub fn new(source: impl TokenSource) -> Self {
        Self::build(Box::new(source), None)
    }

    /// A cache of `source`'s tokens that shares them with other processes
    /// through `store`: each renewal first adopts a token a sibling stored,
    /// and otherwise renews under the store's lock (see [`TokenStore`]).
    /// The source names the entry with [`TokenSource::store_key`]; a source
    /// without a key keeps its tokens in memory.
    pub fn with_store(source: impl TokenSource, store: impl TokenStore) -> Self {
        Self::build(Box::new(source), Some(Arc::new(store)))
    }

    fn build(source: Box<dyn TokenSource>, store: Option<Arc<dyn TokenStore>>) -> Self {
        TokenCache {
            shared: Arc::new(Shared {
                source,
                store,
                current: ArcSwapOption::empty(),
                generation: AtomicU64::new(0),
                state: Mutex::new(RenewalState::default()),
                last_rejection: Mutex::new(None),
            }),
        }
    }

    /// A valid access token: the cached one while it is fresh, otherwise the
    /// outcome of a renewal (started on a task of its own if none is under way).
    ///
    /// Must be awaited inside a tokio runtime when a renewal is due.
    pub fn get(&self) -> TokenFuture<'_> {
        let shared = &self.shared;
        // Read before the token: a renewal that finishes after this point is seen below.
        let seen = shared.generation.load(Ordering::Acquire);
        let now = Instant::now();
        let early = match &*shared.current.load() {
            Some(cached) if now < cached.renew_from => return ready(Ok(cached.token.clone())),
            Some(cached) if now < cached.stale_at => Some(cached.token.clone()),
            _ => None,
        };
        let state = match early {
            Some(valid) => TokenFutureState::Ready(Some(Ok(shared.renew_early(valid)))),
            None => TokenFutureState::Waiting(Box::pin(Arc::clone(shared).renew_now(seen))),
        };
        TokenFuture { state }
    }

    /// The cached token if it is fresh (not yet due for renewal): one atomic
    /// load, one clock read, one `Arc` clone; no lock, no await, no allocation.
    /// `None` means [`get`](Self::get) has work to do.
    pub fn fresh(&self) -> Option<AccessToken> {
        let now = Instant::now();
        match &*self.shared.current.load() {
            Some(cached) if now < cached.renew_from => Some(cached.token.clone()),
            _ => None,
        }
    }

    /// Drops `token` if it is still the cached one, so that the next
    /// [`get`](Self::get) renews. A newer token is never thrown away. Returns
    /// whether `token` was dropped.
    pub fn invalidate(&self, token: &AccessToken) -> bool {
        let current = self.shared.current.load();
        let Some(cached) = current.as_ref().filter(|c| c.token.same_token(token)) else {
            return false;
        };
        let now = Instant::now();
        let dropped = Arc::new(Cached {
            token: cached.token.clone(),
            renew_from: now,
            stale_at: now,
        });
        let previous = self.shared.current.compare_and_swap(&*current, Some(dropped));
        let swapped = match (&*previous, &*current) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        if swapped {
            tracing::debug!("access token rejected by the API; the next call renews it");
        }
        swapped
    }

    /// The API answered 401 to `token`: returns whether sending again can get
    /// another answer. It can when a newer token is cached, when `token` was
    /// already dropped (the renewal is shared), or when `token` is dropped now;
    /// that last happens at most once every [`REJECTION_SPACING`], so an API
    /// that rejects every token does not cost a login per call.
    pub(crate) fn rejected_by_api(&self, token: &AccessToken) -> bool {
        let still_current = || {
            let now = Instant::now();
            matches!(&*self.shared.current.load(), Some(cached) if cached.token.same_token(token) && now < cached.stale_at)
        };
        if !still_current() {
            return true;
        }
        // Decided under the lock, so that of many callers rejected at once the
        // first drops the token and the others see it dropped.
        let mut last = lock(&self.shared.last_rejection);
        if !still_current() {
            return true;
        }
        let now = Instant::now();
        if last.is_some_and(|at| now < at + REJECTION_SPACING) {
            tracing::warn!(
                "the API rejected a token renewed after the last rejection; not renewing again for {REJECTION_SPACING:?}"
            );
            return false;
        }
        *last = Some(now);
        self.invalidate(token);
        true
    }

    /// Renews now, whatever the cached token's age, for code that knows better
    /// (a permission just granted, a token it saw rejected elsewhere). Single
    /// flight like any renewal: concurrent calls share one token request, and
    /// a remembered failure is answered from memory. See
    /// [`Up42Client::force_refresh`](crate::Up42Client::force_refresh) for an
    /// example.
    pub async fn force_refresh(&self) -> Result<AccessToken, Error> {
        if let Some(cached) = self.shared.current.load_full() {
            self.invalidate(&cached.token);
        }
        self.get().await
    }

    /// How long the cached token stays valid from now (zero once expired),
    /// read without a renewal; `None` before the first token. See
    /// [`Up42Client::token_valid_for`](crate::Up42Client::token_valid_for) for
    /// an example.
    pub fn valid_for(&self) -> Option<Duration> {
        self.shared
            .current
            .load()
            .as_ref()
            .map(|cached| cached.token.expires_in())
    }

    /// Forgets the tokens everywhere: removes the stored entry of the
    /// [`TokenStore`], if there is one, then [`reset`](Self::reset)s. The
    /// next [`get`](Self::get) logs in again.
    pub async fn forget(&self) -> Result<(), Error> {
        let stored = self.shared.store.as_ref().zip(self.shared.source.store_key());
        let removed = match stored {
            Some((store, key)) => store.remove(&key).await,
            None => Ok(()),
        };
        self.reset();
        removed
    }

    /// Forgets everything: the cached token, the refresh token and any
    /// remembered failure; a renewal under way is discarded when it ends. For
    /// new credentials: the next [`get`](Self::get) logs in with them at once.
    pub fn reset(&self) {
        let shared = &self.shared;
        let mut state = lock(&shared.state);
        *state = RenewalState {
            epoch: state.epoch + 1,
            ..RenewalState::default()
        };
        shared.current.store(None);
        *lock(&shared.last_rejection) = None;
        shared.generation.fetch_add(1, Ordering::AcqRel);
    }
}

fn ready(outcome: Result<AccessToken, Error>) -> TokenFuture<'static> {
    TokenFuture {
        state: TokenFutureState::Ready(Some(outcome)),
    }
}

/// A renewal's new entry and, if it brought one, its refresh token.
type Renewed = (Cached, Option<Refresh>);

/// What a store holds for a key, for a renewal.
enum Stored {
    /// A fresh token other than the one being replaced: adopted.
    Fresh(Renewed),
    /// Nothing fresh, but perhaps the newest refresh token.
    Stale(Option<RefreshToken>),
    /// No entry, or one that cannot be used (ignored, and overwritten later).
    Nothing,
    /// The store failed: renew without it.
    Unavailable,
}

/// Reads `key`'s entry; `held` is the token being replaced.
async fn load(store: &dyn TokenStore, key: &StoreKey, held: Option<&AccessToken>) -> Stored {
    let bytes = match store.load(key).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Stored::Nothing,
        Err(error) => {
            tracing::warn!(error = %store_error(&error), "the token store failed; renewing in memory");
            return Stored::Unavailable;
        }
    };
    let entry = match Entry::decode(&bytes) {
        Ok(entry) => entry,
        Err(reason) => {
            tracing::warn!(%reason, "ignoring the token store's entry; the next renewal overwrites it");
            return Stored::Nothing;
        }
    };
    let now = Instant::now();
    let times = entry.times();
    let refresh = entry.refresh_token().map(|token| Refresh {
        token: RefreshToken::new(token),
        stale_at: times.refresh_stale_at,
    });
    let replaced = held.is_some_and(|held| held.secret() == entry.access_token());
    if now < times.renew_from && !replaced {
        let token = AccessToken::new(SecretString::from(entry.access_token()), times.expires_at);
        if let Ok(token) = token {
            let cached = Cached {
                token,
                renew_from: times.renew_from,
                stale_at: times.stale_at,
            };
            return Stored::Fresh((cached, refresh));
        }
    }
    Stored::Stale(refresh.and_then(|r| r.usable(now)))
}

/// A store's error with its cause: the store's own message (a path, an I/O
/// error, Redis's answer), which the error's `Display` keeps out for token
/// sources in general.
fn store_error(error: &Error) -> String {
    match std::error::Error::source(error) {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}

/// Marks a renewal as one adopted from the store.
fn adopted(renewed: Renewed) -> Renewed {
    tracing::Span::current().record("grant", "stored");
    renewed
}

/// Saves a renewal's tokens; a failure is a warning, never the call's.
async fn save(store: &dyn TokenStore, key: &StoreKey, cached: &Cached, refresh: Option<&Refresh>) {
    let times = Times {
        expires_at: cached.token.expires_at(),
        renew_from: cached.renew_from,
        stale_at: cached.stale_at,
        refresh_stale_at: refresh.and_then(|r| r.stale_at),
    };
    let entry = Entry::new(cached.token.secret(), refresh.map(|r| r.token.secret()), &times);
    if let Err(error) = store.save(key, &entry.encode(), entry.ttl()).await {
        tracing::warn!(error = %store_error(&error), "the token store could not save the new tokens; other processes will renew on their own");
    }
}

/// Locks a mutex that is never held across an await or a panic-prone call;
/// a poisoned one is still consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// In the early window: starts a renewal unless one runs, one failed a
    /// moment ago, or a newer token is already there; never waits.
    fn renew_early(self: &Arc<Self>, valid: AccessToken) -> AccessToken {
        let now = Instant::now();
        let mut state = lock(&self.state);
        if let Some(cached) = self.current.load_full()
            && !cached.token.same_token(&valid)
            && now < cached.stale_at
        {
            return cached.token.clone();
        }
        let paused = [state.early_not_before, state.failed_until]
            .into_iter()
            .flatten()
            .any(|at| now < at);
        if state.in_flight.is_none() && !paused {
            self.start_renewal(&mut state, true);
        }
        valid
    }

    /// The token is stale or missing: joins the renewal under way, or starts one.
    async fn renew_now(self: Arc<Self>, seen: u64) -> Result<AccessToken, Error> {
        let mut outcome = {
            let mut state = lock(&self.state);
            if let Some(cached) = self.current.load_full()
                && Instant::now() < cached.stale_at
            {
                return Ok(cached.token.clone());
            }
            match &state.in_flight {
                Some(in_flight) => in_flight.clone(),
                None => {
                    let remembered = state.failed_until.is_some_and(|until| Instant::now() < until);
                    if (remembered || self.generation.load(Ordering::Acquire) != seen)
                        && let Some(error) = &state.last_failure
                    {
                        return Err(error.clone());
                    }
                    self.start_renewal(&mut state, false)
                }
            }
        };
        match outcome.wait_for(Option::is_some).await {
            Ok(done) => done.clone().expect("waited for an outcome"),
            Err(_) => Err(Error::token_source(
                true,
                "the token renewal ended without an outcome (its runtime shut down)",
            )),
        }
    }

    /// Spawns the renewal task; the caller holds the state lock.
    fn start_renewal(self: &Arc<Self>, state: &mut RenewalState, early: bool) -> watch::Receiver<Outcome> {
        let (done, outcome) = watch::channel(None);
        state.in_flight = Some(outcome.clone());
        let refresh = state.refresh.as_ref().and_then(|r| r.usable(Instant::now()));
        let epoch = state.epoch;
        let shared = Arc::clone(self);
        // One span per renewal: which grant, its outcome, how long it took and
        // how long the new token lives (never the token).
        let span = tracing::info_span!(
            "up42.token_renewal",
            early,
            grant = Empty,
            outcome = Empty,
            took_ms = Empty,
            valid_for_s = Empty,
        );
        tokio::spawn(
            async move {
                let result = shared.renew(refresh, epoch, early).await;
                // Nobody may be waiting any more: the outcome is kept all the same.
                let _ = done.send(Some(result));
            }
            .instrument(span),
        );
        outcome
    }

    /// One renewal: the refresh grant first if there is a refresh token, a
    /// login if there is none or it was refused; then the outcome is recorded.
    async fn renew(
        &self,
        refresh: Option<RefreshToken>,
        epoch: u64,
        early: bool,
    ) -> Result<AccessToken, Error> {
        let started = Instant::now();
        let span = tracing::Span::current();
        let stored = self.store.as_ref().zip(self.source.store_key());
        let (outcome, refused_refresh) = match stored {
            Some((store, key)) => self.renew_through(store.as_ref(), &key, refresh).await,
            None => self.renew_from_source(refresh).await,
        };
        span.record("took_ms", started.elapsed().as_millis() as u64);
        match &outcome {
            Ok((cached, _)) => {
                span.record("outcome", "ok");
                span.record("valid_for_s", cached.token.expires_in().as_secs())
            }
            Err(error) => span.record("outcome", error.kind().name()),
        };
        let mut state = lock(&self.state);
        if state.epoch != epoch {
            // `reset` ran meanwhile: this outcome belongs to the old credentials.
            return outcome.map(|(cached, _)| cached.token);
        }
        if refused_refresh {
            // Never sent again, whatever the login's outcome.
            state.refresh = None;
        }
        let result = match outcome {
            Ok((cached, refresh)) => {
                tracing::debug!(expires_in = ?cached.token.expires_in(), "access token renewed");
                let token = cached.token.clone();
                self.current.store(Some(Arc::new(cached)));
                // A grant without a refresh token keeps the one we have.
                let refresh = refresh.or(state.refresh.take());
                *state = RenewalState {
                    refresh,
                    epoch,
                    ..RenewalState::default()
                };
                Ok(token)
            }
            Err(error) => {
                if error.is_retryable() {
                    state.failed_until = None;
                } else {
                    state.hard_failures = state.hard_failures.saturating_add(1);
                    let memory = failure_backoff(state.hard_failures).mul_f64(1.0 + fastrand::f64() / 4.0);
                    tracing::warn!(
                        %error,
                        failures_in_a_row = state.hard_failures,
                        next_try_in = ?memory,
                        "token renewal failed for good; answering from memory until the next try"
                    );
                    state.failed_until = Some(Instant::now() + memory);
                }
                if early {
                    tracing::warn!(%error, "early token renewal failed; the current token stays in use");
                    state.early_not_before =
                        Some(Instant::now() + EARLY_RETRY_PAUSE.mul_f64(0.5 + fastrand::f64()));
                }
                state.last_failure = Some(error.clone());
                Err(error)
            }
        };
        state.in_flight = None;
        self.generation.fetch_add(1, Ordering::AcqRel);
        result
    }

    /// A renewal by the source alone: the refresh grant first if there is a
    /// refresh token, a login if there is none or it was refused (then the
    /// flag is set).
    async fn renew_from_source(&self, refresh: Option<RefreshToken>) -> (Result<Renewed, Error>, bool) {
        let span = tracing::Span::current();
        span.record(
            "grant",
            if refresh.is_some() {
                "refresh_token"
            } else {
                "password"
            },
        );
        let mut refused_refresh = false;
        let outcome = match &refresh {
            Some(refresh_token) => {
                let sent_at = Instant::now();
                match self.source.request_token(Some(refresh_token)).await {
                    Err(error) if error.kind() == ErrorKind::RefreshTokenRejected => {
                        tracing::debug!(%error, "refresh token rejected; logging in again");
                        span.record("grant", "refresh_token, then password");
                        refused_refresh = true;
                        self.login().await
                    }
                    other => other.map(|grant| (grant, sent_at)),
                }
            }
            None => self.login().await,
        };
        (
            outcome.and_then(|(grant, sent_at)| Cached::new(grant, sent_at)),
            refused_refresh,
        )
    }

    /// A renewal shared with other processes through `store` (see
    /// [`TokenStore`]): a sibling's fresh token is adopted; otherwise the
    /// renewal runs under the store's lock, with the stored refresh token, and
    /// its outcome is saved. Any failure of the store leaves the renewal to
    /// the source alone.
    async fn renew_through(
        &self,
        store: &dyn TokenStore,
        key: &StoreKey,
        refresh: Option<RefreshToken>,
    ) -> (Result<Renewed, Error>, bool) {
        // The token being replaced (stale, early or rejected): never adopted back.
        let held = self.current.load_full().map(|cached| cached.token.clone());
        match load(store, key, held.as_ref()).await {
            Stored::Fresh(renewed) => return (Ok(adopted(renewed)), false),
            Stored::Unavailable => return self.renew_from_source(refresh).await,
            Stored::Stale(_) | Stored::Nothing => {}
        }
        let lock = match store.lock(key, LOCK_WAIT).await {
            Ok(lock) => Some(lock),
            Err(error) => {
                tracing::warn!(error = %store_error(&error), "the token store's renewal lock could not be had; renewing without it");
                None
            }
        };
        // A sibling may have renewed while this process waited for the lock.
        let newest = match load(store, key, held.as_ref()).await {
            Stored::Fresh(renewed) => Err(adopted(renewed)),
            Stored::Stale(Some(newest)) => Ok(Some(newest)),
            Stored::Stale(None) | Stored::Nothing | Stored::Unavailable => Ok(refresh),
        };
        let (outcome, refused) = match newest {
            Err(renewed) => (Ok(renewed), false),
            Ok(refresh) => {
                let (outcome, refused) = self.renew_from_source(refresh).await;
                if let Ok((cached, refresh)) = &outcome {
                    save(store, key, cached, refresh.as_ref()).await;
                }
                (outcome, refused)
            }
        };
        if let Some(lock) = lock
            && let Err(error) = lock.release().await
        {
            tracing::warn!(error = %store_error(&error), "the token store's renewal lock could not be released; it expires on its own");
        }
        (outcome, refused)
    }

    async fn login(&self) -> Result<(TokenGrant, Instant), Error> {
        let sent_at = Instant::now();
        self.source
            .request_token(None)
            .await
            .map(|grant| (grant, sent_at))
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let current = self.shared.current.load();
        let mut debug = f.debug_struct("TokenCache");
        match current.as_ref() {
            Some(cached) => debug.field("token", &cached.token),
            None => debug.field("token", &None::<AccessToken>),
        };
        let state = lock(&self.shared.state);
        debug
            .field("has_refresh_token", &state.refresh.is_some())
            .field("renewing", &state.in_flight.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;
    use std::sync::atomic::AtomicBool;

    use async_trait::async_trait;

    #[test]
    fn margin_scales_with_lifetime() {
        assert_eq!(margin(Duration::from_secs(300)), Duration::from_secs(30));
        assert_eq!(margin(Duration::from_secs(3600)), Duration::from_secs(30));
        assert_eq!(margin(Duration::from_secs(3)), Duration::from_millis(300));
        assert_eq!(margin(Duration::from_secs(1)), Duration::from_millis(100));
    }

    #[test]
    fn failure_backoff_doubles_up_to_fifteen_minutes() {
        let secs: Vec<u64> = (1..=11).map(|n| failure_backoff(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
        assert_eq!(failure_backoff(u32::MAX), FAILURE_BACKOFF_MAX);
    }

    /// A token source whose answers the test scripts, recording what it was sent.
    struct Scripted {
        lifetime: Duration,
        /// How long each answer takes.
        delay: StdMutex<Duration>,
        password_ok: AtomicBool,
        refresh_ok: AtomicBool,
        /// When each password login was tried.
        logins: StdMutex<Vec<Instant>>,
        /// Each refresh token sent, in order.
        refreshes: StdMutex<Vec<String>>,
        issued: AtomicU64,
    }

    impl Scripted {
        /// The source, and a cache of it.
        fn new(lifetime: Duration) -> (Arc<Self>, TokenCache) {
            let source = Arc::new(Scripted {
                lifetime,
                delay: StdMutex::default(),
                password_ok: AtomicBool::new(true),
                refresh_ok: AtomicBool::new(true),
                logins: StdMutex::default(),
                refreshes: StdMutex::default(),
                issued: AtomicU64::new(0),
            });
            let cache = TokenCache::new(Arc::clone(&source));
            (source, cache)
        }

        fn grant(&self) -> TokenGrant {
            let n = self.issued.fetch_add(1, Ordering::SeqCst);
            TokenGrant::new(format!("access-{n}"), self.lifetime)
                .with_refresh_token(format!("refresh-{n}"), Some(Duration::from_secs(1800)))
        }

        fn logins(&self) -> Vec<Instant> {
            self.logins.lock().unwrap().clone()
        }

        fn refreshes(&self) -> Vec<String> {
            self.refreshes.lock().unwrap().clone()
        }
    }

    #[async_trait]
    impl TokenSource for Scripted {
        async fn request_token(&self, refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
            let delay = *self.delay.lock().unwrap();
            tokio::time::sleep(delay).await;
            match refresh {
                Some(refresh) => {
                    self.refreshes.lock().unwrap().push(refresh.secret().to_string());
                    match self.refresh_ok.load(Ordering::SeqCst) {
                        true => Ok(self.grant()),
                        false => Err(Error::refresh_token_rejected("Session not active")),
                    }
                }
                None => {
                    self.logins.lock().unwrap().push(Instant::now());
                    match self.password_ok.load(Ordering::SeqCst) {
                        true => Ok(self.grant()),
                        false => Err(Error::invalid_credentials(
                            "me@example.com",
                            "Invalid user credentials",
                        )),
                    }
                }
            }
        }
    }

    /// Calls `get` every `every` until `until`; counts the calls that failed.
    async fn poll(cache: &TokenCache, every: Duration, until: Instant) -> usize {
        let mut failed = 0;
        while Instant::now() < until {
            if cache.get().await.is_err() {
                failed += 1;
            }
            tokio::time::sleep(every).await;
        }
        failed
    }

    #[tokio::test(start_paused = true)]
    async fn a_changed_password_costs_a_handful_of_logins_a_minute() {
        let (source, cache) = Scripted::new(Duration::from_secs(300));
        cache.get().await.unwrap();
        let start = Instant::now();
        // The password changes and the sessions end: refresh and password both fail.
        source.password_ok.store(false, Ordering::SeqCst);
        source.refresh_ok.store(false, Ordering::SeqCst);
        // A worker polling every 100 ms through the early window, expiry and
        // an hour beyond.
        let failed_calls = poll(
            &cache,
            Duration::from_millis(100),
            start + Duration::from_secs(240 + 3600),
        )
        .await;

        let failures: Vec<Duration> = source.logins()[1..]
            .iter()
            .map(|at| at.duration_since(start))
            .collect();
        // The early window opens at 240 s (300 s - 2 × 30 s); its first renewal is the first failure.
        let first = failures[0];
        assert!(
            first >= Duration::from_secs(240) && first < Duration::from_millis(240_200),
            "{first:?}"
        );
        let within = |window: u64| {
            failures
                .iter()
                .filter(|at| **at < first + Duration::from_secs(window))
                .count()
        };
        assert_eq!(within(60), 5, "failed logins in the first minute: {failures:?}");
        assert!(
            (8..=9).contains(&within(600)),
            "failed logins in ten minutes: {failures:?}"
        );
        assert!(within(3600) <= 13, "failed logins in an hour: {failures:?}");
        // The refresh token the server refused is never sent again.
        assert_eq!(source.refreshes(), ["refresh-0"]);
        // Callers get the valid token until it is stale, then the remembered error, at once.
        assert!(failed_calls > 30_000, "{failed_calls}");
    }

    #[tokio::test(start_paused = true)]
    async fn success_and_reset_forget_the_failure() {
        let (source, cache) = Scripted::new(Duration::from_secs(60));
        source.password_ok.store(false, Ordering::SeqCst);
        let tried = |after: Duration, logins: usize| {
            let (source, cache) = (&source, &cache);
            async move {
                tokio::time::sleep(after).await;
                let outcome = cache.get().await.map(|_| ());
                assert_eq!(outcome.unwrap_err().kind(), ErrorKind::InvalidCredentials);
                assert_eq!(source.logins().len(), logins, "after {after:?}");
            }
        };
        tried(Duration::ZERO, 1).await; // remembered for 2–2.5 s
        tried(Duration::from_secs(1), 1).await;
        tried(Duration::from_secs(2), 2).await; // at 3 s: remembered for 4–5 s
        tried(Duration::from_secs(3), 2).await;

        // New credentials: tried at once, whatever was remembered.
        source.password_ok.store(true, Ordering::SeqCst);
        cache.reset();
        assert_eq!(cache.get().await.unwrap().secret(), "access-0");
        assert_eq!(source.logins().len(), 3);

        // After a success, a new failure is remembered for 2–2.5 s only.
        source.password_ok.store(false, Ordering::SeqCst);
        source.refresh_ok.store(false, Ordering::SeqCst);
        cache.reset();
        tried(Duration::ZERO, 4).await;
        tried(Duration::from_millis(1900), 4).await; // a fresh start: 2–2.5 s
        tried(Duration::from_millis(700), 5).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_rejected_refresh_token_is_dropped_and_the_login_keeps_going() {
        let (source, cache) = Scripted::new(Duration::from_secs(60));
        let first = cache.get().await.unwrap();
        source.refresh_ok.store(false, Ordering::SeqCst);
        cache.invalidate(&first);
        // refresh-0 is refused; the login that follows brings refresh-1.
        assert_eq!(cache.get().await.unwrap().secret(), "access-1");
        source.refresh_ok.store(true, Ordering::SeqCst);
        let second = cache.get().await.unwrap();
        cache.invalidate(&second);
        assert_eq!(cache.get().await.unwrap().secret(), "access-2");
        assert_eq!(source.refreshes(), ["refresh-0", "refresh-1"]);
        assert_eq!(source.logins().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn an_api_that_rejects_every_token_costs_one_login_per_spacing() {
        let (source, cache) = Scripted::new(Duration::from_secs(300));
        source.refresh_ok.store(false, Ordering::SeqCst);
        let mut renewals_allowed = 0;
        // Every call's token is answered 401, one call every 100 ms for a minute.
        let until = Instant::now() + Duration::from_secs(60);
        while Instant::now() < until {
            let token = cache.get().await.unwrap();
            if cache.rejected_by_api(&token) {
                renewals_allowed += 1;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(renewals_allowed, 6, "one per 10 s");
        assert_eq!(source.logins().len(), 7, "the first login and one per renewal");
    }

    #[tokio::test(start_paused = true)]
    async fn callers_waiting_on_a_dropped_token_still_resend() {
        let (_source, cache) = Scripted::new(Duration::from_secs(300));
        let token = cache.get().await.unwrap();
        assert!(cache.rejected_by_api(&token), "the first 401 drops it");
        assert!(cache.rejected_by_api(&token), "already dropped: a renewal is due");
        let newer = cache.get().await.unwrap();
        assert!(cache.rejected_by_api(&token), "a newer token is cached");
        assert!(
            !cache.rejected_by_api(&newer),
            "the newer one is rejected too soon"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn endless_lifetimes_do_not_overflow_the_clock() {
        let (_source, cache) = Scripted::new(Duration::MAX);
        let token = cache.get().await.unwrap();
        assert!(cache.fresh().is_some_and(|t| t.same_token(&token)));
        assert!(token.expires_in() > Duration::from_secs(300 * 24 * 3600));
    }

    #[tokio::test(start_paused = true)]
    async fn nobody_waits_for_an_early_renewal() {
        let (source, cache) = Scripted::new(Duration::from_secs(300));
        let first = cache.get().await.unwrap();
        *source.delay.lock().unwrap() = Duration::from_secs(5);
        tokio::time::sleep(Duration::from_secs(245)).await; // inside [240 s, 270 s)
        let started = Instant::now();
        for _ in 0..100 {
            assert!(cache.get().await.unwrap().same_token(&first));
        }
        // On the paused clock, any wait for the 5 s answer would have moved time.
        assert_eq!(started.elapsed(), Duration::ZERO);
        tokio::time::sleep(Duration::from_secs(6)).await;
        let renewed = cache.fresh().expect("renewed in the background");
        assert_eq!(renewed.secret(), "access-1");
        assert_eq!(source.refreshes(), ["refresh-0"], "one renewal for 100 callers");
    }

    #[tokio::test(start_paused = true)]
    async fn force_refresh_renews_once_for_concurrent_callers() {
        let (source, cache) = Scripted::new(Duration::from_secs(300));
        assert_eq!(cache.valid_for(), None);
        let first = cache.get().await.unwrap();
        tokio::time::sleep(Duration::from_secs(100)).await;
        assert_eq!(cache.valid_for(), Some(Duration::from_secs(200)));
        *source.delay.lock().unwrap() = Duration::from_millis(100);
        let cache = Arc::new(cache);
        let callers: Vec<_> = (0..10)
            .map(|_| {
                let cache = Arc::clone(&cache);
                tokio::spawn(async move { cache.force_refresh().await.unwrap() })
            })
            .collect();
        let mut renewed = Vec::new();
        for caller in callers {
            renewed.push(caller.await.unwrap());
        }
        assert!(
            renewed
                .iter()
                .all(|t| t.same_token(&renewed[0]) && !t.same_token(&first))
        );
        assert_eq!(source.refreshes(), ["refresh-0"], "one renewal for ten callers");
        assert_eq!(
            cache.valid_for(),
            Some(Duration::from_secs(300) - Duration::from_millis(100))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_caller_does_not_cancel_the_renewal() {
        let (source, cache) = Scripted::new(Duration::from_secs(300));
        let first = cache.get().await.unwrap();
        cache.invalidate(&first);
        *source.delay.lock().unwrap() = Duration::from_secs(5);
        let gave_up = tokio::time::timeout(Duration::from_secs(1), cache.get()).await;
        assert!(gave_up.is_err(), "the only caller gave up");
        tokio::time::sleep(Duration::from_secs(5)).await;
        // The renewal finished all the same; its rotated refresh token is the one kept.
        assert_eq!(cache.fresh().unwrap().secret(), "access-1");
        cache.invalidate(&cache.fresh().unwrap());
        cache.get().await.unwrap();
        assert_eq!(source.refreshes(), ["refresh-0", "refresh-1"]);
        assert_eq!(source.logins().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_renewal_and_its_error() {
        let (source, cache) = Scripted::new(Duration::from_secs(300));
        source.password_ok.store(false, Ordering::SeqCst);
        *source.delay.lock().unwrap() = Duration::from_millis(200);
        let cache = Arc::new(cache);
        let callers: Vec<_> = (0..50)
            .map(|_| {
                let cache = Arc::clone(&cache);
                tokio::spawn(async move { cache.get().await.map(|_| ()).unwrap_err().kind() })
            })
            .collect();
        for caller in callers {
            assert_eq!(caller.await.unwrap(), ErrorKind::InvalidCredentials);
        }
        assert_eq!(source.logins().len(), 1);
    }
}
