//! The one error type of the toolkit: a pointer-sized handle on what went
//! wrong, with accessors for the facts and a [`kind`](Error::kind) to match on.
//! How it reads (`Display`, [`Error::hint`]) is in its `message` module.

use std::error::Error as StdError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

mod message;

/// What every fallible call of the toolkit returns: `Result<T, Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

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

/// What went wrong, grouped by what the user has to do about it. Match on it
/// with [`Error::kind`]; new kinds may be added in later releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The token server rejected the username or password (`invalid_grant` on
    /// a password grant). Remembered with a growing backoff, never retried in a
    /// loop: repeated failures can lock the account.
    InvalidCredentials,
    /// The refresh token is no longer accepted (`invalid_grant` on a refresh
    /// grant: expired, revoked, session ended). The cache logs in again.
    RefreshTokenRejected,
    /// The token server does not know or does not allow the OAuth client id.
    InvalidClient,
    /// The token request was malformed (`invalid_request`, `unsupported_grant_type`).
    InvalidTokenRequest,
    /// The token server answered 415: the body was not form-encoded.
    UnsupportedMediaType,
    /// The token URL is not a token endpoint: a 404, an HTML page, an unknown
    /// realm, a redirect, or the API host where the auth host belongs.
    WrongTokenUrl,
    /// A token request failed on the server side or was rate-limited (5xx,
    /// 408, 429). Worth retrying later.
    Server,
    /// The UP42 API answered with a non-success status; [`Error::api`] has
    /// the details.
    Api,
    /// The API redirected to another origin (scheme, host or port), which is
    /// not followed: the bearer token only goes to the origin it was sent to.
    Redirected,
    /// The call got no HTTP answer: connection refused, DNS or TLS failure.
    Transport,
    /// A time limit expired: the connect, request or read timeout of a call,
    /// or the timeout of a [`poll`](crate::poll()).
    Timeout,
    /// An answer arrived but could not be used: not the expected JSON, too
    /// large, a token answer without a token.
    MalformedResponse,
    /// No credentials were given and none were found.
    CredentialsMissing,
    /// A credentials file exists but cannot be used.
    CredentialsFile,
    /// The client was configured with something it cannot work with.
    Config,
    /// An argument of an endpoint function cannot be sent.
    InvalidArgument,
    /// A token source of the user's failed (a vault, a cache service);
    /// [`Error::is_retryable`] says whether it was transient.
    TokenSource,
    /// A token store (a file directory, Redis) or a shared rate limiter
    /// failed; calls go on without it. [`Error::is_retryable`] says whether
    /// it was transient.
    Store,
    /// A local file could not be written: a download's target or its
    /// temporary file ([`Error::path`] names it).
    Io,
}

impl ErrorKind {
    /// The kind in snake case (`invalid_credentials`, `timeout`, ...), as the
    /// toolkit's traces show it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidCredentials => "invalid_credentials",
            ErrorKind::RefreshTokenRejected => "refresh_token_rejected",
            ErrorKind::InvalidClient => "invalid_client",
            ErrorKind::InvalidTokenRequest => "invalid_token_request",
            ErrorKind::UnsupportedMediaType => "unsupported_media_type",
            ErrorKind::WrongTokenUrl => "wrong_token_url",
            ErrorKind::Server => "server",
            ErrorKind::Api => "api",
            ErrorKind::Redirected => "redirected",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::MalformedResponse => "malformed_response",
            ErrorKind::CredentialsMissing => "credentials_missing",
            ErrorKind::CredentialsFile => "credentials_file",
            ErrorKind::Config => "config",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::TokenSource => "token_source",
            ErrorKind::Store => "store",
            ErrorKind::Io => "io",
        }
    }
}

