//! The one error type of the toolkit.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

/// Which kind of HTTP call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// The `POST` to the token endpoint (password or refresh grant).
    TokenRequest,
    /// A call to the UP42 API.
    ApiRequest,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::TokenRequest => "token request",
            Operation::ApiRequest => "API request",
        })
    }
}

/// Everything that can go wrong while authenticating or calling the UP42 API.
///
/// Variants are grouped by what the user has to do about them. No variant ever
/// holds a password or a token: messages are safe to log. [`Error::status`],
/// [`Error::oauth_error`] and [`Error::is_retryable`] answer the usual questions
/// without matching on variants.
///
/// `Error` is `Clone` so that one failed renewal can be handed to every caller
/// that waited for it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token server rejected the username or password (`invalid_grant` on a
    /// password grant). Never retried: repeated failures can lock the account.
    #[error(
        "the UP42 token server rejected the username or password for `{username}` \
         (HTTP {status}, `invalid_grant`: {description}); check UP42_USERNAME/UP42_PASSWORD \
         or ~/.up42/credentials.json. Not retried, since repeated failures can lock the account"
    )]
    InvalidCredentials {
        /// The username that was sent (never the password).
        username: String,
        /// HTTP status of the answer (401, or 400 on some servers).
        status: StatusCode,
        /// The server's `error_description`.
        description: String,
    },

    /// The refresh token is no longer accepted (`invalid_grant` on a refresh grant:
    /// expired, revoked, session ended). The client falls back to a password login.
    #[error(
        "the UP42 token server no longer accepts the refresh token (HTTP {status}: {description}); \
         log in again with the password"
    )]
    RefreshTokenRejected {
        /// HTTP status of the answer (usually 400).
        status: StatusCode,
        /// The server's `error_description`, e.g. `Token is not active`.
        description: String,
    },

    /// The token server does not know or does not allow the OAuth client id.
    #[error(
        "the token server rejected the client id `{client_id}` (HTTP {status}, `{error}`: {description}); \
         UP42 expects `up42-api`: check the client id set on the builder"
    )]
    InvalidClient {
        /// The client id that was sent.
        client_id: String,
        /// HTTP status of the answer.
        status: StatusCode,
        /// OAuth error code (`invalid_client`, `unauthorized_client`).
        error: String,
        /// The server's `error_description`.
        description: String,
    },

    /// The token request itself was malformed: a missing parameter or an
    /// unsupported `grant_type` (`invalid_request`, `unsupported_grant_type`).
    #[error(
        "the token server refused the request as malformed (HTTP {status}, `{error}`: {description}); \
         a token request needs `grant_type`, `client_id` and the grant's own fields"
    )]
    InvalidTokenRequest {
        /// HTTP status of the answer.
        status: StatusCode,
        /// OAuth error code.
        error: String,
        /// The server's `error_description`.
        description: String,
    },

    /// The token server answered 415: the request body was not form-encoded.
    #[error(
        "the token server cannot read the request body (HTTP 415 Unsupported Media Type); \
         token requests must be sent as `application/x-www-form-urlencoded`"
    )]
    UnsupportedMediaType,

    /// The URL used as token endpoint is not one: a 404, an HTML page, an
    /// unknown realm, or the API host where the auth host belongs.
    #[error(
        "`{url}` is not an UP42 token endpoint ({reason}); the token URL is \
         https://auth.up42.com/realms/public/protocol/openid-connect/token \
         (use auth.up42.com, not api.up42.com)"
    )]
    WrongTokenUrl {
        /// The URL that was configured or called.
        url: String,
        /// What gave it away.
        reason: String,
    },

    /// The server answered with a status that signals a fault on its side or a
    /// rate limit (5xx, 408, 429). Worth retrying later.
    #[error("the {operation} to `{url}` failed with HTTP {status} on the server side; try again later{}", excerpt_suffix(.body_excerpt))]
    Server {
        /// Which call failed.
        operation: Operation,
        /// The URL without its query.
        url: String,
        /// HTTP status of the answer.
        status: StatusCode,
        /// The first bytes of the body, lossily decoded.
        body_excerpt: String,
        /// How long the server asked to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },

    /// The UP42 API answered with a non-success status (after the one resend a
    /// stale token gets). The details are boxed to keep `Error` small.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The API answered with a redirect to another origin (scheme, host or
    /// port), which is not followed: the bearer token only goes to the origin
    /// the call was sent to. Downloads (`raw` `GET` endpoints) follow such a
    /// redirect with a fresh request that carries no token instead.
    #[error(
        "the API redirected {method} `{url}` to another origin, `{target}` (HTTP {status}); \
         not followed, since the token only goes to the API's own origin"
    )]
    Redirected {
        /// The HTTP method of the call.
        method: reqwest::Method,
        /// The URL without its query.
        url: String,
        /// The redirect's status (301, 302, 303, 307 or 308).
        status: StatusCode,
        /// The origin (`scheme://host:port`) the redirect pointed to.
        target: String,
    },

    /// The call did not get an HTTP answer: connection refused, DNS failure,
    /// TLS failure or timeout.
    #[error("the {operation} to `{url}` {}: {source}", if *.timeout { "timed out" } else { "could not be sent" })]
    Transport {
        /// Which call failed.
        operation: Operation,
        /// The URL without its query.
        url: String,
        /// Whether a connect or request timeout expired.
        timeout: bool,
        /// The underlying client error (its URL removed).
        #[source]
        source: Arc<reqwest::Error>,
    },

    /// An answer arrived but could not be understood.
    #[error("the {operation} to `{url}` got an answer that cannot be used (HTTP {status}): {reason}{}", excerpt_suffix(.body_excerpt))]
    MalformedResponse {
        /// Which call failed.
        operation: Operation,
        /// The URL without its query.
        url: String,
        /// HTTP status of the answer.
        status: StatusCode,
        /// What is wrong with it (for JSON, the path of the field that failed).
        reason: String,
        /// The first bytes of the body; empty for token answers, which may hold secrets.
        body_excerpt: String,
    },

    /// No credentials were given and none were found.
    #[error(
        "no UP42 credentials found; looked in: {}. Set UP42_USERNAME and UP42_PASSWORD, \
         write {{\"username\": \"...\", \"password\": \"...\"}} to ~/.up42/credentials.json, \
         or pass `Credentials::new(..)` to the builder", .searched.join(", ")
    )]
    CredentialsMissing {
        /// Every place that was looked at, in order.
        searched: Vec<String>,
    },

    /// A credentials file exists but cannot be used.
    #[error(
        "the credentials file `{}` cannot be used: {problem}; it must hold \
         {{\"username\": \"you@example.com\", \"password\": \"...\"}}", .path.display()
    )]
    CredentialsFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it (never its content).
        problem: String,
    },

    /// The client was configured with something it cannot work with.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// An argument of an endpoint function cannot be sent: a path value that
    /// is empty, `.` or `..`, a query value that is not a scalar, sequence or
    /// struct, a header value with line breaks, a body that does not serialize.
    #[error("argument `{name}` cannot be sent: {reason}")]
    InvalidArgument {
        /// The argument (or query key, or header name).
        name: String,
        /// Why the value is refused.
        reason: String,
    },
}

