//! The protocol of renewals shared with other processes through a
//! [`TokenStore`]: adopt a sibling's fresh token, otherwise renew under the
//! store's lock with the newest stored refresh token, and save the outcome.
//! A store that fails never fails the call: the renewal goes on in memory.

use secrecy::SecretString;
use tokio::time::Instant;

use super::Shared;
use super::renewal::{Cached, Refresh, Renewed};
use crate::auth::token::{AccessToken, RefreshToken};
use crate::error::Error;
use crate::store::{Entry, LOCK_WAIT, StoreKey, Times, TokenStore};

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

impl Shared {
    /// A renewal shared with other processes through `store` (see
    /// [`TokenStore`]): a sibling's fresh token is adopted; otherwise the
    /// renewal runs under the store's lock, with the stored refresh token, and
    /// its outcome is saved. Any failure of the store leaves the renewal to
    /// the source alone.
    pub(super) async fn renew_through(
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
}