/// Everything that can go wrong while authenticating or calling the UP42 API.
///
/// One pointer in size and cheap to clone (one failed renewal is handed to
/// every caller that waited for it). Its [`kind`](Self::kind) says what
/// happened; [`status`](Self::status), [`oauth_error`](Self::oauth_error),
/// [`is_retryable`](Self::is_retryable), [`api`](Self::api) and friends give
/// the facts without a `match`. `Display` is one short line with the key facts
/// (status, URL, OAuth code); [`hint`](Self::hint) says what to do;
/// [`source`](StdError::source) keeps the underlying error. No error ever holds
/// a password or a token.
///
/// ```
/// use up42_auth::{Error, ErrorKind};
///
/// fn explain(error: &Error) -> String {
///     match error.kind() {
///         ErrorKind::InvalidCredentials => "check your password".into(),
///         _ if error.is_retryable() => "try again later".into(),
///         _ => error.hint().unwrap_or_default().into(),
///     }
/// }
/// # let _ = explain;
/// ```
#[derive(Clone)]
pub struct Error {
    repr: Arc<Repr>,
}

/// The facts of each kind. Private, so that it can grow.
#[derive(Debug)]
pub(crate) enum Repr {
    InvalidCredentials {
        username: String,
        status: StatusCode,
        description: String,
    },
    RefreshTokenRejected {
        status: Option<StatusCode>,
        description: String,
    },
    InvalidClient {
        client_id: String,
        status: StatusCode,
        error: String,
        description: String,
    },
    InvalidTokenRequest {
        status: StatusCode,
        error: String,
        description: String,
    },
    UnsupportedMediaType,
    WrongTokenUrl {
        url: String,
        reason: String,
    },
    Server {
        operation: Operation,
        url: String,
        status: StatusCode,
        body_excerpt: String,
        retry_after: Option<Duration>,
    },
    Api(ApiError),
    Redirected {
        method: reqwest::Method,
        url: String,
        status: StatusCode,
        target: String,
    },
    Transport {
        operation: Operation,
        url: String,
        source: reqwest::Error,
        /// Which time limit expired, where the caller knows (API calls).
        limit: Option<TimeLimit>,
    },
    MalformedResponse {
        operation: Operation,
        url: String,
        status: StatusCode,
        reason: String,
        body_excerpt: String,
    },
    CredentialsMissing {
        searched: Vec<String>,
    },
    CredentialsFile {
        path: PathBuf,
        problem: String,
        source: Option<std::io::Error>,
    },
    Config(String),
    InvalidArgument {
        name: String,
        reason: String,
    },
    TokenSource {
        transient: bool,
        source: Box<dyn StdError + Send + Sync>,
    },
    Store {
        transient: bool,
        what: String,
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
    /// A local file could not be written or renamed.
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A [`poll`](crate::poll()) that reached its timeout.
    WaitTimedOut {
        waited: Duration,
        attempts: u32,
    },
    /// A wait before sending used up the call's time limit: nothing was sent.
    NotSent {
        url: String,
        limit: Duration,
        waited_for: WaitedFor,
    },
}

/// What a call waited for before it could be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitedFor {
    /// The client's rate limit.
    RateLimit,
    /// A token: a renewal, and the token store's lock it may wait for.
    Token,
}

/// A non-success answer of the UP42 API: what [`Error::api`] returns.
///
/// UP42's validation errors carry their details in the body: it is kept whole
/// (up to 64 KiB) and can be decoded into a type of your own.
///
/// ```
/// # fn show(error: &up42_auth::Error) {
/// #[derive(serde::Deserialize)]
/// struct Validation {
///     errors: Vec<serde_json::Value>,
/// }
///
/// if let Some(api) = error.api()
///     && let Ok(validation) = api.body_json::<Validation>()
/// {
///     println!("{} validation errors", validation.errors.len());
/// }
/// # }
/// ```
#[derive(Clone)]
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
    /// The whole body as received (at most 64 KiB).
    pub(crate) body: bytes::Bytes,
}

impl ApiError {
    /// The body of the answer, whole (at most 64 KiB; a longer one is not kept).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body decoded as JSON into `T`: UP42's validation details, say.
    pub fn body_json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("status", &self.status)
            .field("message", &self.message)
            .field("code", &self.code)
            .field("body_excerpt", &self.body_excerpt)
            .field("body_len", &self.body.len())
            .field("retry_after", &self.retry_after)
            .finish()
    }
}

