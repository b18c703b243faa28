//! One stored entry: the tokens with when they were issued and for how long,
//! and the last login refusal with how long the fleet waits before the next
//! try; versioned JSON, sealed by the [`StoreKey`] and bound to its name.
//!
//! Times are on the wall clock (processes and machines share no monotonic
//! clock), as milliseconds since the Unix epoch. A reader trusts them only
//! within bounds: a lifetime of 1 s to a week, an issue time not ahead of its
//! own clock by more than [`MAX_SKEW`] (a writer whose clock runs ahead would
//! otherwise make everyone keep tokens past their expiry), a failure memory
//! no longer than the longest backoff.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::StoreKey;
use crate::defaults::{LONGEST_FAILURE_MEMORY, LONGEST_LIFETIME, MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME};
use crate::error::{Detail, Error, ErrorKind};

/// The format of entries; another version is ignored, like a corrupt entry.
const VERSION: u32 = 2;
/// How far ahead of the reader's clock a writer's may run before the reader
/// stops trusting the times it wrote.
pub(crate) const MAX_SKEW: Duration = Duration::from_secs(5);
/// How long an entry is kept when its refresh token's lifetime is unknown.
const UNKNOWN_REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// The wall clock now, in milliseconds since the Unix epoch.
#[cfg(not(test))]
pub(crate) fn wall_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The wall clock now, in the crate's tests: moved by tokio's clock, so that
/// tests on the paused clock see entries age as they would.
#[cfg(test)]
pub(crate) fn wall_now() -> u64 {
    static ANCHOR: std::sync::OnceLock<(u64, std::time::Instant)> = std::sync::OnceLock::new();
    let (wall, at) = ANCHOR.get_or_init(|| {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        (wall, std::time::Instant::now())
    });
    let elapsed = Instant::now().into_std().saturating_duration_since(*at);
    wall + elapsed.as_millis() as u64
}

/// A point on the monotonic clock, on the wall clock.
pub(crate) fn to_wall(at: Instant) -> u64 {
    let (now, wall) = (Instant::now(), wall_now());
    match at.checked_duration_since(now) {
        Some(ahead) => wall.saturating_add(ahead.as_millis() as u64),
        None => wall.saturating_sub(now.duration_since(at).as_millis() as u64),
    }
}

/// A point on the wall clock, on the monotonic clock.
pub(crate) fn from_wall(ms: u64) -> Instant {
    let (now, wall) = (Instant::now(), wall_now());
    match ms.checked_sub(wall) {
        Some(ahead) => now + Duration::from_millis(ahead),
        None => now.checked_sub(Duration::from_millis(wall - ms)).unwrap_or(now),
    }
}

/// Tokens as stored.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredTokens {
    #[serde(with = "secret")]
    pub(crate) access_token: SecretString,
    /// When the request that got it was sent.
    pub(crate) issued_at: u64,
    /// Its lifetime as granted, in milliseconds.
    pub(crate) lifetime_ms: u64,
    pub(crate) refresh: Option<StoredRefresh>,
}

/// A refresh token as stored.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredRefresh {
    #[serde(with = "secret")]
    pub(crate) token: SecretString,
    /// When the request that got it was sent: of two refresh tokens, the
    /// later one is the one to send.
    pub(crate) issued_at: u64,
    /// Its lifetime as granted, in milliseconds; `None`: no known expiry.
    pub(crate) lifetime_ms: Option<u64>,
}

/// The last refusal of these credentials, shared so that a fleet waits as
/// one: what was refused (never the password), how many times in a row, and
/// until when nobody tries again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredFailure {
    kind: FailureKind,
    /// The username or the client id that was refused.
    subject: String,
    status: u16,
    /// The OAuth error code (`invalid_client`, ...).
    error: String,
    description: String,
    /// Refusals in a row, fleet-wide.
    pub(crate) failures: u32,
    /// No login before then.
    pub(crate) until: u64,
    /// When it was written (0 in records of earlier versions, never honoured).
    #[serde(default)]
    at: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FailureKind {
    InvalidCredentials,
    InvalidClient,
}

