//! The token cache: lock-free reads, renewal before expiry on a task of its
//! own, one renewal shared by all concurrent callers, and a memory of failures
//! that protects the account.
//!
//! The handle ([`TokenCache`]) is here; [`future`] is what callers await,
//! [`renewal`] the state machine, [`sharing`] the protocol with other processes.

mod future;
mod renewal;
mod sharing;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use tokio::time::Instant;

pub use future::TokenFuture;
use future::{TokenFutureState, ready};
use renewal::{Cached, RenewalState};

use crate::auth::source::TokenSource;
use crate::auth::token::AccessToken;
use crate::error::Error;
use crate::store::TokenStore;
use crate::sync::lock;

/// After the API's 401 led to a renewal, the next 401 on a fresh token leads
/// to another renewal only this much later: an API that rejects every token
/// must not cost a login per call.
pub(crate) const REJECTION_SPACING: Duration = Duration::from_secs(10);

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
///   ([`ErrorKind::RefreshTokenRejected`](crate::ErrorKind::RefreshTokenRejected)), it is dropped for good and one
///   password login follows.
/// - **Rejected tokens**: [`report_rejected`](Self::report_rejected) drops a
///   token the API answered 401 to, only if it is still the cached one, and
///   at most once every 10 s: an API that rejects every token does not cost
///   a login per call. Endpoint calls report their 401s themselves.
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
/// use up42_auth::{Error, async_trait, auth::{RefreshToken, TokenCache, TokenGrant, TokenSource}};
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
    /// Shared with the blocking pool, where a sealed store key is derived.
    source: Arc<dyn TokenSource>,
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

impl TokenCache {
    /// An empty cache of `source`'s tokens: the first [`get`](Self::get) asks
    /// the source.
    pub fn new(source: impl TokenSource) -> Self {
        Self::build(Arc::new(source), None)
    }

    /// A cache of `source`'s tokens that shares them with other processes
    /// through `store`: each renewal first adopts a token a sibling stored,
    /// and otherwise renews under the store's lock (see [`TokenStore`]).
    /// The source names the entry with [`TokenSource::store_key`]; a source
    /// without a key keeps its tokens in memory.
    pub fn with_store(source: impl TokenSource, store: impl TokenStore) -> Self {
        Self::build(Arc::new(source), Some(Arc::new(store)))
    }