impl From<Repr> for Error {
    fn from(repr: Repr) -> Self {
        Error { repr: Arc::new(repr) }
    }
}

/// Constructors of the crate's own errors, one per kind of fact: every
/// place that fails names the facts, never the representation.
impl Error {
    /// The token endpoint refused `username`'s password (`invalid_grant`).
    pub(crate) fn rejected_login(
        username: impl Into<String>,
        status: StatusCode,
        description: impl Into<String>,
    ) -> Self {
        Repr::InvalidCredentials {
            username: username.into(),
            status,
            description: description.into(),
        }
        .into()
    }

    /// The token endpoint refused the refresh token (`invalid_grant`).
    pub(crate) fn rejected_refresh(status: Option<StatusCode>, description: impl Into<String>) -> Self {
        Repr::RefreshTokenRejected {
            status,
            description: description.into(),
        }
        .into()
    }

    /// The token endpoint does not know or allow the client id.
    pub(crate) fn invalid_client(
        client_id: impl Into<String>,
        status: StatusCode,
        error: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Repr::InvalidClient {
            client_id: client_id.into(),
            status,
            error: error.into(),
            description: description.into(),
        }
        .into()
    }

    /// The token endpoint found the request itself wrong (`invalid_request`, ...).
    pub(crate) fn invalid_token_request(
        status: StatusCode,
        error: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Repr::InvalidTokenRequest {
            status,
            error: error.into(),
            description: description.into(),
        }
        .into()
    }

    /// The token URL is not a token endpoint; `reason` says what it answered.
    pub(crate) fn wrong_token_url(url: impl Into<String>, reason: impl Into<String>) -> Self {
        Repr::WrongTokenUrl {
            url: url.into(),
            reason: reason.into(),
        }
        .into()
    }

    /// A server error (5xx, 408, 429): retryable, with its `Retry-After`.
    pub(crate) fn server(
        operation: Operation,
        url: impl Into<String>,
        status: StatusCode,
        body_excerpt: impl Into<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        Repr::Server {
            operation,
            url: url.into(),
            status,
            body_excerpt: body_excerpt.into(),
            retry_after,
        }
        .into()
    }

    /// An answer redirected to another origin, which is never followed with the token.
    pub(crate) fn redirected(
        method: reqwest::Method,
        url: impl Into<String>,
        status: StatusCode,
        target: impl Into<String>,
    ) -> Self {
        Repr::Redirected {
            method,
            url: url.into(),
            status,
            target: target.into(),
        }
        .into()
    }

    /// A successful answer that cannot be read as promised.
    pub(crate) fn malformed(
        operation: Operation,
        url: impl Into<String>,
        status: StatusCode,
        reason: impl Into<String>,
        body_excerpt: impl Into<String>,
    ) -> Self {
        Repr::MalformedResponse {
            operation,
            url: url.into(),
            status,
            reason: reason.into(),
            body_excerpt: body_excerpt.into(),
        }
        .into()
    }

    /// Downloaded bytes that fail a check of the answer's or the file's own
    /// (a checksum, a declared size): [`ErrorKind::MalformedResponse`],
    /// `reason` says which check and what it expected.
    pub fn corrupt_download(url: &url::Url, reason: impl Into<String>) -> Self {
        Error::malformed(
            Operation::ApiRequest,
            display_url(url),
            StatusCode::OK,
            reason,
            String::new(),
        )
    }

    /// No credentials in any of the places `searched`.
    pub(crate) fn credentials_missing(searched: Vec<String>) -> Self {
        Repr::CredentialsMissing { searched }.into()
    }

    /// An unusable credentials file: what is wrong, and the I/O error behind it.
    pub(crate) fn credentials_file(
        path: impl Into<PathBuf>,
        problem: impl Into<String>,
        source: Option<std::io::Error>,
    ) -> Self {
        Repr::CredentialsFile {
            path: path.into(),
            problem: problem.into(),
            source,
        }
        .into()
    }

    /// An argument that cannot be used ([`ErrorKind::InvalidArgument`]);
    /// `name` is the argument's, `reason` says what is wrong with it.
    pub fn invalid_argument(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Repr::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
        .into()
    }