impl StoredFailure {
    /// The record of `error`, if it is a refusal the fleet should share
    /// (wrong credentials, an unknown client): the failures a login can
    /// repeat until the account is locked.
    pub(crate) fn of(error: &Error, failures: u32, until: Instant) -> Option<StoredFailure> {
        let kind = match error.kind() {
            ErrorKind::InvalidCredentials => FailureKind::InvalidCredentials,
            ErrorKind::InvalidClient => FailureKind::InvalidClient,
            _ => return None,
        };
        let Detail::OAuth {
            error: code,
            description,
            subject,
        } = error.detail()
        else {
            return None;
        };
        let status = error.status().unwrap_or(StatusCode::UNAUTHORIZED);
        Some(StoredFailure {
            kind,
            subject: subject.clone(),
            status: status.as_u16(),
            error: code.to_string(),
            description: description.clone(),
            failures,
            until: to_wall(until),
            at: wall_now(),
        })
    }

    /// Whether nobody may try again yet: before `until`, for a record that
    /// says when it was written (not ahead of this clock) and forbids no
    /// longer than the failure memory's own bound from then. However it is
    /// replayed, a record denies logins for at most that bound.
    pub(crate) fn active(&self) -> bool {
        let now = wall_now();
        let bound = crate::defaults::LONGEST_FAILURE_MEMORY.as_millis() as u64;
        self.at <= now.saturating_add(MAX_SKEW.as_millis() as u64)
            && self.until > now
            && self.until.saturating_sub(self.at) <= bound
    }

    /// The error the refusal was, as the process that met it saw it.
    pub(crate) fn error(&self) -> Error {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::UNAUTHORIZED);
        match self.kind {
            FailureKind::InvalidCredentials => {
                Error::rejected_login(self.subject.as_str(), status, self.description.as_str())
            }
            FailureKind::InvalidClient => Error::invalid_client(
                self.subject.as_str(),
                status,
                self.error.as_str(),
                self.description.as_str(),
            ),
        }
    }
}

/// What a store keeps for one key.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Entry {
    v: u32,
    /// The key's name: an entry moved to another key is refused.
    key: String,
    pub(crate) tokens: Option<StoredTokens>,
    pub(crate) failure: Option<StoredFailure>,
}

/// Serializes a secret as its plain string (the entry is sealed, or the key
/// opted in to plain entries).
mod secret {
    use secrecy::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose_secret())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SecretString, D::Error> {
        String::deserialize(deserializer).map(SecretString::from)
    }
}

impl StoredTokens {
    /// When the access token was issued and how long it lives, on the wall
    /// clock, in milliseconds, for judging its age: the later of the
    /// writer's time and the token server's (`iat` of a JWT, with `exp`), so
    /// that a writer whose clock runs behind does not make the token look
    /// older than it is (and the fleet renew early, again and again).
    pub(crate) fn issued(&self) -> (u64, u64) {
        match crate::jwt::token_times(self.access_token()) {
            Some((iat, lifetime)) if iat > self.issued_at => (iat, lifetime),
            _ => (self.issued_at, self.lifetime_ms),
        }
    }

    /// Whether the writer's clock ran ahead of this one when it wrote them.
    pub(crate) fn skew(&self) -> Option<Duration> {
        let ahead = Duration::from_millis(self.issued_at.saturating_sub(wall_now()));
        (ahead > MAX_SKEW).then_some(ahead)
    }

    /// Until when, on the wall clock, any of the tokens may be used.
    fn usable_until(&self) -> u64 {
        let access = self.issued_at.saturating_add(self.lifetime_ms);
        match &self.refresh {
            Some(refresh) => match refresh.lifetime_ms {
                Some(lifetime) => refresh.issued_at.saturating_add(lifetime).max(access),
                None => access.saturating_add(UNKNOWN_REFRESH_LIFETIME.as_millis() as u64),
            },
            None => access,
        }
    }

    /// The access token.
    pub(crate) fn access_token(&self) -> &str {
        self.access_token.expose_secret()
    }
}

