//! The request journal: every request the sandbox saw, in order, with its
//! secrets redacted.

use crate::route::Route;

/// What a request's `Authorization` header was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authorization {
    /// No `Authorization` header.
    Absent,
    /// A bearer token the sandbox issued, live when the request arrived.
    ValidBearer,
    /// Anything else: unknown, expired or revoked token, another scheme.
    Invalid,
}

/// One request as the sandbox received it. Secrets are redacted: the
/// `Authorization` value, and the `password` and `refresh_token` fields of
/// token requests.
///
/// ```
/// use up42_auth::Authenticated;
/// use up42_testkit::{Authorization, Route, Sandbox};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), up42_auth::Error> {
/// let sandbox = Sandbox::start().await;
/// let client = sandbox.client()?;
/// client.access_token().await?;
/// let token_requests = sandbox.journal_of(Route::Token);
/// assert_eq!(token_requests.len(), 1);
/// let form = String::from_utf8_lossy(&token_requests[0].body).into_owned();
/// assert!(form.contains("grant_type=password") && form.contains("password=..redacted.."));
/// assert_eq!(token_requests[0].authorization, Authorization::Absent);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recorded {
    /// Which side of the sandbox it was for.
    pub route: Route,
    /// The method, `GET`, `POST`, ...
    pub method: String,
    /// The path as sent (percent-encoded).
    pub path: String,
    /// The query as sent, if any.
    pub query: Option<String>,
    /// The headers, in order, names in lower case; an `Authorization` value
    /// reads `..redacted..`.
    pub headers: Vec<(String, String)>,
    /// What the `Authorization` header held.
    pub authorization: Authorization,
    /// The body; for token requests, with `password` and `refresh_token` redacted.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A token request's form with its secrets replaced.
pub(crate) fn redact_form(body: &[u8]) -> Vec<u8> {
    let pairs = url::form_urlencoded::parse(body).map(|(key, value)| {
        let shown = match key.as_ref() {
            "password" | "refresh_token" => "..redacted..".into(),
            _ => value,
        };
        (key, shown)
    });
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}