    /// A local file that could not be read, written or renamed
    /// ([`ErrorKind::Io`]): `action` is what was tried (`"write"`), `path`
    /// the file, `source` the system's error.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Repr::Io {
            action,
            path: path.into(),
            source,
        }
        .into()
    }

    /// A `poll` that reached its timeout after `attempts` calls.
    pub(crate) fn wait_timed_out(waited: Duration, attempts: u32) -> Self {
        Repr::WaitTimedOut { waited, attempts }.into()
    }

    /// A call to `url` held back past its time limit by what it `waited_for`.
    pub(crate) fn not_sent(url: &url::Url, limit: Duration, waited_for: WaitedFor) -> Self {
        Repr::NotSent {
            url: display_url(url),
            limit,
            waited_for,
        }
        .into()
    }
}

impl Error {
    /// A failure of a token source or token store of your own (a vault, a
    /// cache service): `transient` says whether trying again later may
    /// succeed, which decides whether it is retried and remembered.
    ///
    /// ```
    /// use up42_auth::{Error, ErrorKind};
    ///
    /// let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "vault did not answer");
    /// let error = Error::token_source(true, io);
    /// assert_eq!(error.kind(), ErrorKind::TokenSource);
    /// assert!(error.is_retryable());
    /// assert!(std::error::Error::source(&error).is_some());
    /// ```
    pub fn token_source(transient: bool, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Repr::TokenSource {
            transient,
            source: source.into(),
        }
        .into()
    }

    /// A failure of a token store or shared rate limiter ([`ErrorKind::Store`]),
    /// for stores of your own: `what` failed (one line, shown), `source` is
    /// the cause (kept for [`source`](StdError::source)); `transient` says
    /// whether trying again may succeed.
    ///
    /// ```
    /// use up42_auth::{Error, ErrorKind};
    ///
    /// let cause = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    /// let error = Error::store(true, "the cache service did not answer", Some(cause.into()));
    /// assert_eq!(error.kind(), ErrorKind::Store);
    /// assert!(error.is_retryable());
    /// assert!(std::error::Error::source(&error).is_some());
    /// ```
    pub fn store(
        transient: bool,
        what: impl Into<String>,
        source: Option<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Repr::Store {
            transient,
            what: what.into(),
            source,
        }
        .into()
    }

    /// The answer of a token source whose refresh token is no longer accepted:
    /// the cache drops it and asks for a login (`refresh: None`) instead.
    pub fn refresh_token_rejected(description: impl Into<String>) -> Self {
        Repr::RefreshTokenRejected {
            status: None,
            description: description.into(),
        }
        .into()
    }

    /// The answer of a token source whose credentials were refused: remembered
    /// with a growing backoff, so that they are not sent again in a loop.
    pub fn invalid_credentials(username: impl Into<String>, description: impl Into<String>) -> Self {
        Repr::InvalidCredentials {
            username: username.into(),
            status: StatusCode::UNAUTHORIZED,
            description: description.into(),
        }
        .into()
    }

    /// An invalid configuration; `message` says what is wrong.
    pub fn config(message: impl Into<String>) -> Self {
        Repr::Config(message.into()).into()
    }

    pub(crate) fn repr(&self) -> &Repr {
        &self.repr
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        match self.repr() {
            Repr::InvalidCredentials { .. } => ErrorKind::InvalidCredentials,
            Repr::RefreshTokenRejected { .. } => ErrorKind::RefreshTokenRejected,
            Repr::InvalidClient { .. } => ErrorKind::InvalidClient,
            Repr::InvalidTokenRequest { .. } => ErrorKind::InvalidTokenRequest,
            Repr::UnsupportedMediaType => ErrorKind::UnsupportedMediaType,
            Repr::WrongTokenUrl { .. } => ErrorKind::WrongTokenUrl,
            Repr::Server { .. } => ErrorKind::Server,
            Repr::Api(_) => ErrorKind::Api,
            Repr::Redirected { .. } => ErrorKind::Redirected,
            Repr::Transport { source, .. } if source.is_timeout() => ErrorKind::Timeout,
            Repr::Transport { .. } => ErrorKind::Transport,
            Repr::MalformedResponse { .. } => ErrorKind::MalformedResponse,
            Repr::CredentialsMissing { .. } => ErrorKind::CredentialsMissing,
            Repr::CredentialsFile { .. } => ErrorKind::CredentialsFile,
            Repr::Config(_) => ErrorKind::Config,
            Repr::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            Repr::TokenSource { .. } => ErrorKind::TokenSource,
            Repr::Store { .. } => ErrorKind::Store,
            Repr::Io { .. } => ErrorKind::Io,
            Repr::WaitTimedOut { .. } | Repr::NotSent { .. } => ErrorKind::Timeout,
        }
    }

