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
    /// Every region, in the order UP42 lists them.
    pub const ALL: &'static [Region] = &[Region::Eu, Region::Sa];

    /// The region's short name, as [`FromStr`](std::str::FromStr) reads it
    /// and [`Display`](std::fmt::Display) writes it: `eu`, `sa`.
    pub fn name(self) -> &'static str {
        match self {
            Region::Eu => "eu",
            Region::Sa => "sa",
        }
    }

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

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `Region`'s [`FromStr`](std::str::FromStr) error: the text named no region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRegion(String);

impl std::fmt::Display for UnknownRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is not an UP42 region; the regions are ",
            self.0.escape_debug()
        )?;
        let names: Vec<&str> = Region::ALL.iter().map(|region| region.name()).collect();
        f.write_str(&names.join(", "))
    }
}

impl std::error::Error for UnknownRegion {}

impl std::str::FromStr for Region {
    type Err = UnknownRegion;

    /// `eu` or `sa`, in any case, with no space around.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .iter()
            .copied()
            .find(|region| region.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| UnknownRegion(text.to_owned()))
    }
}

/// `--region eu|sa` in a clap command line (feature `clap`), with each
/// region's hosts in the help.
#[cfg(feature = "clap")]
impl clap::ValueEnum for Region {
    fn value_variants<'a>() -> &'a [Self] {
        Region::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let hosts = match self {
            Region::Eu => "Europe: auth.up42.com, api.up42.com",
            Region::Sa => "South America: auth.sa.up42.com, api.sa.up42.com",
        };
        Some(clap::builder::PossibleValue::new(self.name()).help(hosts))
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

#[cfg(test)]
mod tests {
    use super::Region;

    #[test]
    fn regions_read_what_they_write() {
        for region in Region::ALL {
            assert_eq!(region.to_string().parse::<Region>(), Ok(*region));
        }
        assert_eq!("SA".parse::<Region>(), Ok(Region::Sa));
        let unknown = "us".parse::<Region>().unwrap_err().to_string();
        assert_eq!(unknown, "`us` is not an UP42 region; the regions are eu, sa");
    }
}
