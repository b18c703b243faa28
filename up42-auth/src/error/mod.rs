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
/// [`source`](StdError::source) keeps the underlying error (the HTTP
/// client's, Redis's, the system's, a token source's). No error ever holds a
/// password or a token.
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

/// A boxed error kept as an [`Error`]'s source.
type Source = Box<dyn StdError + Send + Sync>;

/// The facts of an error. The ones many kinds share are fields, read by the
/// accessors without a `match`; what only one kind has is its [`Detail`].
/// Private, so that it can grow.
#[derive(Debug)]
pub(crate) struct Repr {
    kind: ErrorKind,
    /// Which HTTP call failed, for errors of one.
    operation: Option<Operation>,
    /// The URL of the call, as shown (no query, fragment or user info).
    url: Option<String>,
    /// The status of the answer, where there was one.
    status: Option<StatusCode>,
    /// How long the server asked to wait (`Retry-After`).
    retry_after: Option<Duration>,
    /// The first bytes of a body that may be shown (never a token answer's).
    body_excerpt: Option<String>,
    /// The local file concerned.
    path: Option<PathBuf>,
    /// Whether the same call may succeed if tried again later.
    retryable: bool,
    /// What only this kind of error has.
    pub(crate) detail: Detail,
    /// The underlying error: the HTTP client's, Redis's, the system's, a
    /// token source's.
    source: Option<Source>,
}

/// What only one kind of error knows.
#[derive(Debug)]
pub(crate) enum Detail {
    /// Nothing beyond the shared facts.
    None,
    /// A token server's refusal: the OAuth `error` code, its description,
    /// and whose it was (the username, the client id; empty if unknown).
    OAuth {
        error: String,
        description: String,
        subject: String,
    },
    /// What is wrong or was tried, in words: why a URL is no token endpoint,
    /// why an answer is unusable, a configuration or store problem, what a
    /// credentials file lacks, the file action that failed.
    Reason(String),
    /// An argument that cannot be sent, and why.
    Argument { name: String, reason: String },
    /// The API's answer.
    Api(ApiError),
    /// A refused redirect: the call's method and where it pointed.
    Redirected { method: reqwest::Method, target: String },
    /// A transport timeout, with the time limit that expired where known.
    Limit(Option<TimeLimit>),
    /// A wait before sending used up the call's time limit: nothing was sent.
    NotSent { limit: Duration, waited_for: WaitedFor },
    /// A [`poll`](crate::poll()) that reached its timeout.
    WaitTimedOut { waited: Duration, attempts: u32 },
    /// The places searched for credentials.
    Searched(Vec<String>),
}

impl Repr {
    /// A `kind` with no facts yet: the constructors fill in theirs.
    fn of(kind: ErrorKind) -> Repr {
        Repr {
            kind,
            operation: None,
            url: None,
            status: None,
            retry_after: None,
            body_excerpt: None,
            path: None,
            retryable: false,
            detail: Detail::None,
            source: None,
        }
    }

    /// A refusal of the token endpoint (`error` and `description` as it said).
    fn oauth(
        kind: ErrorKind,
        status: Option<StatusCode>,
        error: &str,
        description: String,
        subject: String,
    ) -> Repr {
        Repr {
            operation: Some(Operation::TokenRequest),
            status,
            detail: Detail::OAuth {
                error: error.to_string(),
                description,
                subject,
            },
            ..Repr::of(kind)
        }
    }
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

/// `Some(text)` unless it is empty.
fn shown(text: String) -> Option<String> {
    Some(text).filter(|t| !t.is_empty())
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
        Repr::oauth(
            ErrorKind::InvalidCredentials,
            Some(status),
            "invalid_grant",
            description.into(),
            username.into(),
        )
        .into()
    }

    /// The token endpoint refused the refresh token (`invalid_grant`).
    pub(crate) fn rejected_refresh(status: Option<StatusCode>, description: impl Into<String>) -> Self {
        Repr::oauth(
            ErrorKind::RefreshTokenRejected,
            status,
            "invalid_grant",
            description.into(),
            String::new(),
        )
        .into()
    }

    /// The token endpoint does not know or allow the client id.
    pub(crate) fn invalid_client(
        client_id: impl Into<String>,
        status: StatusCode,
        error: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        let error = error.into();
        Repr::oauth(
            ErrorKind::InvalidClient,
            Some(status),
            &error,
            description.into(),
            client_id.into(),
        )
        .into()
    }

