//! The OAuth2 token exchange with UP42's Keycloak: the password and refresh
//! grants, and the reading of every answer Keycloak gives.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use async_trait::async_trait;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;
use url::Url;

use crate::auth::credentials::Credentials;
use crate::auth::source::TokenSource;
use crate::auth::token::{RefreshToken, TokenGrant};
use crate::body::{SMALL_BODY_LIMIT, excerpt, read_limited};
use crate::defaults::{MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME};
use crate::error::{Error, Operation, display_url};
use crate::policy::RetryPolicy;
use crate::store::StoreKey;

/// Which grant a token request used: decides what `invalid_grant` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant<'a> {
    /// A login with username and password.
    Password { username: &'a str },
    /// A renewal with a refresh token.
    Refresh,
}

/// A token endpoint and the client that talks to it.
#[derive(Debug, Clone)]
pub(crate) struct TokenEndpoint {
    pub(crate) url: Url,
    pub(crate) client_id: String,
    /// Follows no redirects: credentials only go to the configured host.
    pub(crate) http: reqwest::Client,
}

/// UP42's way to get tokens: the password grant with the credentials, the
/// refresh grant with the refresh token, each retried on transient failures.
pub(crate) struct PasswordSource {
    pub(crate) endpoint: TokenEndpoint,
    /// Replaced by [`Up42Client::set_credentials`](crate::Up42Client::set_credentials).
    pub(crate) credentials: ArcSwap<Credentials>,
    pub(crate) retry: RetryPolicy,
    /// The store key of the credentials it was derived from: derived once
    /// per credentials (PBKDF2 takes a while by design).
    pub(crate) store_key: std::sync::Mutex<Option<(Arc<Credentials>, StoreKey)>>,
    /// The PBKDF2 rounds of that derivation.
    pub(crate) seal_rounds: u32,
}

#[async_trait]
impl TokenSource for PasswordSource {
    /// Wrong credentials are never retried.
    async fn request_token(&self, refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
        let attempt = || async move {
            match refresh {
                Some(refresh) => self.endpoint.refresh_grant(refresh).await,
                None => self.endpoint.password_grant(&self.credentials.load()).await,
            }
        };
        self.retry
            .run("token request", Error::is_retryable, attempt)
            .await
    }

    /// The username: a stored token of another account is never adopted.
    fn account(&self) -> Option<String> {
        Some(self.credentials.load().username().to_string())
    }

    /// Sealed with the password: a changed password names another entry.
    fn store_key(&self) -> Option<StoreKey> {
        let credentials = self.credentials.load_full();
        let mut derived = crate::sync::lock(&self.store_key);
        if let Some((from, key)) = &*derived
            && Arc::ptr_eq(from, &credentials)
        {
            return Some(key.clone());
        }
        let key = StoreKey::sealed_with_rounds(
            self.endpoint.url.as_str(),
            &self.endpoint.client_id,
            credentials.username(),
            credentials.password(),
            self.seal_rounds,
        );
        *derived = Some((credentials, key.clone()));
        Some(key)
    }
}

impl TokenEndpoint {
    /// The password grant: `grant_type=password`, `username`, `password`, `client_id`.
    pub(crate) async fn password_grant(&self, credentials: &Credentials) -> Result<TokenGrant, Error> {
        let form = [
            ("grant_type", "password"),
            ("username", credentials.username()),
            ("password", credentials.password()),
            ("client_id", &self.client_id),
        ];
        let grant = Grant::Password {
            username: credentials.username(),
        };
        self.exchange(&form, grant).await
    }

    /// The refresh grant: `grant_type=refresh_token`, `refresh_token`, `client_id`.
    pub(crate) async fn refresh_grant(&self, refresh: &RefreshToken) -> Result<TokenGrant, Error> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.secret()),
            ("client_id", &self.client_id),
        ];
        self.exchange(&form, Grant::Refresh).await
    }

    async fn exchange(&self, form: &[(&str, &str)], grant: Grant<'_>) -> Result<TokenGrant, Error> {
        tracing::debug!(url = %display_url(&self.url), grant = ?grant_name(grant), "requesting a token");
        let response = self
            .http
            .post(self.url.clone())
            .form(form)
            .send()
            .await
            .map_err(|e| Error::transport(Operation::TokenRequest, &self.url, e))?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let retry_after = crate::policy::retry_after(response.headers());
        let body = read_limited(response, SMALL_BODY_LIMIT, Operation::TokenRequest, &self.url).await?;
        let answer = TokenAnswer {
            status,
            content_type: &content_type,
            body: &body,
            retry_after,
        };
        answer.into_grant(&self.url, &self.client_id, grant)
    }
}

