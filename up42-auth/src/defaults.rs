//! The toolkit's defaults: UP42's regions and client id, the `User-Agent`,
//! and the time and size limits a client starts with. A leaf: it imports
//! nothing of the crate, and every other module may use it.

use std::time::Duration;

/// The OAuth client id UP42 users log in with.
pub const CLIENT_ID: &str = "up42-api";
/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("up42-rs/", env!("CARGO_PKG_VERSION"));

/// Default time allowed for a TCP (and TLS) connection to be set up.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for a whole token request.
pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time allowed for a whole API call (not for downloads: see
/// [`RequestPolicy::timeout`](crate::policy::RequestPolicy::timeout)).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Default time the API client waits for the next bytes of an answer: what
/// bounds a download.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The UP42 region, which decides both the token URL and the API URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Region {
    /// Europe: `auth.up42.com` and `api.up42.com`.
    #[default]
    Eu,
    /// South America: `auth.sa.up42.com` and `api.sa.up42.com`.
    Sa,
}

impl Region {
    /// The token endpoint of the region.
    pub fn token_url(self) -> &'static str {
        match self {
            Region::Eu => "https://auth.up42.com/realms/public/protocol/openid-connect/token",
            Region::Sa => "https://auth.sa.up42.com/realms/public/protocol/openid-connect/token",
        }
    }

    /// The API base URL of the region.
    pub fn api_url(self) -> &'static str {
        match self {
            Region::Eu => "https://api.up42.com",
            Region::Sa => "https://api.sa.up42.com",
        }
    }
}

/// The shortest access-token lifetime accepted (1 s): a shorter one would make
/// every call log in again, so a token answer or a stored entry with one is refused.
pub(crate) const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(1);
/// The longest access-token lifetime believed (a week); longer ones signal a
/// broken token answer, or a stored entry nobody honest wrote.
pub(crate) const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// Lifetimes are cut to this (a year) before instants are computed from them,
/// so that no grant (`Duration::MAX` included) can overflow the clock; a
/// stored refresh token claiming more is refused.
pub(crate) const LONGEST_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);
/// The longest a login refusal is answered from memory before the next try,
/// before jitter.
pub(crate) const FAILURE_BACKOFF_MAX: Duration = Duration::from_secs(15 * 60);
/// The jitter of a failure memory: up to this fraction longer.
pub(crate) const FAILURE_JITTER: f64 = 0.25;
/// The longest failure memory with its jitter: [`FAILURE_BACKOFF_MAX`] and a quarter.
pub(crate) const LONGEST_FAILURE_MEMORY: Duration =
    Duration::from_secs(FAILURE_BACKOFF_MAX.as_secs() + FAILURE_BACKOFF_MAX.as_secs() / 4);

/// The most bytes of a successful answer that an endpoint decodes as JSON
/// (32 MiB); larger answers are an error. `raw` endpoints (downloads) are not
/// limited: their body is the caller's to read.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 32 * 1024 * 1024;
