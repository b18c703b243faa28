//! How an error reads: one short `Display` line with the key facts, and
//! [`Error::hint`] with what to do about it.

use std::error::Error as StdError;
use std::fmt;

use reqwest::StatusCode;

use super::{ApiError, Detail, Error, ErrorKind, TimeLimit, WaitedFor};

impl Error {
    /// What to do about it, in a sentence a command-line tool can print under
    /// the error. `None` where the message says it all.
    pub fn hint(&self) -> Option<String> {
        self.token_hint()
            .or_else(|| self.call_hint())
            .or_else(|| self.local_hint())
    }

    /// The hint for an error of the token exchange; `None` for the others.
    fn token_hint(&self) -> Option<String> {
        Some(match self.kind() {
            ErrorKind::InvalidCredentials => {
                "check UP42_USERNAME/UP42_PASSWORD or ~/.up42/credentials.json; after a failure, \
                 logins are tried again only after a growing pause, since repeated failures can lock \
                 the account"
                    .to_string()
            }
            ErrorKind::RefreshTokenRejected => "log in again with the password".to_string(),
            ErrorKind::InvalidClient => format!(
                "UP42 expects the client id `{}`; check the one set on the builder",
                crate::defaults::CLIENT_ID
            ),
            ErrorKind::InvalidTokenRequest | ErrorKind::UnsupportedMediaType => {
                "token requests are form-encoded and carry `grant_type`, `client_id` and the grant's \
                 own fields; a proxy or gateway may have changed the request"
                    .to_string()
            }
            ErrorKind::WrongTokenUrl => {
                format!("the token URL is {}", region_of(self.url()?).token_url())
            }
            _ => return None,
        })
    }

    /// The hint for an error of a call; `None` for the others.
    fn call_hint(&self) -> Option<String> {
        let status = self.status();
        Some(match (self.kind(), self.detail()) {
            (ErrorKind::Server, _) => "the server is busy or failing; try again later".to_string(),
            (ErrorKind::Api, _) if status == Some(StatusCode::UNAUTHORIZED) => {
                "the API refused the token twice; the account may lack access to this resource, or \
                 the token URL may belong to another region"
                    .to_string()
            }
            (ErrorKind::Api, _) if self.is_retryable() => {
                "the API is busy or failing; try again later".to_string()
            }
            (ErrorKind::Redirected, _) => {
                "the token only goes to the API's own origin; a download that moves to a storage \
                 host works with a `raw` GET endpoint, which follows without the token"
                    .to_string()
            }
            (ErrorKind::Timeout, Detail::Limit(Some(TimeLimit::Request(_)))) => {
                "raise the limit for this endpoint with its `timeout = \"..\"` option, or for every \
                 call with `Up42ClientBuilder::request_timeout`"
                    .to_string()
            }
            (ErrorKind::Timeout, Detail::Limit(Some(TimeLimit::Read))) => {
                "the server stopped sending; `Up42ClientBuilder::read_timeout` sets how long to wait \
                 for the next bytes"
                    .to_string()
            }
            (ErrorKind::Transport | ErrorKind::Timeout, Detail::Limit(_)) => {
                "check the network, the proxy settings (HTTPS_PROXY, NO_PROXY) and the URL".to_string()
            }
            (ErrorKind::MalformedResponse, _) => {
                "the answer does not have the expected shape; check the URL and the declared \
                 response type"
                    .to_string()
            }
            (ErrorKind::Timeout, Detail::NotSent { waited_for, .. }) => match waited_for {
                WaitedFor::RateLimit => {
                    "the client's rate limit queues more calls than fit in the time limit: send fewer \
                     at once, or give the call a longer `timeout`"
                }
                WaitedFor::Token => {
                    "the token renewal took longer than the call's time limit (a slow token endpoint, \
                     or another process holding the token store's lock); it goes on, and the next \
                     call uses its token"
                }
            }
            .to_string(),
            (ErrorKind::Timeout, Detail::WaitTimedOut { .. }) => {
                "give the work longer with `.timeout(..)`, or check the condition given to `.until(..)`"
                    .to_string()
            }
            _ => return None,
        })
    }

    /// The hint for an error of the credentials, a store or a file; `None`
    /// for the others.
    fn local_hint(&self) -> Option<String> {
        Some(match self.kind() {
            ErrorKind::CredentialsMissing => {
                "set UP42_USERNAME and UP42_PASSWORD, write {\"username\": \"...\", \"password\": \
                 \"...\"} to ~/.up42/credentials.json, or pass `Credentials::new(..)` to the builder"
                    .to_string()
            }
            ErrorKind::CredentialsFile => {
                "the file must be a regular file holding {\"username\": \"you@example.com\", \
                 \"password\": \"...\"}"
                    .to_string()
            }
            ErrorKind::Io => {
                "check that the directory exists and is writable, and that the disk has room".to_string()
            }
            ErrorKind::Store => {
                "calls go on without the store, each process renewing its own tokens; check its \
                 directory or its Redis server"
                    .to_string()
            }
            _ => return None,
        })
    }
}