    fn build(source: Arc<dyn TokenSource>, store: Option<Arc<dyn TokenStore>>) -> Self {
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
    fn invalidate(&self, token: &AccessToken) -> bool {
        let current = self.shared.current.load();
        let Some(cached) = current.as_ref().filter(|c| c.token.same_token(token)) else {
            return false;
        };
        let now = Instant::now();
        let dropped = Arc::new(Cached {
            token: cached.token.clone(),
            renew_from: now,
            stale_at: now,
            issued_at: cached.issued_at,
            lifetime: cached.lifetime,
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

    /// Reports that the API answered 401 to `token`, and returns whether
    /// sending again (with [`get`](Self::get)'s token) can get another answer.
    /// It can when a newer token is cached, when `token` was already dropped
    /// (the renewal is shared), or when `token` is dropped now; that last
    /// happens at most once every 10 s, so an API that rejects every token
    /// does not cost a login per call. A newer token is never thrown away.
    ///
    /// Endpoint calls do this themselves; call it from code that sends its
    /// own requests with the token:
    ///
    /// ```no_run
    /// # async fn run(client: up42_auth::Up42Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use up42_auth::Authenticated;
    ///
    /// let token = client.access_token().await?;
    /// let status = client
    ///     .http_client()
    ///     .get(client.api_url().join("v2/orders").unwrap())
    ///     .header("Authorization", token.bearer_header())
    ///     .send()
    ///     .await?
    ///     .status();
    /// if status == 401 && client.token_cache().report_rejected(&token) {
    ///     let fresh = client.access_token().await?; // renewed once for every caller
    ///     // ... send again with `fresh`
    /// }
    /// # Ok(()) }
    /// ```
    pub fn report_rejected(&self, token: &AccessToken) -> bool {
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
    /// (a permission just granted): a token request is sent, also in a fresh
    /// process whose token store holds a fresh token (it is not adopted).
    /// Single flight like any renewal: concurrent calls share one token
    /// request, and a remembered failure is answered from memory.
    ///
    /// ```no_run
    /// # async fn run(client: up42_auth::Up42Client) -> Result<(), up42_auth::Error> {
    /// use up42_auth::Authenticated;
    ///
    /// // A role was just granted to the account: the next calls should carry it.
    /// let renewed = client.token_cache().force_refresh().await?;
    /// println!("a new token, valid for {:?}", renewed.expires_in());
    /// # Ok(()) }
    /// ```
    pub async fn force_refresh(&self) -> Result<AccessToken, Error> {
        // Nor is a token a sibling process stored before now adopted in its place.
        lock(&self.shared.state).forced_at = Some(Instant::now());
        if let Some(cached) = self.shared.current.load_full() {
            self.invalidate(&cached.token);
        }
        self.get().await
    }

    /// Logs in with the credentials now: a password grant, whatever tokens
    /// this process or its token store holds (none is adopted, no refresh
    /// token is sent), even while a refusal is remembered; its tokens are
    /// cached and shared through the store like any renewal's. For checking
    /// credentials in one token request (`up42 login` does it before it
    /// saves them). A renewal already under way is joined; the login follows it.
    ///
    /// ```no_run
    /// # async fn run(client: up42_auth::Up42Client) -> Result<(), up42_auth::Error> {
    /// use up42_auth::Authenticated;
    ///
    /// client.token_cache().log_in().await?; // fails with InvalidCredentials on a wrong password
    /// # Ok(()) }
    /// ```
    pub async fn log_in(&self) -> Result<AccessToken, Error> {
        {
            let mut state = lock(&self.shared.state);
            state.forced_at = Some(Instant::now());
            state.log_in = true;
            state.failed_until = None;
        }
        if let Some(cached) = self.shared.current.load_full() {
            self.invalidate(&cached.token);
        }
        self.get().await
    }

    /// How long the cached token stays valid from now (zero once expired),
    /// read without a renewal; `None` before the first token.
    ///
    /// ```no_run
    /// # async fn run(client: up42_auth::Up42Client) -> Result<(), up42_auth::Error> {
    /// use std::time::Duration;
    /// use up42_auth::Authenticated;
    ///
    /// let cache = client.token_cache();
    /// if cache.valid_for().is_none_or(|left| left < Duration::from_secs(60)) {
    ///     cache.force_refresh().await?; // before a long upload, say
    /// }
    /// # Ok(()) }
    /// ```
    pub fn valid_for(&self) -> Option<Duration> {
        self.shared
            .current
            .load()
            .as_ref()
            .map(|cached| cached.token.expires_in())
    }

    /// Waits for a renewal under way, if any, to end, its outcome saved to
    /// the [`TokenStore`]: call it before a short-lived process exits. An
    /// early renewal runs in the background; a runtime that shuts down under
    /// it loses the tokens it got, and where the token server rotates
    /// refresh tokens, the fleet's next renewal then finds the stored one
    /// spent and logs in again.
    ///
    /// ```
    /// # async fn run(client: up42_auth::Up42Client) {
    /// use up42_auth::Authenticated;
    /// // ... the process's calls ...
    /// client.token_cache().settle().await;
    /// # }
    /// ```
    pub async fn settle(&self) {
        let in_flight = lock(&self.shared.state).in_flight.clone();
        if let Some(mut outcome) = in_flight {
            let _ = outcome.wait_for(Option::is_some).await;
        }
    }

    /// Forgets the tokens everywhere: removes the stored entry of the
    /// [`TokenStore`], if there is one, so that no process of this account
    /// adopts them again, then [`reset`](Self::reset)s. The
    /// next [`get`](Self::get) logs in again.
    pub async fn forget(&self) -> Result<(), Error> {
        let removed = match self.shared.stored().await {
            Some((store, key)) => {
                match tokio::time::timeout(crate::store::STORE_TIMEOUT, store.remove(&key)).await {
                    Ok(removed) => removed,
                    Err(_) => Err(Error::store(
                        true,
                        format!(
                            "the entry was not removed within {:?}",
                            crate::store::STORE_TIMEOUT
                        ),
                        None,
                    )),
                }
            }
            None => Ok(()),
        };
        self.reset();
        removed
    }

    /// Forgets everything: the cached token, the refresh token and any
    /// remembered failure; a renewal under way is discarded when it ends. For
    /// new credentials: the next [`get`](Self::get) logs in with them at once,
    /// even while the token store remembers a refusal of the same credentials
    /// (its outcome then replaces that memory).
    pub fn reset(&self) {
        let shared = &self.shared;
        let mut state = lock(&shared.state);
        *state = RenewalState {
            epoch: state.epoch + 1,
            retry_now: true,
            ..RenewalState::default()
        };
        shared.current.store(None);
        *lock(&shared.last_rejection) = None;
        shared.generation.fetch_add(1, Ordering::AcqRel);
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
