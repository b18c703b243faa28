//! The renewal state machine: when a token counts as stale, one renewal at a
//! time on a task of its own, the refresh grant before the password, and the
//! memory of failures that protects the account.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

use super::Shared;
use crate::auth::token::{AccessToken, RefreshToken, TokenGrant};
use crate::defaults::{FAILURE_BACKOFF_MAX, FAILURE_JITTER, LONGEST_LIFETIME};
use crate::error::{Error, ErrorKind};
use crate::sync::lock;

/// The longest safety margin before expiry (the official SDK's 30 s).
pub(super) const MAX_MARGIN: Duration = Duration::from_secs(30);
/// After an early renewal failed for a transient reason, wait about this long
/// (jittered ±50 %) before trying early again.
pub(super) const EARLY_RETRY_PAUSE: Duration = Duration::from_millis(500);
/// How long the first renewal that failed for good (wrong password, unknown
/// client) is answered from memory; each further failure in a row doubles it.
pub(super) const FAILURE_BACKOFF_START: Duration = Duration::from_secs(2);

pub(super) struct Cached {
    pub(super) token: AccessToken,
    /// From here on, one caller renews early.
    pub(super) renew_from: Instant,
    /// From here on, the token is not handed out any more.
    pub(super) stale_at: Instant,
    /// When the request that got it was sent.
    pub(super) issued_at: Instant,
    /// Its lifetime as granted.
    pub(super) lifetime: Duration,
}

#[derive(Clone)]
pub(super) struct Refresh {
    pub(super) token: RefreshToken,
    /// `None`: the server gave no expiry.
    pub(super) stale_at: Option<Instant>,
    /// When the request that got it was sent: of two, the later is sent.
    pub(super) issued_at: Instant,
    /// Its lifetime as granted; `None`: no known expiry.
    pub(super) lifetime: Option<Duration>,
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
    /// Set by [`TokenCache::reset`]: the next renewal tries even while the
    /// store remembers a refusal (and its outcome replaces the memory).
    pub(super) retry_now: bool,
    /// Set by [`TokenCache::force_refresh`]: the next renewal adopts no
    /// stored token issued before this instant.
    pub(super) forced_at: Option<Instant>,
    /// Set by [`TokenCache::log_in`]: the next renewal is a password grant.
    pub(super) log_in: bool,
}

/// A renewal's outcome, before the cache records it.
pub(super) struct Attempt {
    pub(super) result: Result<Renewed, Error>,
    /// The server refused the refresh token: it is never sent again.
    pub(super) refused_refresh: bool,
    /// The fleet's memory of a refusal, when a store decided it: refusals in
    /// a row, and until when none is tried again.
    pub(super) memory: Option<(u32, Instant)>,
}

impl Attempt {
    pub(super) fn done(result: Result<Renewed, Error>) -> Attempt {
        Attempt {
            result,
            refused_refresh: false,
            memory: None,
        }
    }
}

/// What a renewal starts from.
pub(super) struct Ask {
    /// The newest refresh token this process has, while usable.
    pub(super) refresh: Option<Refresh>,
    /// Refusals in a row this process has seen.
    pub(super) failures: u32,
    /// Try even while the store remembers a refusal.
    pub(super) retry_now: bool,
    /// A forced renewal: no stored token issued before this is adopted.
    pub(super) issued_after: Option<Instant>,
    /// A password grant, whatever refresh token this process or the store has.
    pub(super) log_in: bool,
    /// The cache's epoch when the renewal began: a reset since (other
    /// credentials) means its outcome is not saved under the key it began with.
    pub(super) epoch: u64,
    /// The account the tokens must be of, when the source says.
    pub(super) account: Option<String>,
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

/// Until when the `failures`-th failure in a row is answered from memory:
/// its backoff from now, plus up to 25 % jitter.
pub(super) fn failure_memory(failures: u32) -> Instant {
    Instant::now() + failure_backoff(failures).mul_f64(1.0 + fastrand::f64() * FAILURE_JITTER)
}

impl Cached {
    /// The cache entry for `grant`, and its refresh token if it brought one.
    pub(super) fn new(grant: TokenGrant, sent_at: Instant) -> Result<(Self, Option<Refresh>), Error> {
        let cached = Cached::issued(grant.access_token, sent_at, grant.expires_in)?;
        let refresh = grant
            .refresh
            .map(|(token, lifetime)| Refresh::issued(token, sent_at, lifetime));
        Ok((cached, refresh))
    }

