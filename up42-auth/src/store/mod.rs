//! Tokens that outlive the process: the [`TokenStore`] seam the
//! [`TokenCache`](crate::auth::TokenCache) consults at each renewal, and two stores,
//! a file for one machine and Redis (feature `redis`) for a fleet.
//!
//! What the cache does with a store, at each renewal (never on the cached
//! path, which stays one atomic load):
//!
//! 1. It reads the stored entry: a token a sibling process renewed, fresh and
//!    not the one being replaced, is adopted with no request.
//! 2. Otherwise it takes the store's renewal lock for the key (waiting at most
//!    [`LOCK_WAIT`]), reads the entry again (a sibling may have renewed while
//!    it waited: adopted), and only then renews, with the *stored* refresh
//!    token if there is one (a refresh token a sibling already used is never
//!    sent again), saves the new tokens and releases the lock.
//! 3. A store that fails (down, unwritable, a lock not had in time) costs no
//!    call: the renewal goes on in memory, with a warning. A corrupt entry is
//!    ignored (warning) and overwritten by the next renewal; an expired one is
//!    never served.

mod entry;
mod file;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use crate::error::Error;

pub(crate) use entry::{Entry, Times};
pub use file::FileTokenStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{REDIS_LOCK_LIFETIME, RedisTokenStore};

/// How long a renewal waits for the store's lock before it renews without
/// it (with a warning).
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Which account's tokens an entry holds: a digest of everything that changes
/// the token (the token URL, the client id, the username), never the
/// password. Safe to use as a file name or a Redis key.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StoreKey(String);

impl StoreKey {
    /// The key of `username`'s tokens from `token_url` for `client_id`.
    ///
    /// ```
    /// use up42_auth::store::StoreKey;
    ///
    /// let url = "https://auth.up42.com/realms/public/protocol/openid-connect/token";
    /// let key = StoreKey::new(url, "up42-api", "me@example.com");
    /// assert_eq!(key.as_str().len(), 64);
    /// assert_ne!(key, StoreKey::new(url, "up42-api", "you@example.com"));
    /// ```
    pub fn new(token_url: &str, client_id: &str, username: &str) -> StoreKey {
        let mut digest = Sha256::new();
        for part in [token_url, client_id, username] {
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part.as_bytes());
        }
        let hex: String = digest.finalize().iter().map(|b| format!("{b:02x}")).collect();
        StoreKey(hex)
    }

    /// The key as 64 lowercase hexadecimal characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreKey({}…)", &self.0[..12])
    }
}

/// Where tokens are kept between processes, and the lock that makes one of
/// them renew at a time. Object-safe: the client holds an `Arc<dyn TokenStore>`.
///
/// Entries are opaque bytes (JSON holding the access and refresh tokens and
/// their expiry times): keep them where only the user can read them. The
/// cache decodes, validates and expires them itself, so a store only stores.
/// Errors are [`Error::token_source`]; the cache goes on without the store
/// when one occurs.
#[async_trait]
pub trait TokenStore: Send + Sync + 'static {
    /// The entry stored for `key`, if any.
    async fn load(&self, key: &StoreKey) -> Result<Option<Vec<u8>>, Error>;

    /// Stores `entry` for `key`, replacing any other; it may be dropped after
    /// `ttl`, when none of its tokens is usable any more.
    async fn save(&self, key: &StoreKey, entry: &[u8], ttl: Duration) -> Result<(), Error>;

    /// Removes the entry for `key`, if there is one.
    async fn remove(&self, key: &StoreKey) -> Result<(), Error>;

    /// Takes the renewal lock for `key`, waiting at most `wait`. The lock must
    /// not outlive a holder that dies (a file lock is released by the OS, a
    /// Redis lock expires).
    async fn lock(&self, key: &StoreKey, wait: Duration) -> Result<Box<dyn StoreLock>, Error>;
}

/// A held renewal lock of a [`TokenStore`].
#[async_trait]
pub trait StoreLock: Send {
    /// Releases the lock.
    async fn release(self: Box<Self>) -> Result<(), Error>;
}

#[async_trait]
impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    async fn load(&self, key: &StoreKey) -> Result<Option<Vec<u8>>, Error> {
        (**self).load(key).await
    }
    async fn save(&self, key: &StoreKey, entry: &[u8], ttl: Duration) -> Result<(), Error> {
        (**self).save(key, entry, ttl).await
    }
    async fn remove(&self, key: &StoreKey) -> Result<(), Error> {
        (**self).remove(key).await
    }
    async fn lock(&self, key: &StoreKey, wait: Duration) -> Result<Box<dyn StoreLock>, Error> {
        (**self).lock(key, wait).await
    }
}
