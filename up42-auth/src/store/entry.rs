//! One stored entry: the tokens and when they go stale, on the wall clock
//! (processes and machines share no monotonic clock), as versioned JSON.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// The format of entries; another version is ignored, like a corrupt entry.
const VERSION: u32 = 1;
/// How long an entry is kept when its refresh token's lifetime is unknown.
const UNKNOWN_REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// What a store keeps for one key. Times are milliseconds since the Unix epoch.
#[derive(Debug, Deserialize)]
pub(crate) struct Entry {
    v: u32,
    access_token: SecretString,
    /// When the access token expires.
    expires_at: u64,
    /// From then on, one process renews early.
    renew_from: u64,
    /// From then on, the access token is not handed out.
    stale_at: u64,
    refresh_token: Option<SecretString>,
    /// From then on, the refresh token is not sent; `None`: no known expiry.
    refresh_stale_at: Option<u64>,
}

/// A point on the monotonic clock, on the wall clock.
fn to_wall(at: Instant) -> u64 {
    let (now, wall) = (Instant::now(), SystemTime::now());
    let wall = match at.checked_duration_since(now) {
        Some(ahead) => wall + ahead,
        None => wall - now.duration_since(at),
    };
    wall.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A point on the wall clock, on the monotonic clock.
fn from_wall(ms: u64) -> Instant {
    let now = Instant::now();
    let wall_now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    match ms.checked_sub(wall_now) {
        Some(ahead) => now + Duration::from_millis(ahead),
        None => now
            .checked_sub(Duration::from_millis(wall_now - ms))
            .unwrap_or(now),
    }
}

/// The monotonic times of an entry, as the cache keeps them.
pub(crate) struct Times {
    pub(crate) expires_at: Instant,
    pub(crate) renew_from: Instant,
    pub(crate) stale_at: Instant,
    pub(crate) refresh_stale_at: Option<Instant>,
}

impl Entry {
    /// An entry of these tokens and times.
    pub(crate) fn new(access_token: &str, refresh_token: Option<&str>, times: &Times) -> Entry {
        Entry {
            v: VERSION,
            access_token: SecretString::from(access_token),
            expires_at: to_wall(times.expires_at),
            renew_from: to_wall(times.renew_from),
            stale_at: to_wall(times.stale_at),
            refresh_token: refresh_token.map(SecretString::from),
            refresh_stale_at: times.refresh_stale_at.map(to_wall),
        }
    }

    /// The bytes a store keeps.
    pub(crate) fn encode(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Plain<'a> {
            v: u32,
            access_token: &'a str,
            expires_at: u64,
            renew_from: u64,
            stale_at: u64,
            refresh_token: Option<&'a str>,
            refresh_stale_at: Option<u64>,
        }
        let plain = Plain {
            v: self.v,
            access_token: self.access_token.expose_secret(),
            expires_at: self.expires_at,
            renew_from: self.renew_from,
            stale_at: self.stale_at,
            refresh_token: self.refresh_token.as_ref().map(|t| t.expose_secret()),
            refresh_stale_at: self.refresh_stale_at,
        };
        serde_json::to_vec(&plain).expect("an entry always serializes")
    }

    /// Reads stored bytes; the error says why they cannot be used (never
    /// quoting them: they hold tokens).
    pub(crate) fn decode(bytes: &[u8]) -> Result<Entry, String> {
        let entry: Entry = serde_json::from_slice(bytes).map_err(|e| {
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
        Ok(entry)
    }

    /// The access token.
    pub(crate) fn access_token(&self) -> &str {
        self.access_token.expose_secret()
    }

    /// The refresh token.
    pub(crate) fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_ref().map(|t| t.expose_secret())
    }

    /// The entry's times on this process's monotonic clock.
    pub(crate) fn times(&self) -> Times {
        Times {
            expires_at: from_wall(self.expires_at),
            renew_from: from_wall(self.renew_from),
            stale_at: from_wall(self.stale_at),
            refresh_stale_at: self.refresh_stale_at.map(from_wall),
        }
    }

    /// How long the entry is worth keeping: until neither token can be used.
    pub(crate) fn ttl(&self) -> Duration {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let until = match (&self.refresh_token, self.refresh_stale_at) {
            (Some(_), Some(at)) => at.max(self.expires_at),
            (Some(_), None) => self.expires_at + UNKNOWN_REFRESH_LIFETIME.as_millis() as u64,
            (None, _) => self.expires_at,
        };
        Duration::from_millis(until.saturating_sub(now).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_round_trip_and_refuse_what_they_cannot_use() {
        let now = Instant::now();
        let times = Times {
            expires_at: now + Duration::from_secs(300),
            renew_from: now + Duration::from_secs(240),
            stale_at: now + Duration::from_secs(270),
            refresh_stale_at: Some(now + Duration::from_secs(1800)),
        };
        let entry = Entry::new("access", Some("refresh"), &times);
        let bytes = entry.encode();
        let back = Entry::decode(&bytes).unwrap();
        assert_eq!(
            (back.access_token(), back.refresh_token()),
            ("access", Some("refresh"))
        );
        let again = back.times();
        let close = |a: Instant, b: Instant| a.max(b) - a.min(b) < Duration::from_millis(5);
        assert!(close(again.renew_from, times.renew_from) && close(again.stale_at, times.stale_at));
        assert!((1795..=1800).contains(&back.ttl().as_secs()), "{:?}", back.ttl());

        for bad in [&bytes[..bytes.len() / 2], b"[]", b"\xff\xfe", br#"{"v":2}"#] {
            let reason = Entry::decode(bad).expect_err("refused");
            assert!(!reason.contains("access"), "{reason}");
        }
        let future = String::from_utf8(bytes).unwrap().replace("\"v\":1", "\"v\":9");
        assert!(Entry::decode(future.as_bytes()).unwrap_err().contains("format 9"));
    }
}