    /// The HTTP status of the answer that caused this error, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self.repr() {
            Repr::InvalidCredentials { status, .. }
            | Repr::InvalidClient { status, .. }
            | Repr::InvalidTokenRequest { status, .. }
            | Repr::Server { status, .. }
            | Repr::MalformedResponse { status, .. }
            | Repr::Redirected { status, .. } => Some(*status),
            Repr::RefreshTokenRejected { status, .. } => *status,
            Repr::Api(api) => Some(api.status),
            Repr::UnsupportedMediaType => Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            _ => None,
        }
    }

    /// The OAuth2 `error` code of a token server answer (`invalid_grant`,
    /// `invalid_client`, ...), if this error came from one.
    pub fn oauth_error(&self) -> Option<&str> {
        match self.repr() {
            Repr::InvalidCredentials { .. } | Repr::RefreshTokenRejected { .. } => Some("invalid_grant"),
            Repr::InvalidClient { error, .. } | Repr::InvalidTokenRequest { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Whether the same call may succeed if tried again later: transport
    /// failures, timeouts, 408, 429, 500, 502, 503 and 504 from either
    /// server (one rule for both), and transient failures of a token source.
    /// Credential and request errors never are, nor a 501 or 505.
    pub fn is_retryable(&self) -> bool {
        match self.repr() {
            Repr::Transport { .. } => true,
            // One rule for both hosts: the token endpoint's 501 is no more
            // worth another try than the API's.
            Repr::Server { status, .. } => is_retryable_status(*status),
            Repr::Api(api) => is_retryable_status(api.status),
            Repr::TokenSource { transient, .. } | Repr::Store { transient, .. } => *transient,
            _ => false,
        }
    }

    /// Whether a connect or request timeout expired.
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }

    /// How long the server asked to wait before the next try (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self.repr() {
            Repr::Server { retry_after, .. } => *retry_after,
            Repr::Api(api) => api.retry_after,
            _ => None,
        }
    }

    /// Which call failed, for errors that come from an HTTP call.
    pub fn operation(&self) -> Option<Operation> {
        match self.repr() {
            Repr::Transport { operation, .. }
            | Repr::Server { operation, .. }
            | Repr::MalformedResponse { operation, .. } => Some(*operation),
            Repr::Api(_) | Repr::Redirected { .. } => Some(Operation::ApiRequest),
            Repr::InvalidCredentials { .. }
            | Repr::RefreshTokenRejected { .. }
            | Repr::InvalidClient { .. }
            | Repr::InvalidTokenRequest { .. }
            | Repr::UnsupportedMediaType
            | Repr::WrongTokenUrl { .. } => Some(Operation::TokenRequest),
            _ => None,
        }
    }

    /// The URL of the failed call (without query or user info), if there was one.
    pub fn url(&self) -> Option<&str> {
        match self.repr() {
            Repr::WrongTokenUrl { url, .. }
            | Repr::Server { url, .. }
            | Repr::Redirected { url, .. }
            | Repr::Transport { url, .. }
            | Repr::MalformedResponse { url, .. } => Some(url),
            Repr::Api(api) => Some(&api.url),
            _ => None,
        }
    }

    /// The API's answer, for [`ErrorKind::Api`].
    pub fn api(&self) -> Option<&ApiError> {
        match self.repr() {
            Repr::Api(api) => Some(api),
            _ => None,
        }
    }

    /// Where a refused redirect pointed (`scheme://host:port`), for
    /// [`ErrorKind::Redirected`].
    pub fn redirect_target(&self) -> Option<&str> {
        match self.repr() {
            Repr::Redirected { target, .. } => Some(target),
            _ => None,
        }
    }

    /// The first bytes of the answer's body, where one may be shown (never
    /// for token answers, which may hold secrets).
    pub fn body_excerpt(&self) -> Option<&str> {
        match self.repr() {
            Repr::Server { body_excerpt, .. } | Repr::MalformedResponse { body_excerpt, .. } => {
                Some(body_excerpt).filter(|b| !b.is_empty()).map(String::as_str)
            }
            Repr::Api(api) => Some(api.body_excerpt.as_str()).filter(|b| !b.is_empty()),
            _ => None,
        }
    }

    /// The file concerned, for [`ErrorKind::CredentialsFile`] and [`ErrorKind::Io`].
    pub fn path(&self) -> Option<&Path> {
        match self.repr() {
            Repr::CredentialsFile { path, .. } | Repr::Io { path, .. } => Some(path),
            _ => None,
        }
    }

    pub(crate) fn transport(operation: Operation, url: &url::Url, source: reqwest::Error) -> Self {
        Repr::Transport {
            operation,
            url: display_url(url),
            source: source.without_url(),
            limit: None,
        }
        .into()
    }

    /// Names the time limit that expired, for a timeout of a call whose limits
    /// `timing` knows; any other error, or one without a `timing`, is
    /// returned as it is.
    pub(crate) fn timed(mut self, timing: Option<&Timing>) -> Self {
        let Some(timing) = timing else { return self };
        if let Some(Repr::Transport { source, limit, .. }) = Arc::get_mut(&mut self.repr)
            && source.is_timeout()
        {
            *limit = Some(if source.is_connect() {
                TimeLimit::Connect
            } else {
                match timing.total {
                    Some(total) if timing.started.elapsed() >= total => TimeLimit::Request(total),
                    _ => TimeLimit::Read,
                }
            });
        }
        self
    }
}