fn grant_name(grant: Grant<'_>) -> &'static str {
    match grant {
        Grant::Password { .. } => "password",
        Grant::Refresh => "refresh_token",
    }
}

/// A token endpoint's answer, read but not yet understood.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenAnswer<'a> {
    pub(crate) status: StatusCode,
    /// Lowercase `Content-Type`, empty if absent.
    pub(crate) content_type: &'a str,
    pub(crate) body: &'a [u8],
    /// The `Retry-After` of the answer, if any.
    pub(crate) retry_after: Option<Duration>,
}

/// The success fields of a token answer. Unknown fields are ignored.
#[derive(Deserialize)]
struct SuccessFields {
    access_token: Option<String>,
    expires_in: Option<f64>,
    refresh_token: Option<String>,
    refresh_expires_in: Option<f64>,
    token_type: Option<String>,
}

/// The error fields of a token answer.
#[derive(Deserialize)]
struct ErrorFields {
    error: Option<String>,
    error_description: Option<String>,
}

impl TokenAnswer<'_> {
    /// Turns the answer into a grant or into the error that explains it.
    pub(crate) fn into_grant(
        self,
        url: &Url,
        client_id: &str,
        grant: Grant<'_>,
    ) -> Result<TokenGrant, Error> {
        let shown_url = display_url(url);
        let errors: Option<ErrorFields> = serde_json::from_slice(self.body).ok();
        let oauth_error = errors.as_ref().and_then(|e| e.error.clone());
        match oauth_error {
            Some(code) => {
                let description = errors.and_then(|e| e.error_description).unwrap_or_default();
                Err(self.classify(shown_url, client_id, grant, code, excerpt(description.as_bytes())))
            }
            None if self.status.is_success() => self.success(shown_url),
            None => Err(self.unexplained(shown_url)),
        }
    }

    fn success(&self, url: String) -> Result<TokenGrant, Error> {
        let malformed = |reason: String| {
            Error::malformed(
                Operation::TokenRequest,
                url.clone(),
                self.status,
                reason,
                String::new(),
            )
        };
        let fields: SuccessFields = serde_json::from_slice(self.body).map_err(|e| {
            malformed(format!(
                "the body is not a JSON token answer ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        let access_token = fields
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| malformed("it has no `access_token`".into()))?;
        if reqwest::header::HeaderValue::from_str(&access_token).is_err() {
            return Err(malformed(
                "its `access_token` has characters that cannot be sent in an HTTP header".into(),
            ));
        }
        if let Some(kind) = fields.token_type.as_deref()
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(malformed(format!(
                "`token_type` is `{}`, but only `Bearer` tokens are supported",
                excerpt(kind.as_bytes())
            )));
        }
        let expires_in = fields
            .expires_in
            .ok_or_else(|| malformed("it has no `expires_in`".into()))?;
        let expires_in = lifetime(expires_in)
            .filter(|l| *l >= MIN_TOKEN_LIFETIME)
            .ok_or_else(|| {
                malformed(format!(
                    "`expires_in` is {expires_in}, not a number of seconds between 1 and one week"
                ))
            })?;
        let mut grant = TokenGrant::new(access_token, expires_in);
        if let Some(refresh) = fields.refresh_token.filter(|t| !t.is_empty()) {
            // Keycloak: `refresh_expires_in: 0` means the refresh token has no expiry.
            let refresh_lifetime = fields
                .refresh_expires_in
                .and_then(lifetime)
                .filter(|l| !l.is_zero());
            grant = grant.with_refresh_token(refresh, refresh_lifetime);
        }
        Ok(grant)
    }

    fn classify(
        &self,
        url: String,
        client_id: &str,
        grant: Grant<'_>,
        code: String,
        description: String,
    ) -> Error {
        let status = self.status;
        match (code.as_str(), grant) {
            ("invalid_grant", Grant::Password { username }) => {
                Error::rejected_login(username.to_string(), status, description)
            }
            ("invalid_grant", Grant::Refresh) => Error::rejected_refresh(Some(status), description),
            ("invalid_client" | "unauthorized_client", _) => {
                Error::invalid_client(client_id.to_string(), status, code, description)
            }
            ("invalid_request" | "unsupported_grant_type" | "invalid_scope", _) => {
                Error::invalid_token_request(status, code, description)
            }
            _ if code.contains("Realm does not exist") => Error::wrong_token_url(
                url,
                format!("it answered HTTP {status}: {}", excerpt(code.as_bytes())),
            ),
            _ => self.by_status(&url, Some(&code)).unwrap_or_else(|| {
                Error::malformed(
                    Operation::TokenRequest,
                    url,
                    status,
                    format!(
                        "unknown OAuth error `{}`: {description}",
                        excerpt(code.as_bytes())
                    ),
                    String::new(),
                )
            }),
        }
    }

    /// A failure status without an OAuth error code.
    fn unexplained(&self, url: String) -> Error {
        self.by_status(&url, None).unwrap_or_else(|| {
            Error::malformed(
                Operation::TokenRequest,
                url,
                self.status,
                "the answer has no OAuth `error` field",
                excerpt(self.body),
            )
        })
    }

    /// What the status (or an HTML page) alone says, whatever the OAuth code:
    /// a wrong URL, a wrong media type, a server-side fault. `detail` is the
    /// OAuth `error` if there was one.
    fn by_status(&self, url: &str, detail: Option<&str>) -> Option<Error> {
        let status = self.status;
        let wrong_url = |reason: String| Some(Error::wrong_token_url(url.to_string(), reason));
        if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
            let detail = detail
                .map(|d| format!(": {}", excerpt(d.as_bytes())))
                .unwrap_or_default();
            return wrong_url(format!("it answered HTTP {status}{detail}"));
        }
        if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            return Some(Error::unsupported_media_type());
        }
        if status.is_redirection() {
            return wrong_url(format!(
                "it answered with a redirect (HTTP {status}), which is not followed: credentials go to \
                 the configured URL only"
            ));
        }
        if status.is_server_error() || crate::error::is_retryable_status(status) {
            return Some(Error::server(
                Operation::TokenRequest,
                url.to_string(),
                status,
                excerpt(self.body),
                self.retry_after,
            ));
        }
        if self.content_type.starts_with("text/html") {
            return wrong_url(format!("it answered HTTP {status} with an HTML page"));
        }
        None
    }
}