impl Entry {
    /// An entry of these tokens and this failure, for `key`.
    pub(crate) fn new(key: &StoreKey, tokens: Option<StoredTokens>, failure: Option<StoredFailure>) -> Entry {
        Entry {
            v: VERSION,
            key: key.as_str().to_string(),
            tokens,
            failure,
        }
    }

    /// The bytes a store keeps: sealed by `key`, unless it is plain.
    pub(crate) fn encode(&self, key: &StoreKey) -> Vec<u8> {
        key.seal(serde_json::to_vec(self).expect("an entry always serializes"))
    }

    /// Reads stored bytes; the error says why they cannot be used (never
    /// quoting them: they hold tokens). Times out of bounds are refused, a
    /// failure memory that has passed is dropped.
    pub(crate) fn decode(bytes: &[u8], key: &StoreKey) -> Result<Entry, String> {
        let record = key.open(bytes)?;
        let entry: Entry = serde_json::from_slice(&record).map_err(|e| {
            format!(
                "not a token entry ({} at line {}, column {})",
                match e.classify() {
                    serde_json::error::Category::Eof => "truncated",
                    serde_json::error::Category::Syntax => "not JSON",
                    _ => "missing or mistyped fields",
                },
                e.line(),
                e.column()
            )
        })?;
        if entry.v != VERSION {
            return Err(format!("entry format {} (this version reads {VERSION})", entry.v));
        }
        if entry.key != key.as_str() {
            return Err("the entry of another key".into());
        }
        if let Some(tokens) = &entry.tokens {
            let lifetime = Duration::from_millis(tokens.lifetime_ms);
            if !(MIN_TOKEN_LIFETIME..=MAX_TOKEN_LIFETIME).contains(&lifetime) {
                return Err(format!(
                    "an access-token lifetime of {lifetime:?}, not 1 s to a week"
                ));
            }
            let refresh_lifetime = tokens.refresh.as_ref().and_then(|r| r.lifetime_ms);
            if refresh_lifetime.is_some_and(|l| Duration::from_millis(l) > LONGEST_LIFETIME) {
                return Err("a refresh-token lifetime of over a year".into());
            }
        }
        let now = wall_now();
        if let Some(failure) = &entry.failure {
            let longest = now + (LONGEST_FAILURE_MEMORY + MAX_SKEW).as_millis() as u64;
            if failure.until > longest || failure.failures == 0 {
                return Err("a failure memory out of bounds".into());
            }
        }
        Ok(entry)
    }

