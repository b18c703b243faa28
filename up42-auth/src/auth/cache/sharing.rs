//! The protocol of renewals shared with other processes through a
//! [`TokenStore`]: adopt a sibling's fresh token, answer a refusal the fleet
//! remembers, otherwise renew under the store's lock with the newest refresh
//! token, and save the outcome. A store that fails or hangs never fails the
//! call: the renewal goes on in memory.

use std::future::Future;

use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use super::Shared;
use super::renewal::{Ask, Attempt, Cached, Refresh, Renewed, failure_memory};
use crate::auth::token::{AccessToken, RefreshToken};
use crate::error::Error;
use crate::store::{
    Entry, LOCK_WAIT, STORE_TIMEOUT, StoreKey, StoreLock, StoredFailure, StoredRefresh, StoredTokens,
    TokenStore, from_wall, to_wall,
};

/// How long one try of the lock waits before the entry is read again: a
/// token the holder saved is adopted without waiting for the release.
const LOCK_TRY: std::time::Duration = std::time::Duration::from_millis(250);
/// How long a store that fails while a renewal waits for its lock is tried
/// again before the renewal goes on without it: a Redis failover, a
/// restart. Each process renewing on its own would cost a login each.
const OUTAGE_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// How far apart two processes' records of one grant's time may be: the
/// store keeps milliseconds, each process its own clock.
const SAME_GRANT: std::time::Duration = std::time::Duration::from_secs(1);

/// What to do, given the stored entry.
enum Decision {
    /// A fresh token other than the one being replaced: adopted.
    Adopt(Renewed),
    /// The fleet remembers a refusal of these credentials: answered without a request.
    Remembered(StoredFailure),
    /// Renew: with the stored refresh token, if it is the newest; after the
    /// refusals in a row the fleet has seen.
    Renew { refresh: Option<Refresh>, failures: u32 },
}

impl Decision {
    /// The renewal's outcome when the entry settles it (a token adopted, a
    /// refusal remembered); otherwise what to renew with: the refresh token
    /// and the refusals in a row so far.
    fn settled(self) -> Result<Attempt, (Option<Refresh>, u32)> {
        match self {
            Decision::Adopt(renewed) => Ok(adopted(renewed)),
            Decision::Remembered(failure) => Ok(remembered(&failure)),
            Decision::Renew { refresh, failures } => Err((refresh, failures)),
        }
    }
}

/// A store operation under [`STORE_TIMEOUT`]; the reason when it failed or hung.
async fn within<T>(operation: impl Future<Output = Result<T, Error>>) -> Result<T, String> {
    match tokio::time::timeout(STORE_TIMEOUT, operation).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(store_error(&error)),
        Err(_) => Err(format!("no answer within {STORE_TIMEOUT:?}")),
    }
}

/// The outcome of a store operation; a failure is a warning, and the renewal
/// goes on in memory.
fn or_warn<T>(what: &str, outcome: Result<T, String>) -> Option<T> {
    outcome
        .inspect_err(|error| tracing::warn!(%error, "the token store could not {what}; renewing in memory"))
        .ok()
}

/// Reads `key`'s entry; an entry that cannot be used reads as no entry
/// (with a warning).
async fn read(store: &dyn TokenStore, key: &StoreKey) -> Result<Option<Entry>, String> {
    let bytes = within(store.load(key)).await?;
    Ok(bytes.and_then(|bytes| match Entry::decode(&bytes, key) {
        Ok(entry) => Some(entry),
        Err(reason) => {
            tracing::warn!(%reason, "ignoring the token store's entry; the next renewal overwrites it");
            None
        }
    }))
}

/// The refresh token of stored tokens, on this process's clock.
fn stored_refresh(tokens: &StoredTokens) -> Option<Refresh> {
    tokens.refresh.as_ref().map(|refresh| {
        let lifetime = refresh.lifetime_ms.map(std::time::Duration::from_millis);
        let issued_at = from_wall(refresh.issued_at);
        Refresh::issued(
            RefreshToken::new(refresh.token.expose_secret()),
            issued_at,
            lifetime,
        )
    })
}