    /// The cache entry of `access_token`, requested at `issued_at` and
    /// granted for `lifetime`.
    pub(super) fn issued(
        access_token: SecretString,
        issued_at: Instant,
        lifetime: Duration,
    ) -> Result<Cached, Error> {
        let lifetime = lifetime.min(LONGEST_LIFETIME);
        let token_margin = margin(lifetime);
        Ok(Cached {
            token: AccessToken::new(access_token, issued_at + lifetime)?,
            renew_from: issued_at + lifetime - token_margin * 2,
            stale_at: issued_at + lifetime - token_margin,
            issued_at,
            lifetime,
        })
    }
}

impl Refresh {
    /// A refresh token requested at `issued_at`, granted for `lifetime`.
    pub(super) fn issued(token: RefreshToken, issued_at: Instant, lifetime: Option<Duration>) -> Refresh {
        let lifetime = lifetime.map(|l| l.min(LONGEST_LIFETIME));
        Refresh {
            token,
            stale_at: lifetime.map(|l| issued_at + l - margin(l)),
            issued_at,
            lifetime,
        }
    }

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
        let now = Instant::now();
        let log_in = std::mem::take(&mut state.log_in);
        let ask = Ask {
            refresh: state
                .refresh
                .clone()
                .filter(|r| !log_in && r.usable(now).is_some()),
            failures: state.hard_failures,
            retry_now: std::mem::take(&mut state.retry_now) || log_in,
            issued_after: state.forced_at.take(),
            log_in,
            epoch: state.epoch,
            account: self.source.account(),
        };
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
                let result = shared.renew(ask, epoch, early).await;
                // Nobody may be waiting any more: the outcome is kept all the same.
                let _ = done.send(Some(result));
            }
            .instrument(span),
        );
        outcome
    }

    /// One renewal: the refresh grant first if there is a refresh token, a
    /// login if there is none or it was refused; then the outcome is recorded.
    async fn renew(&self, ask: Ask, epoch: u64, early: bool) -> Result<AccessToken, Error> {
        let started = Instant::now();
        let span = tracing::Span::current();
        let Attempt {
            result: outcome,
            refused_refresh,
            memory,
        } = match self.stored().await {
            Some((store, key)) => self.renew_through(store, &key, ask).await,
            None => self.renew_from_source(ask.refresh).await,
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
                    let (failures, until) = memory.unwrap_or_else(|| {
                        let failures = state.hard_failures.saturating_add(1);
                        (failures, failure_memory(failures))
                    });
                    state.hard_failures = failures;
                    tracing::warn!(
                        %error,
                        failures_in_a_row = failures,
                        next_try_in = ?until.saturating_duration_since(Instant::now()),
                        "token renewal failed for good; answering from memory until the next try"
                    );
                    state.failed_until = Some(until);
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
    pub(super) async fn renew_from_source(&self, refresh: Option<Refresh>) -> Attempt {
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
            Some(refresh) => {
                let sent_at = Instant::now();
                match self.source.request_token(Some(&refresh.token)).await {
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
        Attempt {
            result: outcome.and_then(|(grant, sent_at)| Cached::new(grant, sent_at)),
            refused_refresh,
            memory: None,
        }
    }

    pub(super) async fn login(&self) -> Result<(TokenGrant, Instant), Error> {
        let sent_at = Instant::now();
        self.source
            .request_token(None)
            .await
            .map(|grant| (grant, sent_at))
    }
}
