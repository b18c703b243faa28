//! The renewal state machine: when a token counts as stale, one renewal at a
//! time on a task of its own, the refresh grant before the password, and the
//! memory of failures that protects the account.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

use super::{Shared, lock};
use crate::auth::token::{AccessToken, RefreshToken, TokenGrant};
use crate::error::{Error, ErrorKind};

/// The longest safety margin before expiry (the official SDK's 30 s).
pub(super) const MAX_MARGIN: Duration = Duration::from_secs(30);
/// After an early renewal failed for a transient reason, wait about this long
/// (jittered ±50 %) before trying early again.
pub(super) const EARLY_RETRY_PAUSE: Duration = Duration::from_millis(500);
/// How long the first renewal that failed for good (wrong password, unknown
/// client) is answered from memory; each further failure in a row doubles it.
pub(super) const FAILURE_BACKOFF_START: Duration = Duration::from_secs(2);
/// The longest a failure is answered from memory before the next try.
pub(super) const FAILURE_BACKOFF_MAX: Duration = Duration::from_secs(15 * 60);
/// Lifetimes are cut to this before instants are computed from them, so that
/// no grant (`Duration::MAX` included) can overflow the clock.
pub(super) const LONGEST_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

pub(super) struct Cached {
    pub(super) token: AccessToken,
    /// From here on, one caller renews early.
    pub(super) renew_from: Instant,
    /// From here on, the token is not handed out any more.
    pub(super) stale_at: Instant,
}

pub(super) struct Refresh {
    pub(super) token: RefreshToken,
    /// `None`: the server gave no expiry.
    pub(super) stale_at: Option<Instant>,
}

/// The outcome of a renewal, as its waiters see it: `None` while it runs.
pub(super) type Outcome = Option<Result<AccessToken, Error>>;

/// What renewals share, under [`Shared::state`].
#[derive(Default)]
pub(super) struct RenewalState {
    /// The newest refresh token; dropped as soon as the server refuses it.
    pub(super) refresh: Option<Refresh>,
    /// The renewal under way, if any: its waiters subscribe here.
    pub(super) in_flight: Option<watch::Receiver<Outcome>>,
    /// The outcome of the last renewal if it failed: handed to the callers
    /// that were waiting when it finished.
    pub(super) last_failure: Option<Error>,
    /// How many renewals in a row failed for good.
    pub(super) hard_failures: u32,
    /// Until then, renewals answer `last_failure` without a request.
    pub(super) failed_until: Option<Instant>,
    /// No early renewal before this instant (set after an early renewal failed).
    pub(super) early_not_before: Option<Instant>,
    /// Bumped by [`TokenCache::reset`]: a renewal started before it is discarded.
    pub(super) epoch: u64,
}

/// The safety margin for a token granted for `lifetime`.
pub(super) fn margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(MAX_MARGIN)
}

/// How long the `failures`-th failure in a row is remembered, before jitter:
/// 2 s, 4 s, 8 s, ... up to 15 minutes.
pub(super) fn failure_backoff(failures: u32) -> Duration {
    FAILURE_BACKOFF_START
        .saturating_mul(1 << failures.saturating_sub(1).min(20))
        .min(FAILURE_BACKOFF_MAX)
}

impl Cached {
    /// The cache entry for `grant`, and its refresh token if it brought one.
    pub(super) fn new(grant: TokenGrant, sent_at: Instant) -> Result<(Self, Option<Refresh>), Error> {
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
    pub(super) fn usable(&self, now: Instant) -> Option<RefreshToken> {
        self.stale_at
            .is_none_or(|at| now < at)
            .then(|| self.token.clone())
    }
}

/// A renewal's new entry and, if it brought one, its refresh token.
pub(super) type Renewed = (Cached, Option<Refresh>);

impl Shared {
    /// In the early window: starts a renewal unless one runs, one failed a
    /// moment ago, or a newer token is already there; never waits.
    pub(super) fn renew_early(self: &Arc<Self>, valid: AccessToken) -> AccessToken {
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
    pub(super) async fn renew_now(self: Arc<Self>, seen: u64) -> Result<AccessToken, Error> {
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
    pub(super) async fn renew_from_source(
        &self,
        refresh: Option<RefreshToken>,
    ) -> (Result<Renewed, Error>, bool) {
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

    pub(super) async fn login(&self) -> Result<(TokenGrant, Instant), Error> {
        let sent_at = Instant::now();
        self.source
            .request_token(None)
            .await
            .map(|grant| (grant, sent_at))
    }
}