    /// How long the entry is worth keeping: until neither token can be used,
    /// and a while after the failure memory has passed, so that the count of
    /// refusals in a row survives until the next try.
    pub(crate) fn ttl(&self) -> Duration {
        let tokens = self.tokens.as_ref().map_or(0, StoredTokens::usable_until);
        let keep = LONGEST_FAILURE_MEMORY.as_millis() as u64;
        let failure = self.failure.as_ref().map_or(0, |f| f.until.saturating_add(keep));
        Duration::from_millis(tokens.max(failure).saturating_sub(wall_now()).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(at: u64, until: u64) -> StoredFailure {
        StoredFailure {
            kind: FailureKind::InvalidCredentials,
            subject: "me@example.com".into(),
            status: 401,
            error: String::new(),
            description: "Invalid user credentials".into(),
            failures: 9,
            until,
            at,
        }
    }

    #[test]
    fn a_refusal_denies_logins_for_at_most_the_failure_memorys_bound() {
        let now = wall_now();
        let bound = crate::defaults::LONGEST_FAILURE_MEMORY.as_millis() as u64;
        assert!(refusal(now, now + 60_000).active());
        assert!(
            refusal(now - 1_000, now + bound - 1_000).active(),
            "up to the bound"
        );
        assert!(!refusal(now, now + bound + 1).active(), "longer than any memory");
        assert!(
            !refusal(now + 60_000, now + 120_000).active(),
            "written ahead of this clock"
        );
        assert!(!refusal(0, now + 60_000).active(), "an earlier version's record");
        assert!(!refusal(now - 10_000, now - 1).active(), "over");
    }

    fn tokens(issued_at: u64, lifetime_ms: u64) -> StoredTokens {
        StoredTokens {
            access_token: SecretString::from("access"),
            issued_at,
            lifetime_ms,
            refresh: Some(StoredRefresh {
                token: SecretString::from("refresh"),
                issued_at,
                lifetime_ms: Some(1_800_000),
            }),
        }
    }

    #[tokio::test]
    async fn entries_round_trip_and_refuse_what_they_cannot_use() {
        let key = StoreKey::plain("https://auth.example/token", "c", "me");
        let now = wall_now();
        let bytes = Entry::new(&key, Some(tokens(now, 300_000)), None).encode(&key);
        let back = Entry::decode(&bytes, &key).unwrap();
        let stored = back.tokens.as_ref().unwrap();
        assert_eq!(stored.access_token(), "access");
        assert!(stored.skew().is_none());
        assert!((1795..=1800).contains(&back.ttl().as_secs()), "{:?}", back.ttl());

        // Another key's entry, corrupt bytes, another version: refused, and
        // the reason quotes no token.
        let other = StoreKey::plain("https://auth.example/token", "c", "you");
        assert!(Entry::decode(&bytes, &other).unwrap_err().contains("another key"));
        for bad in [&bytes[..bytes.len() / 2], b"[]", b"\xff\xfe", br#"{"v":1}"#] {
            let reason = Entry::decode(bad, &key).expect_err("refused");
            assert!(!reason.contains("access"), "{reason}");
        }
        let future = String::from_utf8(bytes).unwrap().replace("\"v\":2", "\"v\":9");
        assert!(
            Entry::decode(future.as_bytes(), &key)
                .unwrap_err()
                .contains("format 9")
        );

        // Claims no token answer could make: refused.
        let ten_years = Entry::new(&key, Some(tokens(now, 10 * 365 * 86_400_000)), None).encode(&key);
        assert!(
            Entry::decode(&ten_years, &key)
                .unwrap_err()
                .contains("not 1 s to a week")
        );

        // A writer whose clock runs 120 s ahead: read, and its skew noticed.
        let ahead = Entry::new(&key, Some(tokens(now + 120_000, 300_000)), None).encode(&key);
        let skew = Entry::decode(&ahead, &key)
            .unwrap()
            .tokens
            .unwrap()
            .skew()
            .unwrap();
        assert!(skew > Duration::from_secs(119), "{skew:?}");
    }

    #[tokio::test]
    async fn failures_round_trip_within_bounds() {
        let key = StoreKey::sealed("https://auth.example/token", "c", "me", "pw");
        let refused = Error::rejected_login("me", StatusCode::UNAUTHORIZED, "Invalid user credentials");
        let until = Instant::now() + Duration::from_secs(8);
        let failure = StoredFailure::of(&refused, 3, until).unwrap();
        let bytes = Entry::new(&key, None, Some(failure)).encode(&key);
        let back = Entry::decode(&bytes, &key).unwrap().failure.unwrap();
        assert_eq!(back.failures, 3);
        let error = back.error();
        assert_eq!(error.kind(), crate::ErrorKind::InvalidCredentials);
        assert_eq!(error.to_string(), refused.to_string());
        // Only refusals are shared.
        assert!(StoredFailure::of(&Error::config("x"), 1, until).is_none());
        // A memory of a day: refused; one that has passed: kept, for its
        // count, but no longer active.
        let mut long = StoredFailure::of(&refused, 1, until).unwrap();
        long.until = wall_now() + 86_400_000;
        let bytes = Entry::new(&key, None, Some(long.clone())).encode(&key);
        assert!(Entry::decode(&bytes, &key).is_err());
        long.until = wall_now() - 1;
        let bytes = Entry::new(&key, None, Some(long)).encode(&key);
        let passed = Entry::decode(&bytes, &key).unwrap();
        assert!(!passed.failure.as_ref().unwrap().active());
        assert!(passed.ttl() > Duration::from_secs(15 * 60), "the count is kept");
    }
}