    /// The token endpoint found the request itself wrong (`invalid_request`, ...).
    pub(crate) fn invalid_token_request(
        status: StatusCode,
        error: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        let error = error.into();
        Repr::oauth(
            ErrorKind::InvalidTokenRequest,
            Some(status),
            &error,
            description.into(),
            String::new(),
        )
        .into()
    }

    /// The token endpoint answered 415: the body was not form-encoded.
    pub(crate) fn unsupported_media_type() -> Self {
        Repr {
            operation: Some(Operation::TokenRequest),
            status: Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            ..Repr::of(ErrorKind::UnsupportedMediaType)
        }
        .into()
    }

    /// The token URL is not a token endpoint; `reason` says what it answered.
    pub(crate) fn wrong_token_url(url: impl Into<String>, reason: impl Into<String>) -> Self {
        Repr {
            operation: Some(Operation::TokenRequest),
            url: Some(url.into()),
            detail: Detail::Reason(reason.into()),
            ..Repr::of(ErrorKind::WrongTokenUrl)
        }
        .into()
    }

    /// A server error (5xx, 408, 429), with its `Retry-After`: retryable by
    /// the one rule for both hosts.
    pub(crate) fn server(
        operation: Operation,
        url: impl Into<String>,
        status: StatusCode,
        body_excerpt: impl Into<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        Repr {
            operation: Some(operation),
            url: Some(url.into()),
            status: Some(status),
            retry_after,
            body_excerpt: shown(body_excerpt.into()),
            retryable: is_retryable_status(status),
            ..Repr::of(ErrorKind::Server)
        }
        .into()
    }