/// The region whose hosts `url` names (the EU by default).
fn region_of(url: &str) -> crate::defaults::Region {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    match host.contains(".sa.up42.com") {
        true => crate::defaults::Region::Sa,
        false => crate::defaults::Region::Eu,
    }
}

/// Which time limit expired, in words.
fn limit_reached(limit: TimeLimit) -> String {
    match limit {
        TimeLimit::Connect => "no connection within the connect timeout".to_string(),
        TimeLimit::Request(total) => format!(
            "no complete answer within the request timeout of {}",
            seconds(total)
        ),
        TimeLimit::Read => "no data arrived within the read timeout".to_string(),
    }
}

/// `1.5 s`, `30 s`, `250 ms`.
fn seconds(duration: std::time::Duration) -> String {
    match duration.as_millis() {
        ms if ms < 1000 => format!("{ms} ms"),
        ms if ms % 1000 == 0 => format!("{} s", ms / 1000),
        ms => format!("{:.1} s", ms as f64 / 1000.0),
    }
}

/// What a transport error's chain says went wrong, in a few words.
fn transport_cause(source: &reqwest::Error) -> &'static str {
    if source.is_timeout() {
        return "timed out";
    }
    let mut cause: Option<&(dyn StdError + 'static)> = source.source();
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused",
                std::io::ErrorKind::ConnectionReset => "connection reset",
                std::io::ErrorKind::ConnectionAborted => "connection aborted",
                std::io::ErrorKind::UnexpectedEof => "connection closed early",
                std::io::ErrorKind::TimedOut => "timed out",
                _ => "i/o error",
            };
        }
        let text = error.to_string().to_ascii_lowercase();
        if text.contains("dns") || text.contains("resolve") || text.contains("lookup") {
            return "host name not resolved";
        }
        if text.contains("certificate") || text.contains("tls") {
            return "tls handshake failed";
        }
        cause = error.source();
    }
    match source.is_connect() {
        true => "connection failed",
        false => "no answer",
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fmt_token_side(f).or_else(|| self.fmt_call_side(f)) {
            Some(written) => written,
            None => self.fmt_local_side(f),
        }
    }
}

impl Error {
    /// The line of an error of the token exchange; `None` for the others.
    fn fmt_token_side(&self, f: &mut fmt::Formatter<'_>) -> Option<fmt::Result> {
        let (kind, status) = (self.kind(), self.status());
        if let Detail::OAuth {
            error,
            description,
            subject,
        } = self.detail()
        {
            let facts = OAuthFacts(status, error, description);
            return Some(match kind {
                ErrorKind::InvalidCredentials => {
                    write!(f, "username or password rejected for `{subject}` ({facts})")
                }
                ErrorKind::RefreshTokenRejected => write!(f, "refresh token rejected ({facts})"),
                ErrorKind::InvalidClient => write!(f, "client id `{subject}` rejected ({facts})"),
                _ => write!(f, "token request refused as malformed ({facts})"),
            });
        }
        Some(match (kind, self.detail()) {
            (ErrorKind::UnsupportedMediaType, _) => {
                f.write_str("token request body not accepted (HTTP 415, not form-encoded)")
            }
            (ErrorKind::WrongTokenUrl, Detail::Reason(reason)) => {
                write!(
                    f,
                    "`{}` is not a token endpoint: {reason}",
                    self.url().unwrap_or_default()
                )
            }
            _ => return None,
        })
    }

    /// The line of an error of a call; `None` for the others.
    fn fmt_call_side(&self, f: &mut fmt::Formatter<'_>) -> Option<fmt::Result> {
        let operation = self.operation()?;
        let url = self.url().unwrap_or_default();
        let status = self.status().map_or(0, |s| s.as_u16());
        Some(match (self.kind(), self.detail()) {
            (_, Detail::Api(api)) => fmt::Display::fmt(api, f),
            (ErrorKind::Server, _) => write!(f, "{operation} to `{url}` failed with HTTP {status}"),
            (_, Detail::Redirected { method, target }) => write!(
                f,
                "{method} `{url}` redirected to another origin, `{target}` (HTTP {status}); not followed"
            ),
            (_, Detail::Limit(Some(limit))) => {
                write!(f, "{operation} to `{url}` timed out: {}", limit_reached(*limit))
            }
            (_, Detail::Limit(None)) => {
                let cause = self.reqwest_source().map_or("no answer", transport_cause);
                write!(f, "{operation} to `{url}` failed: {cause}")
            }
            (ErrorKind::MalformedResponse, Detail::Reason(reason)) => {
                write!(
                    f,
                    "unusable answer to the {operation} to `{url}` (HTTP {status}): {reason}"
                )
            }
            (_, Detail::NotSent { limit, waited_for }) => write!(
                f,
                "the call to {url} waited for {} until its time limit of {} passed; it was not sent",
                match waited_for {
                    WaitedFor::RateLimit => "the rate limit",
                    WaitedFor::Token => "a token",
                },
                seconds(*limit)
            ),
            _ => return None,
        })
    }