/// Seconds as a lifetime, if sensible: finite, not negative, at most a week.
fn lifetime(seconds: f64) -> Option<Duration> {
    (seconds.is_finite() && seconds >= 0.0 && seconds <= MAX_TOKEN_LIFETIME.as_secs_f64())
        .then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn answer(status: u16, content_type: &str, body: &str) -> Result<TokenGrant, Error> {
        let url = Url::parse("https://auth.up42.com/realms/public/protocol/openid-connect/token").unwrap();
        TokenAnswer {
            status: StatusCode::from_u16(status).unwrap(),
            content_type,
            body: body.as_bytes(),
            retry_after: None,
        }
        .into_grant(
            &url,
            "up42-api",
            Grant::Password {
                username: "me@example.com",
            },
        )
    }

    #[test]
    fn reads_a_keycloak_success() {
        let grant = answer(
            200,
            "application/json",
            r#"{"access_token":"eyJa","expires_in":300,"refresh_expires_in":1800,"refresh_token":"eyJr",
               "token_type":"Bearer","not-before-policy":0,"session_state":"3bf0","scope":"USER","new":1}"#,
        )
        .unwrap();
        assert_eq!(grant.expires_in(), Duration::from_secs(300));
        assert_eq!(grant.refresh_token().unwrap().secret(), "eyJr");
        assert_eq!(grant.refresh.as_ref().unwrap().1, Some(Duration::from_secs(1800)));
    }

    #[test]
    fn optional_fields_may_be_missing() {
        let grant = answer(
            200,
            "application/json",
            r#"{"access_token":"a","expires_in":60,"token_type":"bearer"}"#,
        )
        .unwrap();
        assert!(grant.refresh_token().is_none());
        let grant = answer(
            200,
            "",
            r#"{"access_token":"a","expires_in":60,"refresh_token":"r","refresh_expires_in":0}"#,
        )
        .unwrap();
        assert_eq!(grant.refresh.as_ref().unwrap().1, None);
    }

    #[test]
    fn broken_successes_are_errors_without_the_token() {
        let cases = [
            ("<html>hi</html>", "not a JSON token answer"),
            (
                r#"{"access_token":"secret-a","expires_in":30"#,
                "not a JSON token answer",
            ),
            (r#"{"expires_in":300}"#, "no `access_token`"),
            (
                r#"{"access_token":"secret-a\nX-Injected: 1","expires_in":300}"#,
                "cannot be sent in an HTTP header",
            ),
            (r#"{"access_token":"secret-a"}"#, "no `expires_in`"),
            (
                r#"{"access_token":"secret-a","expires_in":0}"#,
                "`expires_in` is 0",
            ),
            (
                r#"{"access_token":"secret-a","expires_in":1e-9}"#,
                "`expires_in` is 0.000000001",
            ),
            (
                r#"{"access_token":"secret-a","expires_in":0.5}"#,
                "between 1 and one week",
            ),
            (
                r#"{"access_token":"secret-a","expires_in":-5}"#,
                "`expires_in` is -5",
            ),
            (
                r#"{"access_token":"secret-a","expires_in":1e12}"#,
                "between 1 and one week",
            ),
            (
                r#"{"access_token":"secret-a","expires_in":300,"token_type":"mac"}"#,
                "`token_type` is `mac`",
            ),
        ];
        for (body, expected) in cases {
            let err = answer(200, "application/json", body).unwrap_err();
            let msg = err.to_string();
            assert!(err.kind() == ErrorKind::MalformedResponse, "{body}: {msg}");
            assert!(msg.contains(expected), "{body}: {msg}");
            assert!(!msg.contains("secret-a"), "{body}: {msg}");
        }
    }

    #[test]
    fn one_rule_of_retried_statuses_for_the_token_endpoint_and_the_api() {
        for (status, retried) in [
            (500, true),
            (502, true),
            (503, true),
            (504, true),
            (501, false),
            (505, false),
        ] {
            let error = answer(status, "text/plain", "down").unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Server, "{status}");
            assert_eq!(error.is_retryable(), retried, "{status}");
        }
    }

    #[test]
    fn keycloak_errors_are_classified() {
        let e = answer(
            401,
            "application/json",
            r#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#,
        );
        assert!(
            e.as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::InvalidCredentials)
        );
        let e = answer(
            400,
            "application/json",
            r#"{"error":"invalid_grant","error_description":"Invalid credentials given."}"#,
        );
        assert!(
            e.as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::InvalidCredentials)
        );
        let e = answer(200, "application/json", r#"{"error":"invalid_grant"}"#);
        assert!(
            e.as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::InvalidCredentials),
            "an error body with status 200 is still an error"
        );
        let e = answer(
            401,
            "application/json",
            r#"{"error":"invalid_client","error_description":"Invalid client or Invalid client credentials"}"#,
        );
        assert!(e.as_ref().is_err_and(|e| e.kind() == ErrorKind::InvalidClient));
        let e = answer(
            400,
            "application/json",
            r#"{"error":"unsupported_grant_type","error_description":"Unsupported grant_type"}"#,
        );
        assert!(
            e.as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::InvalidTokenRequest)
        );
        let e = answer(
            415,
            "application/json",
            r#"{"error":"RESTEASY003065: Cannot consume content type"}"#,
        );
        assert!(
            e.as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::UnsupportedMediaType)
        );
        let e = answer(404, "application/json", r#"{"error":"Realm does not exist"}"#);
        assert!(e.as_ref().is_err_and(|e| e.kind() == ErrorKind::WrongTokenUrl));
        let e = answer(404, "text/html", "<html>Not Found</html>");
        assert!(e.as_ref().is_err_and(|e| e.kind() == ErrorKind::WrongTokenUrl));
        let e = answer(503, "text/plain", "upstream down");
        assert!(e.as_ref().is_err_and(|e| e.kind() == ErrorKind::Server));
        assert!(e.unwrap_err().is_retryable());
    }

    #[test]
    fn refresh_invalid_grant_means_the_session_is_over() {
        let url = Url::parse("http://127.0.0.1:1/token").unwrap();
        let e = TokenAnswer {
            status: StatusCode::BAD_REQUEST,
            content_type: "application/json",
            body: br#"{"error":"invalid_grant","error_description":"Token is not active"}"#,
            retry_after: None,
        }
        .into_grant(&url, "up42-api", Grant::Refresh);
        assert!(
            e.as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::RefreshTokenRejected)
        );
    }
}
