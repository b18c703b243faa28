//! Tokens that outlive the process: the [`TokenStore`] seam the
//! [`TokenCache`](crate::auth::TokenCache) consults at each renewal, and two stores,
//! a file for one machine and Redis (feature `redis`) for a fleet.
//!
//! What the cache does with a store, at each renewal (never on the cached
//! path, which stays one atomic load):
//!
//! 1. It reads the stored entry: a token a sibling process renewed, fresh and
//!    not the one being replaced, is adopted with no request; a login refusal
//!    the fleet still remembers is answered without one.
//! 2. Otherwise it takes the store's renewal lock for the key, for as long as
//!    a renewal may take ([`LOCK_WAIT`]), reading the entry between tries: a
//!    token the holder saved is adopted at once. Under the lock it reads the
//!    entry again and only then renews, with the newer of the stored and its
//!    own refresh token (one a sibling already used is never sent again),
//!    saves the new tokens, or the refusal with the fleet's next try, and
//!    releases the lock.
//! 3. A store that fails, or takes over [`STORE_TIMEOUT`] for an operation,
//!    costs no call: the renewal goes on in memory, with a warning. An entry
//!    that cannot be used (corrupt, sealed by other credentials, planted,
//!    times out of bounds) is ignored with a warning and overwritten by the
//!    next renewal; an expired one is never served.
//!
//! Entries are sealed: see [`StoreKey`].

mod entry;
mod file;
mod key;
#[cfg(feature = "redis")]
mod redis;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::error::Error;

pub(crate) use entry::{Entry, StoredFailure, StoredRefresh, StoredTokens, from_wall, to_wall};
pub use file::FileTokenStore;
pub use key::{MAX_SEAL_ROUNDS, SEAL_ROUNDS, StoreKey};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{REDIS_LOCK_LIFETIME, RedisTokenStore};

/// How long a renewal waits for the store's lock before it renews without
/// it (with a warning): as long as a renewal under the lock may take, a token
/// request with its retries (30 s in all) and its last try's 30 s timeout.
/// While it waits, it adopts a token the holder saved.
pub const LOCK_WAIT: Duration = Duration::from_secs(75);

/// The holder's deadline a lock carries: when its renewal ends at the
/// latest ([`LOCK_WAIT`] from taking it), in wall-clock milliseconds.
pub(crate) fn holder_deadline() -> u64 {
    entry::wall_now() + LOCK_WAIT.as_millis() as u64
}

/// Whether a lock whose holder wrote `deadline` is past it (with the skew
/// allowed between two clocks): its holder is stopped or gone, and the
/// lock is not waited for.
pub(crate) fn past_deadline(deadline: u64) -> bool {
    entry::wall_now() > deadline.saturating_add(entry::MAX_SKEW.as_millis() as u64)
}

/// The answer of [`TokenStore::lock`] for a lock not worth waiting for:
/// held past its holder's deadline, or not one the toolkit writes. Not
/// transient: the renewal goes on without the lock at once.
pub(crate) fn abandoned_lock(why: &str) -> Error {
    Error::store(false, format!("the renewal lock {why}; not waited for"), None)
}

/// How long one store operation (a read, a write, a try of the lock) may
/// take before the store counts as unavailable for this renewal: a hung
/// store costs a warning, never a call.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// Where tokens are kept between processes, and the lock that makes one of
/// them renew at a time. Object-safe: the client holds an `Arc<dyn TokenStore>`.
///
/// Entries are opaque bytes, sealed by the [`StoreKey`] (encrypted and
/// authenticated) unless it is plain. The cache opens, validates and expires
/// them itself, so a store only stores.
/// Errors are [`Error::store`]; the cache goes on without the store
/// when one occurs. A `lock` that finds the lock held past its holder's
/// deadline (a stopped process), or held by something the store never
/// writes, answers a non-transient [`Error::store`]: the renewal then goes
/// on without waiting for it.
#[async_trait]
pub trait TokenStore: Send + Sync + 'static {
    /// The entry stored for `key`, if any.
    async fn load(&self, key: &StoreKey) -> Result<Option<Vec<u8>>, Error>;

    /// Stores `entry` for `key`, replacing any other; it may be dropped after
    /// `ttl`, when none of its tokens is usable any more.
    async fn save(&self, key: &StoreKey, entry: &[u8], ttl: Duration) -> Result<(), Error>;

    /// Removes the entry for `key`, if there is one.
    async fn remove(&self, key: &StoreKey) -> Result<(), Error>;

    /// Takes the renewal lock for `key`, waiting at most `wait`; `None` when
    /// another holder kept it all that time. The lock must not outlive a
    /// holder that dies (a file lock is released by the OS, a Redis lock
    /// expires unless its holder extends it), and must last as long as its
    /// holder lives and has not released it.
    async fn lock(&self, key: &StoreKey, wait: Duration) -> Result<Option<Box<dyn StoreLock>>, Error>;
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
    async fn lock(&self, key: &StoreKey, wait: Duration) -> Result<Option<Box<dyn StoreLock>>, Error> {
        (**self).lock(key, wait).await
    }
}