/// Decides from `entry`; `held` is the token being replaced, `ask` what this
/// process has.
fn decide(entry: Option<&Entry>, held: Option<&Held>, ask: &Ask) -> Decision {
    let now = Instant::now();
    let tokens = entry
        .and_then(|e| e.tokens.as_ref())
        .filter(|tokens| of_account(tokens, ask.account.as_deref()));
    if let Some(tokens) = tokens {
        let issued_at = from_wall(tokens.issued_at);
        // The token being replaced, or one older than it: never adopted.
        let replaced = held
            .is_some_and(|held| held.token.secret() == tokens.access_token() || issued_at <= held.issued_at)
            || ask.issued_after.is_some_and(|forced| issued_at <= forced);
        match tokens.skew() {
            Some(ahead) => tracing::warn!(
                ?ahead,
                "the token store's entry was written by a clock running ahead of this one; its access \
                 token is not used"
            ),
            None if !replaced => {
                let (issued_ms, lifetime_ms) = tokens.issued();
                let lifetime = std::time::Duration::from_millis(lifetime_ms);
                let access = SecretString::from(tokens.access_token());
                if let Ok(cached) = Cached::issued(access, from_wall(issued_ms), lifetime)
                    && now < cached.renew_from
                {
                    return Decision::Adopt((cached, stored_refresh(tokens)));
                }
            }
            None => {}
        }
    }
    let failure = entry.and_then(|e| e.failure.as_ref());
    if let Some(failure) = failure
        && failure.active()
        && !ask.retry_now
    {
        return Decision::Remembered(failure.clone());
    }
    // Of the stored and the own refresh token, the one issued last: after a
    // save that failed, the stored one was already used.
    let stored = tokens
        .and_then(stored_refresh)
        .filter(|r| !ask.log_in && r.usable(now).is_some());
    // A stored grant without a refresh token, as new as this process's own:
    // its refresh token was refused and dropped (or never given), and the
    // own copy is that same token. It is not sent again, by any process.
    let own = ask.refresh.clone().filter(|own| match tokens {
        Some(stored) if stored.refresh.is_none() => own.issued_at > from_wall(stored.issued_at) + SAME_GRANT,
        _ => true,
    });
    let refresh = match (stored, own) {
        (Some(stored), Some(own)) if own.issued_at >= stored.issued_at => Some(own),
        (Some(stored), _) => Some(stored),
        (None, own) => own,
    };
    Decision::Renew {
        refresh,
        failures: failure.map_or(0, |f| f.failures).max(ask.failures),
    }
}