    /// The line of an error of the credentials, the configuration, a store,
    /// a file or a wait.
    fn fmt_local_side(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path().unwrap_or(std::path::Path::new("")).display();
        match (self.kind(), self.detail()) {
            (_, Detail::Searched(searched)) => {
                write!(f, "no UP42 credentials found (looked in {})", searched.join(", "))
            }
            (ErrorKind::CredentialsFile, Detail::Reason(problem)) => {
                write!(f, "credentials file `{}` cannot be used: {problem}", path)
            }
            (ErrorKind::Config, Detail::Reason(message)) => write!(f, "invalid configuration: {message}"),
            (_, Detail::Argument { name, reason }) => write!(f, "argument `{name}` cannot be sent: {reason}"),
            (ErrorKind::TokenSource, _) => match self.is_retryable() {
                true => f.write_str("token source failed (transient)"),
                false => f.write_str("token source failed"),
            },
            (ErrorKind::Store, Detail::Reason(what)) => write!(f, "token store: {what}"),
            (ErrorKind::Io, Detail::Reason(action)) => match self.source() {
                Some(source) => write!(f, "cannot {action} `{}`: {source}", path),
                None => write!(f, "cannot {action} `{}`", path),
            },
            (_, Detail::WaitTimedOut { waited, attempts }) => write!(
                f,
                "gave up waiting after {} and {attempts} call{}: no answer showed the work as done",
                seconds(*waited),
                if *attempts == 1 { "" } else { "s" }
            ),
            _ => f.write_str(self.kind().name()),
        }
    }
}

/// `HTTP 401, invalid_grant: Invalid user credentials`, leaving out what is missing.
struct OAuthFacts<'a>(Option<StatusCode>, &'a str, &'a str);

impl fmt::Display for OAuthFacts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let OAuthFacts(status, code, description) = *self;
        if let Some(status) = status {
            write!(f, "HTTP {}, ", status.as_u16())?;
        }
        f.write_str(code)?;
        match description.is_empty() {
            true => Ok(()),
            false => write!(f, ": {description}"),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "UP42 API answered HTTP {} to {} `{}`",
            self.status.as_u16(),
            self.method,
            self.url
        )?;
        match &self.message {
            Some(message) => write!(f, ": {message}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Operation;
    use reqwest::StatusCode;

    #[test]
    fn display_is_one_short_line_with_the_facts() {
        let errors: Vec<Error> = vec![
            Error::invalid_credentials("me@example.com", "Invalid user credentials"),
            Error::refresh_token_rejected("Token is not active"),
            Error::wrong_token_url(
                "https://auth.sa.up42.com/realms/nope/protocol/openid-connect/token",
                "it answered HTTP 404: Realm does not exist",
            ),
            Error::server(
                Operation::TokenRequest,
                "https://auth.up42.com/realms/public/protocol/openid-connect/token",
                StatusCode::SERVICE_UNAVAILABLE,
                "upstream down",
                None,
            ),
            Error::credentials_missing(vec![
                "environment variables UP42_USERNAME/UP42_PASSWORD".into(),
                "file /home/me/.up42/credentials.json".into(),
            ]),
            Error::token_source(false, "vault sealed"),
        ];
        for error in &errors {
            let shown = error.to_string();
            assert!(shown.len() <= 160, "{} chars: {shown}", shown.len());
            assert!(!shown.contains('\n') && !shown.ends_with('.'), "{shown}");
            assert!(!shown.contains(". "), "no second sentence: {shown}");
            assert!(
                shown.starts_with(|c: char| !c.is_uppercase() || shown.starts_with("UP42")),
                "{shown}"
            );
        }
        assert_eq!(
            errors[2].hint().unwrap(),
            format!("the token URL is {}", crate::defaults::Region::Sa.token_url()),
            "the advice fits the region of the URL"
        );
        assert!(
            !errors[5].to_string().contains("vault sealed"),
            "the source is not repeated"
        );
        assert_eq!(errors[5].source().unwrap().to_string(), "vault sealed");
    }
}