/// The time limits of one API call, to say which one expired.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// When the call was sent.
    pub(crate) started: std::time::Instant,
    /// The time allowed for the whole call, if any.
    pub(crate) total: Option<Duration>,
}

/// A time limit that expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeLimit {
    /// The connect timeout.
    Connect,
    /// The time allowed for the whole call: the endpoint's `timeout` option or
    /// the client's request timeout.
    Request(Duration),
    /// The read timeout: no byte arrived for that long.
    Read,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.repr(), f)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self.repr() {
            Repr::Transport { source, .. } => Some(source),
            Repr::CredentialsFile {
                source: Some(source), ..
            } => Some(source),
            Repr::TokenSource { source, .. } => Some(source.as_ref()),
            Repr::Store { source, .. } => source.as_deref().map(|s| s as &(dyn StdError + 'static)),
            Repr::Io { source, .. } => Some(source),
            _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_snake_case_of_the_variants() {
        for kind in [
            ErrorKind::InvalidCredentials,
            ErrorKind::Timeout,
            ErrorKind::WrongTokenUrl,
            ErrorKind::TokenSource,
            ErrorKind::Store,
        ] {
            let debug = format!("{kind:?}");
            let snake: String = debug
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let sep = (i > 0 && c.is_uppercase()).then_some('_');
                    sep.into_iter().chain(std::iter::once(c.to_ascii_lowercase()))
                })
                .collect();
            assert_eq!(kind.name(), snake);
        }
    }

    #[test]
    fn an_error_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
        assert_eq!(
            std::mem::size_of::<Result<(), Error>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn io_errors_keep_their_kind_in_the_chain() {
        let error = Error::credentials_file(
            PathBuf::from("/nowhere/credentials.json"),
            "it cannot be read (not found)",
            Some(std::io::Error::from(std::io::ErrorKind::NotFound)),
        );
        let io = error
            .source()
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .unwrap();
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(error.path(), Some(Path::new("/nowhere/credentials.json")));
    }
}
