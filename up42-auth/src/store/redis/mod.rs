//! The Redis store (feature `redis`): entries with a TTL, the renewal lock as
//! `SET NX PX` with a random value, extended while held and released by a
//! compare-and-delete script, and a fleet-wide rate limit (GCRA in one
//! script, on Redis's clock); on one server or a Redis Cluster ([`link`]).

mod link;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use link::{Connection, Link};

use super::{StoreKey, StoreLock, TokenStore};
use crate::error::Error;
use crate::policy::{RateLimit, SharedLimiter};

/// How long a renewal lock lives past its holder's last sign of life: its
/// holder extends it every third of this while it renews, so a renewal of
/// any length keeps it, and a killed holder delays the others this long at most.
pub const REDIS_LOCK_LIFETIME: Duration = Duration::from_secs(10);
/// The largest entry read: anything bigger is not ours.
const MAX_ENTRY: usize = 64 * 1024;
/// The pause between two tries of a lock another process holds.
const LOCK_POLL: Duration = Duration::from_millis(10);

/// Deletes the lock only if it still holds this holder's value.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0";

/// Extends the lock's life only if it still holds this holder's value.
const EXTEND: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0";

/// GCRA with a queue: reserves the next slot of the key's schedule and
/// answers how many microseconds the caller waits for it. `ARGV[1]`: the
/// interval between two requests, `ARGV[2]`: the burst tolerance, both in µs.
const RESERVE: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - now - tolerance
if wait < 0 then wait = 0 end
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return wait";

/// Tokens shared by a fleet of processes on many machines, in Redis: one
/// server ([`connect`](Self::connect)) or a Redis Cluster
/// ([`connect_cluster`](Self::connect_cluster)).
///
/// Entries live under `{prefix}tokens:{<key>}` with a TTL equal to their
/// remaining lifetime; the renewal lock is `{prefix}lock:{<key>}`, taken with
/// `SET NX PX` and a random value, extended every third of
/// [`REDIS_LOCK_LIFETIME`] while held, released by a compare-and-delete
/// script, and expiring that long after a holder that dies. The braces are a
/// cluster hash tag: an entry and its lock share a slot. The connection is
/// made on first use and made again after a failure; TLS (`rediss://`) and
/// `AUTH` (`redis://user:password@host`) come with the URL. A Redis that is
/// down or slow (over 500 ms a command) leaves each process to its in-memory
/// cache, with a warning.
///
/// ```no_run
/// use up42_auth::{Credentials, Up42Client, store::RedisTokenStore};
///
/// # fn run() -> Result<(), up42_auth::Error> {
/// let redis = RedisTokenStore::connect("redis://127.0.0.1:6379")?;
/// let client = Up42Client::builder()
///     .credentials(Credentials::discover()?)
///     .rate_limit(redis.rate_limit(100, 500)) // UP42's limit per egress IP, fleet-wide
///     .token_store(redis)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisTokenStore {
    link: Link,
    prefix: String,
    address: String,
}

impl fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("address", &self.address)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// The error of a failed Redis command: transient; the cache goes on without it.
fn failed(what: &str, error: redis::RedisError) -> Error {
    Error::store(true, format!("Redis: {what} failed"), Some(Box::new(error)))
}

impl RedisTokenStore {
    /// The store at `url` (`redis://`, `rediss://`, with a user and password
    /// if the server wants them), keys under the prefix `up42:`. Nothing is
    /// sent yet: the connection is made on first use, so a Redis that is down
    /// now costs nothing but a warning later. Must be called inside a tokio
    /// runtime.
    pub fn connect(url: &str) -> Result<RedisTokenStore, Error> {
        let shown = crate::error::display_url_text(url);
        Ok(RedisTokenStore {
            link: Link::single(url, &shown)?,
            prefix: "up42:".to_string(),
            address: shown,
        })
    }