/// A non-success answer of the UP42 API: what [`Error::Api`] holds.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the UP42 API answered HTTP {status} to {method} `{url}`{}{}", message_suffix(.message), excerpt_suffix(.body_excerpt))]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP method of the call.
    pub method: reqwest::Method,
    /// The URL without its query.
    pub url: String,
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// The error message found in an UP42-shaped error body, if any.
    pub message: Option<String>,
    /// The error code found in an UP42-shaped error body, if any.
    pub code: Option<String>,
    /// The first bytes of the body, lossily decoded.
    pub body_excerpt: String,
    /// How long the server asked to wait (`Retry-After`), if it said.
    pub retry_after: Option<Duration>,
}

fn excerpt_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!("; body: {excerpt}")
    }
}

fn message_suffix(message: &Option<String>) -> String {
    match message {
        Some(m) => format!(": {m}"),
        None => String::new(),
    }
}

impl Error {
    /// The HTTP status of the answer that caused this error, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::InvalidCredentials { status, .. }
            | Error::RefreshTokenRejected { status, .. }
            | Error::InvalidClient { status, .. }
            | Error::InvalidTokenRequest { status, .. }
            | Error::Server { status, .. }
            | Error::MalformedResponse { status, .. }
            | Error::Redirected { status, .. } => Some(*status),
            Error::Api(api) => Some(api.status),
            Error::UnsupportedMediaType => Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            _ => None,
        }
    }

    /// The OAuth2 `error` code of a token server answer (`invalid_grant`,
    /// `invalid_client`, ...), if this error came from one.
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Error::InvalidCredentials { .. } | Error::RefreshTokenRejected { .. } => Some("invalid_grant"),
            Error::InvalidClient { error, .. } | Error::InvalidTokenRequest { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Whether the same call may succeed if tried again later: transport
    /// failures, timeouts, 408, 429 and 5xx. Credential and request errors are
    /// never retryable.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Server { .. } => true,
            Error::Api(api) => is_retryable_status(api.status),
            _ => false,
        }
    }

    /// How long the server asked to wait before the next try (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Server { retry_after, .. } => *retry_after,
            Error::Api(api) => api.retry_after,
            _ => None,
        }
    }

    /// Which call failed, for errors that come from an HTTP call.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Transport { operation, .. }
            | Error::Server { operation, .. }
            | Error::MalformedResponse { operation, .. } => Some(*operation),
            Error::Api(_) | Error::Redirected { .. } => Some(Operation::ApiRequest),
            Error::InvalidCredentials { .. }
            | Error::RefreshTokenRejected { .. }
            | Error::InvalidClient { .. }
            | Error::InvalidTokenRequest { .. }
            | Error::UnsupportedMediaType
            | Error::WrongTokenUrl { .. } => Some(Operation::TokenRequest),
            _ => None,
        }
    }

    /// Whether the error is a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport { timeout: true, .. })
    }

    pub(crate) fn transport(operation: Operation, url: &url::Url, source: reqwest::Error) -> Self {
        Error::Transport {
            operation,
            url: display_url(url),
            timeout: source.is_timeout(),
            source: Arc::new(source.without_url()),
        }
    }
}

/// Statuses that signal a transient fault: worth another try.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// A URL as shown in errors: without query or fragment, which may carry values
/// the user would not want in a log.
pub(crate) fn display_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.to_string()
}

/// A configured URL as shown in errors and `Debug`, parsable or not: without
/// user info, query or fragment, which may carry secrets.
pub(crate) fn display_url_text(text: &str) -> String {
    if let Ok(url) = url::Url::parse(text) {
        return display_url(&url);
    }
    let cut = text.find(['?', '#']).map_or(text, |at| &text[..at]);
    let (scheme, rest) = match cut.find("://") {
        Some(at) => cut.split_at(at + 3),
        None => ("", cut),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}{}", &rest[at + 1..]),
        None => cut.to_string(),
    }
}