    /// A non-success answer of the API.
    pub(crate) fn api_answer(api: ApiError) -> Self {
        Repr {
            operation: Some(Operation::ApiRequest),
            url: Some(api.url.clone()),
            status: Some(api.status),
            retry_after: api.retry_after,
            body_excerpt: shown(api.body_excerpt.clone()),
            retryable: is_retryable_status(api.status),
            detail: Detail::Api(api),
            ..Repr::of(ErrorKind::Api)
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
        Repr {
            operation: Some(Operation::ApiRequest),
            url: Some(url.into()),
            status: Some(status),
            detail: Detail::Redirected {
                method,
                target: target.into(),
            },
            ..Repr::of(ErrorKind::Redirected)
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
        Repr {
            operation: Some(operation),
            url: Some(url.into()),
            status: Some(status),
            body_excerpt: shown(body_excerpt.into()),
            detail: Detail::Reason(reason.into()),
            ..Repr::of(ErrorKind::MalformedResponse)
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
        Repr {
            detail: Detail::Searched(searched),
            ..Repr::of(ErrorKind::CredentialsMissing)
        }
        .into()
    }

    /// An unusable credentials file: what is wrong, and the I/O error behind it.
    pub(crate) fn credentials_file(
        path: impl Into<PathBuf>,
        problem: impl Into<String>,
        source: Option<std::io::Error>,
    ) -> Self {
        Repr {
            path: Some(path.into()),
            detail: Detail::Reason(problem.into()),
            source: source.map(Source::from),
            ..Repr::of(ErrorKind::CredentialsFile)
        }
        .into()
    }

    /// An argument that cannot be used ([`ErrorKind::InvalidArgument`]);
    /// `name` is the argument's, `reason` says what is wrong with it.
    pub fn invalid_argument(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Repr {
            detail: Detail::Argument {
                name: name.into(),
                reason: reason.into(),
            },
            ..Repr::of(ErrorKind::InvalidArgument)
        }
        .into()
    }

    /// A local file that could not be read, written or renamed
    /// ([`ErrorKind::Io`]): `action` is what was tried (`"write"`), `path`
    /// the file, `source` the system's error.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Repr {
            path: Some(path.into()),
            detail: Detail::Reason(action.to_string()),
            source: Some(source.into()),
            ..Repr::of(ErrorKind::Io)
        }
        .into()
    }

    /// A `poll` that reached its timeout after `attempts` calls.
    pub(crate) fn wait_timed_out(waited: Duration, attempts: u32) -> Self {
        Repr {
            detail: Detail::WaitTimedOut { waited, attempts },
            ..Repr::of(ErrorKind::Timeout)
        }
        .into()
    }

    /// A call to `url` held back past its time limit by what it `waited_for`.
    pub(crate) fn not_sent(url: &url::Url, limit: Duration, waited_for: WaitedFor) -> Self {
        Repr {
            operation: Some(Operation::ApiRequest),
            url: Some(display_url(url)),
            detail: Detail::NotSent { limit, waited_for },
            ..Repr::of(ErrorKind::Timeout)
        }
        .into()
    }

    /// The call got no answer: `source` says why (a timeout is
    /// [`ErrorKind::Timeout`]). Retryable.
    pub(crate) fn transport(operation: Operation, url: &url::Url, source: reqwest::Error) -> Self {
        let kind = match source.is_timeout() {
            true => ErrorKind::Timeout,
            false => ErrorKind::Transport,
        };
        Repr {
            operation: Some(operation),
            url: Some(display_url(url)),
            retryable: true,
            detail: Detail::Limit(None),
            source: Some(Box::new(source.without_url())),
            ..Repr::of(kind)
        }
        .into()
    }

    /// An invalid configuration that another library refused: `message` says
    /// what could not be set up, `source` is that library's error.
    pub(crate) fn config_from(message: impl Into<String>, source: impl Into<Source>) -> Self {
        Repr {
            detail: Detail::Reason(message.into()),
            source: Some(source.into()),
            ..Repr::of(ErrorKind::Config)
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
        Repr {
            retryable: transient,
            source: Some(source.into()),
            ..Repr::of(ErrorKind::TokenSource)
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
        Repr {
            retryable: transient,
            detail: Detail::Reason(what.into()),
            source,
            ..Repr::of(ErrorKind::Store)
        }
        .into()
    }

    /// The answer of a token source whose refresh token is no longer accepted:
    /// the cache drops it and asks for a login (`refresh: None`) instead.
    pub fn refresh_token_rejected(description: impl Into<String>) -> Self {
        Error::rejected_refresh(None, description)
    }

    /// The answer of a token source whose credentials were refused: remembered
    /// with a growing backoff, so that they are not sent again in a loop.
    pub fn invalid_credentials(username: impl Into<String>, description: impl Into<String>) -> Self {
        Error::rejected_login(username, StatusCode::UNAUTHORIZED, description)
    }

    /// An invalid configuration; `message` says what is wrong.
    pub fn config(message: impl Into<String>) -> Self {
        Repr {
            detail: Detail::Reason(message.into()),
            ..Repr::of(ErrorKind::Config)
        }
        .into()
    }

    /// What only this kind of error knows.
    pub(crate) fn detail(&self) -> &Detail {
        &self.repr.detail
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.repr.kind
    }

    /// The HTTP status of the answer that caused this error, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        self.repr.status
    }

    /// The OAuth2 `error` code of a token server answer (`invalid_grant`,
    /// `invalid_client`, ...), if this error came from one.
    pub fn oauth_error(&self) -> Option<&str> {
        match self.detail() {
            Detail::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Whether the same call may succeed if tried again later: transport
    /// failures, timeouts, 408, 429, 500, 502, 503 and 504 from either
    /// server (one rule for both), and transient failures of a token source
    /// or store. Credential and request errors never are, nor a 501 or 505.
    pub fn is_retryable(&self) -> bool {
        self.repr.retryable
    }

    /// Whether a connect or request timeout expired.
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }

    /// How long the server asked to wait before the next try (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.repr.retry_after
    }

    /// Which call failed, for errors that come from an HTTP call.
    pub fn operation(&self) -> Option<Operation> {
        self.repr.operation
    }

    /// The URL of the failed call (without query or user info), if there was one.
    pub fn url(&self) -> Option<&str> {
        self.repr.url.as_deref()
    }

    /// The API's answer, for [`ErrorKind::Api`].
    pub fn api(&self) -> Option<&ApiError> {
        match self.detail() {
            Detail::Api(api) => Some(api),
            _ => None,
        }
    }

    /// Where a refused redirect pointed (`scheme://host:port`), for
    /// [`ErrorKind::Redirected`].
    pub fn redirect_target(&self) -> Option<&str> {
        match self.detail() {
            Detail::Redirected { target, .. } => Some(target),
            _ => None,
        }
    }

    /// The first bytes of the answer's body, where one may be shown (never
    /// for token answers, which may hold secrets).
    pub fn body_excerpt(&self) -> Option<&str> {
        self.repr.body_excerpt.as_deref()
    }

    /// The file concerned, for [`ErrorKind::CredentialsFile`] and [`ErrorKind::Io`].
    pub fn path(&self) -> Option<&Path> {
        self.repr.path.as_deref()
    }

    /// For [`ErrorKind::InvalidArgument`]: the argument's name and what is
    /// wrong with it, as the error's message says them (a command line can
    /// show the reason next to its own flag's name).
    pub fn argument(&self) -> Option<(&str, &str)> {
        match &self.repr.detail {
            Detail::Argument { name, reason } => Some((name, reason)),
            _ => None,
        }
    }

    /// The HTTP client's error behind a transport failure or timeout.
    fn reqwest_source(&self) -> Option<&reqwest::Error> {
        self.repr.source.as_deref()?.downcast_ref()
    }

    /// Names the time limit that expired, for a timeout of a call whose limits
    /// `timing` knows; any other error, or one without a `timing`, is
    /// returned as it is.
    pub(crate) fn timed(mut self, timing: Option<&Timing>) -> Self {
        let Some(timing) = timing else { return self };
        let Some(connect) = self
            .reqwest_source()
            .filter(|s| s.is_timeout())
            .map(reqwest::Error::is_connect)
        else {
            return self;
        };
        let limit = match connect {
            true => TimeLimit::Connect,
            false => match timing.total {
                Some(total) if timing.started.elapsed() >= total => TimeLimit::Request(total),
                _ => TimeLimit::Read,
            },
        };
        if let Some(repr) = Arc::get_mut(&mut self.repr) {
            repr.detail = Detail::Limit(Some(limit));
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
        fmt::Debug::fmt(&*self.repr, f)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.repr
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
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
    fn an_invalid_argument_names_the_argument_and_the_reason() {
        let error = Error::invalid_argument("collections", "none is in the glossary");
        assert_eq!(error.argument(), Some(("collections", "none is in the glossary")));
        assert!(error.to_string().ends_with("none is in the glossary"), "{error}");
        assert_eq!(
            Error::io("write", "x", std::io::ErrorKind::Other.into()).argument(),
            None
        );
    }

    #[test]
    fn the_shared_facts_read_the_same_for_every_kind() {
        let busy = Error::server(
            Operation::TokenRequest,
            "https://auth.up42.com/token",
            StatusCode::SERVICE_UNAVAILABLE,
            "",
            Some(Duration::from_secs(3)),
        );
        assert_eq!(busy.kind(), ErrorKind::Server);
        assert_eq!(busy.operation(), Some(Operation::TokenRequest));
        assert_eq!(busy.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(busy.body_excerpt(), None, "an empty excerpt is no excerpt");
        assert!(busy.is_retryable());
        let unimplemented = Error::server(
            Operation::TokenRequest,
            "https://auth.up42.com/token",
            StatusCode::NOT_IMPLEMENTED,
            "",
            None,
        );
        assert!(
            !unimplemented.is_retryable(),
            "one rule for both hosts: 501 is not retried"
        );

        let refused = Error::rejected_login(
            "me@example.com",
            StatusCode::UNAUTHORIZED,
            "Invalid user credentials",
        );
        assert_eq!(refused.operation(), Some(Operation::TokenRequest));
        assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(refused.oauth_error(), Some("invalid_grant"));
        assert!(!refused.is_retryable());
        assert_eq!(
            refused.to_string(),
            "username or password rejected for `me@example.com` (HTTP 401, invalid_grant: Invalid user credentials)"
        );
    }

    #[test]
    fn a_library_refusal_of_the_configuration_keeps_its_cause() {
        let cause = std::io::Error::other("no TLS backend");
        let error = Error::config_from("the HTTP client cannot be set up", cause);
        assert_eq!(error.kind(), ErrorKind::Config);
        assert_eq!(
            error.to_string(),
            "invalid configuration: the HTTP client cannot be set up"
        );
        let kept = error
            .source()
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .unwrap();
        assert_eq!(kept.to_string(), "no TLS backend");
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