/// Whether stored `tokens` may be this process's: a JWT access token that
/// names another account than `account` is not (nor its refresh token).
fn of_account(tokens: &StoredTokens, account: Option<&str>) -> bool {
    let theirs = crate::jwt::token_account(tokens.access_token());
    match (account, theirs) {
        (Some(mine), Some(theirs)) if !mine.eq_ignore_ascii_case(&theirs) => {
            tracing::warn!("the token store's entry holds another account's token; it is not used");
            false
        }
        _ => true,
    }
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

/// A renewal adopted from the store.
fn adopted(renewed: Renewed) -> Attempt {
    tracing::Span::current().record("grant", "stored");
    Attempt::done(Ok(renewed))
}

/// A refusal the fleet remembers, answered without a request.
fn remembered(failure: &StoredFailure) -> Attempt {
    tracing::Span::current().record("grant", "remembered refusal");
    Attempt {
        result: Err(failure.error()),
        refused_refresh: false,
        memory: Some((failure.failures, from_wall(failure.until))),
    }
}

/// The stored form of a renewal's tokens.
fn stored_tokens(cached: &Cached, refresh: Option<&Refresh>) -> StoredTokens {
    StoredTokens {
        access_token: SecretString::from(cached.token.secret()),
        issued_at: to_wall(cached.issued_at),
        lifetime_ms: cached.lifetime.as_millis() as u64,
        refresh: refresh.map(|refresh| StoredRefresh {
            token: SecretString::from(refresh.token.secret()),
            issued_at: to_wall(refresh.issued_at),
            lifetime_ms: refresh.lifetime.map(|l| l.as_millis() as u64),
        }),
    }
}

/// The token being replaced, and when it was issued.
struct Held {
    token: AccessToken,
    issued_at: Instant,
}

/// How the wait for the lock ended.
enum Waited {
    Locked(Box<dyn StoreLock>),
    /// The holder saved a token, or a refusal, meanwhile.
    Decided(Attempt),
    /// Not had in time, or the store failed: renew without it.
    Without,
}

impl Shared {
    /// The store and this source's key in it, when there is a store: only
    /// then is the key asked for, on the blocking pool, as deriving a sealed
    /// one runs PBKDF2 (30 ms at the default rounds: it would stall a
    /// runtime's worker, and all of a `current_thread` runtime).
    pub(super) async fn stored(&self) -> Option<(&dyn TokenStore, StoreKey)> {
        let store = self.store.as_deref()?;
        let source = std::sync::Arc::clone(&self.source);
        let key = match tokio::task::spawn_blocking(move || source.store_key()).await {
            Ok(key) => key?,
            Err(error) => {
                tracing::warn!(%error, "deriving the token store's key failed; renewing in memory");
                return None;
            }
        };
        Some((store, key))
    }

    /// A renewal shared with other processes through `store` (see
    /// [`TokenStore`]): a sibling's fresh token is adopted, a refusal the
    /// fleet remembers is answered; otherwise the renewal runs under the
    /// store's lock, with the newest refresh token, and its outcome is saved.
    /// Any failure of the store leaves the renewal to the source alone.
    pub(super) async fn renew_through(&self, store: &dyn TokenStore, key: &StoreKey, ask: Ask) -> Attempt {
        // The token being replaced (stale, early or rejected): never adopted back.
        let held = self.current.load_full().map(|cached| Held {
            token: cached.token.clone(),
            issued_at: cached.issued_at,
        });
        let held = held.as_ref();
        let Some(entry) = or_warn("read the entry", read(store, key).await) else {
            return self.renew_from_source(ask.refresh).await;
        };
        if let Ok(settled) = decide(entry.as_ref(), held, &ask).settled() {
            return settled;
        }
        let lock = match wait_for_lock(store, key, held, &ask).await {
            Waited::Decided(attempt) => return attempt,
            Waited::Locked(lock) => Some(lock),
            Waited::Without => None,
        };
        // A sibling may have renewed while this process waited for the lock.
        let entry = or_warn("read the entry", read(store, key).await).flatten();
        let attempt = match decide(entry.as_ref(), held, &ask).settled() {
            Ok(settled) => settled,
            Err((refresh, failures)) => {
                let sent = refresh.clone();
                let mut attempt = self.renew_from_source(refresh).await;
                let saved = record(&mut attempt, entry, sent, failures, key);
                // Credentials changed meanwhile (`set_credentials`): the
                // grant may be another account's, never saved under this key.
                let current = crate::sync::lock(&self.state).epoch == ask.epoch;
                if !current {
                    tracing::info!("the credentials changed during the renewal; its outcome is not stored");
                }
                if let Some(saved) = saved.filter(|_| current) {
                    let ttl = saved.ttl();
                    or_warn(
                        "save the entry",
                        within(store.save(key, &saved.encode(key), ttl)).await,
                    );
                }
                attempt
            }
        };
        if let Some(lock) = lock {
            or_warn("release the renewal lock", within(lock.release()).await);
        }
        attempt
    }
}

/// What to store after `attempt`, if anything, and the fleet's failure
/// memory into it: new tokens (a refusal forgotten); a refusal with the
/// fleet's next try (the stored tokens kept, a refused refresh token
/// dropped); or, after a refused refresh token and a transient failure, the
/// entry without that refresh token.
fn record(
    attempt: &mut Attempt,
    stored: Option<Entry>,
    sent: Option<Refresh>,
    failures: u32,
    key: &StoreKey,
) -> Option<Entry> {
    let (kept_tokens, stored_failure) = match stored {
        Some(entry) => (entry.tokens, entry.failure),
        None => (None, None),
    };
    let kept = |refused: bool| {
        kept_tokens.map(|mut tokens| {
            if refused {
                tokens.refresh = None;
            }
            tokens
        })
    };
    match &attempt.result {
        Ok((cached, refresh)) => {
            // A grant without a refresh token keeps the one it was renewed with.
            let refresh = refresh
                .as_ref()
                .or(sent.as_ref().filter(|_| !attempt.refused_refresh));
            Some(Entry::new(key, Some(stored_tokens(cached, refresh)), None))
        }
        Err(error) if !error.is_retryable() => {
            let failures = failures.saturating_add(1);
            let until = failure_memory(failures);
            let failure = StoredFailure::of(error, failures, until)?;
            attempt.memory = Some((failures, until));
            Some(Entry::new(key, kept(attempt.refused_refresh), Some(failure)))
        }
        Err(_) if attempt.refused_refresh => Some(Entry::new(key, kept(true), stored_failure)),
        Err(_) => None,
    }
}

/// Takes the lock, for as long as a renewal may take ([`LOCK_WAIT`]),
/// reading the entry between tries: what the holder saved meanwhile decides.
/// A store that answered and then fails (a failover) is tried again for
/// [`OUTAGE_GRACE`]; one that fails at once is left at once.
async fn wait_for_lock(store: &dyn TokenStore, key: &StoreKey, held: Option<&Held>, ask: &Ask) -> Waited {
    let deadline = Instant::now() + LOCK_WAIT;
    let mut failing_since: Option<Instant> = None;
    let mut answered = false;
    loop {
        let tried = tokio::time::timeout(LOCK_TRY + STORE_TIMEOUT, store.lock(key, LOCK_TRY)).await;
        let outcome = match tried {
            Ok(Ok(Some(lock))) => return Waited::Locked(lock),
            Ok(Ok(None)) => match read(store, key).await {
                Ok(entry) => match decide(entry.as_ref(), held, ask).settled() {
                    Ok(settled) => return Waited::Decided(settled),
                    Err(_) => Ok(()),
                },
                Err(error) => Err(error),
            },
            Ok(Err(error)) if !error.is_retryable() => {
                tracing::warn!(error = %store_error(&error), "renewing without the token store's lock");
                return Waited::Without;
            }
            Ok(Err(error)) => Err(store_error(&error)),
            Err(_) => Err(format!(
                "the lock did not answer within {:?}",
                LOCK_TRY + STORE_TIMEOUT
            )),
        };
        match outcome {
            Ok(()) => {
                failing_since = None;
                answered = true;
            }
            Err(error) => {
                let since = *failing_since.get_or_insert_with(Instant::now);
                if !answered || since.elapsed() >= OUTAGE_GRACE {
                    tracing::warn!(%error, "the token store failed while this process waited for its renewal lock; renewing without it");
                    return Waited::Without;
                }
                tracing::debug!(%error, "the token store failed while this process waited for its renewal lock; trying again");
                tokio::time::sleep(LOCK_TRY).await;
            }
        }
        if Instant::now() >= deadline {
            tracing::warn!(waited = ?LOCK_WAIT, "another process held the token store's renewal lock all along; renewing without it");
            return Waited::Without;
        }
    }
}