    /// The store in the Redis Cluster that any of `urls` belongs to (each
    /// `redis://` or `rediss://`, with a user and password if the nodes want
    /// them), keys under the prefix `up42:`. Commands go to the node that
    /// owns their key's slot, and follow the cluster through failovers.
    /// Nothing is sent yet: the connection is made on first use. Must be
    /// called inside a tokio runtime.
    ///
    /// ```no_run
    /// use up42_auth::store::RedisTokenStore;
    ///
    /// # fn run() -> Result<(), up42_auth::Error> {
    /// let redis = RedisTokenStore::connect_cluster(&[
    ///     "redis://10.0.0.1:6379",
    ///     "redis://10.0.0.2:6379",
    ///     "redis://10.0.0.3:6379",
    /// ])?;
    /// # Ok(()) }
    /// ```
    pub fn connect_cluster(urls: &[&str]) -> Result<RedisTokenStore, Error> {
        let shown = urls
            .iter()
            .map(|url| crate::error::display_url_text(url))
            .collect::<Vec<_>>()
            .join(", ");
        if urls.is_empty() {
            return Err(Error::config(
                "a Redis Cluster needs the URL of one node at least",
            ));
        }
        Ok(RedisTokenStore {
            link: Link::cluster(urls, &shown)?,
            prefix: "up42:".to_string(),
            address: shown,
        })
    }

    /// Puts every key under `prefix` instead of `up42:` (one Redis, several
    /// applications or environments).
    pub fn prefix(mut self, prefix: &str) -> RedisTokenStore {
        self.prefix = prefix.to_string();
        self
    }

    /// A rate limit shared by every client of this Redis and prefix: at most
    /// `per_second` requests a second on average across all of them, `burst`
    /// at once. Give it to [`Up42ClientBuilder::rate_limit`](crate::Up42ClientBuilder::rate_limit).
    /// While Redis fails, each process keeps to the same limit on its own.
    pub fn rate_limit(&self, per_second: u32, burst: u32) -> RateLimit {
        RateLimit::shared(per_second, burst, self.clone())
    }

    /// The Redis key of `kind` for `key`: the key in braces, a cluster hash
    /// tag, so that an entry and its lock share a slot.
    fn key(&self, kind: &str, key: &str) -> String {
        format!("{}{kind}:{{{key}}}", self.prefix)
    }

    /// The connection, made now if it is the first use.
    async fn connection(&self) -> Result<Connection, Error> {
        self.link
            .connection()
            .await
            .map_err(|e| failed("the connection", e))
    }
}

#[async_trait]
impl TokenStore for RedisTokenStore {
    async fn load(&self, key: &StoreKey) -> Result<Option<Vec<u8>>, Error> {
        let mut connection = self.connection().await?;
        // At most one byte over the cap: an entry that big is refused unread.
        let bytes: Vec<u8> = redis::cmd("GETRANGE")
            .arg(self.key("tokens", key.as_str()))
            .arg(0)
            .arg(MAX_ENTRY)
            .query_async(&mut connection)
            .await
            .map_err(|e| failed("GETRANGE", e))?;
        match bytes.len() {
            0 => Ok(None),
            n if n > MAX_ENTRY => Err(Error::store(
                true,
                format!("Redis: the entry is over {MAX_ENTRY} bytes; it is not ours"),
                None,
            )),
            _ => Ok(Some(bytes)),
        }
    }

    async fn save(&self, key: &StoreKey, entry: &[u8], ttl: Duration) -> Result<(), Error> {
        let mut connection = self.connection().await?;
        redis::cmd("SET")
            .arg(self.key("tokens", key.as_str()))
            .arg(entry)
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64)
            .query_async::<()>(&mut connection)
            .await
            .map_err(|e| failed("SET", e))
    }

    async fn remove(&self, key: &StoreKey) -> Result<(), Error> {
        let mut connection = self.connection().await?;
        redis::cmd("DEL")
            .arg(self.key("tokens", key.as_str()))
            .query_async::<()>(&mut connection)
            .await
            .map_err(|e| failed("DEL", e))
    }

    async fn lock(&self, key: &StoreKey, wait: Duration) -> Result<Option<Box<dyn StoreLock>>, Error> {
        let mut connection = self.connection().await?;
        let name = self.key("lock", key.as_str());
        // Random, and the holder's deadline, for waiters to judge it by.
        let value = format!(
            "{:016x}{:016x}-{}",
            fastrand::u64(..),
            fastrand::u64(..),
            super::holder_deadline()
        );
        let deadline = Instant::now() + wait;
        let mut checked = false;
        loop {
            let taken: Option<String> = redis::cmd("SET")
                .arg(&name)
                .arg(&value)
                .arg("NX")
                .arg("PX")
                .arg(REDIS_LOCK_LIFETIME.as_millis() as u64)
                .query_async(&mut connection)
                .await
                .map_err(|e| failed("SET NX", e))?;
            if taken.is_some() {
                let keepalive = tokio::spawn(keep_alive(connection.clone(), name.clone(), value.clone()));
                return Ok(Some(Box::new(RedisLock {
                    connection,
                    name,
                    value,
                    keepalive,
                })));
            }
            if !std::mem::replace(&mut checked, true)
                && let Some(why) = abandoned(&mut connection, &name).await?
            {
                return Err(super::abandoned_lock(why));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(LOCK_POLL).await;
        }
    }
}

/// Why the lock `name`, held by another, is not worth waiting for: a key
/// without a time limit (the toolkit always sets one), a value the toolkit
/// does not write, a holder past its deadline; `None` for a live holder.
async fn abandoned(connection: &mut Connection, name: &str) -> Result<Option<&'static str>, Error> {
    let (ttl, value): (i64, Option<String>) = redis::pipe()
        .cmd("PTTL")
        .arg(name)
        .cmd("GET")
        .arg(name)
        .query_async(connection)
        .await
        .map_err(|e| failed("PTTL", e))?;
    let Some(value) = value else { return Ok(None) };
    if ttl == -1 {
        return Ok(Some(
            "is a key without a time limit, which the toolkit never writes",
        ));
    }
    let holder = value.rsplit_once('-').and_then(|(_, at)| at.parse::<u64>().ok());
    Ok(match holder {
        None => Some("is not a lock the toolkit wrote"),
        Some(at) if super::past_deadline(at) => Some("is held past its holder's deadline"),
        Some(_) => None,
    })
}

/// A held Redis lock, extended while held.
struct RedisLock {
    connection: Connection,
    name: String,
    value: String,
    /// Extends the lock every third of its life; stopped on release or drop.
    keepalive: tokio::task::JoinHandle<()>,
}

impl Drop for RedisLock {
    fn drop(&mut self) {
        self.keepalive.abort();
    }
}

/// Extends the lock `name` while it holds `value`, every third of its life.
async fn keep_alive(mut connection: Connection, name: String, value: String) {
    loop {
        tokio::time::sleep(REDIS_LOCK_LIFETIME / 3).await;
        let extended = redis::Script::new(EXTEND)
            .key(&name)
            .arg(&value)
            .arg(REDIS_LOCK_LIFETIME.as_millis() as u64)
            .invoke_async::<i64>(&mut connection)
            .await;
        match extended {
            Ok(1) => {}
            Ok(_) => {
                tracing::warn!("the Redis renewal lock expired while held; another process may renew too");
                return;
            }
            // Redis may be back at the next try, before the lock expires.
            Err(error) => tracing::warn!(%error, "the Redis renewal lock could not be extended"),
        }
    }
}

#[async_trait]
impl StoreLock for RedisLock {
    async fn release(mut self: Box<Self>) -> Result<(), Error> {
        self.keepalive.abort();
        redis::Script::new(RELEASE)
            .key(&self.name)
            .arg(&self.value)
            .invoke_async::<i64>(&mut self.connection)
            .await
            .map(drop)
            .map_err(|e| failed("the lock release", e))
    }
}

#[async_trait]
impl SharedLimiter for RedisTokenStore {
    async fn reserve(&self, per_second: u32, burst: u32) -> Result<Duration, Error> {
        let interval = 1_000_000 / u64::from(per_second.max(1));
        let tolerance = interval * u64::from(burst.max(1) - 1);
        let mut connection = self.connection().await?;
        let wait: u64 = redis::Script::new(RESERVE)
            .key(self.key("rate", "api"))
            .arg(interval)
            .arg(tolerance)
            .invoke_async(&mut connection)
            .await
            .map_err(|e| failed("the rate limit", e))?;
        Ok(Duration::from_micros(wait))
    }
}
