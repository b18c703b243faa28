//! Which redirects API calls follow: the bearer token stays on the origin
//! (scheme, host and port) the call was sent to. [`policy`] is the policy;
//! use it on your own HTTP client too.
//!
//! reqwest's own policy is not enough. It strips `Authorization` only when a hop
//! changes host compared with the hop *just before* it, and its redirect layer
//! copies the original request's headers onto every hop. So `api → foreign`
//! strips the header, but a second hop `foreign → foreign` puts it back, and
//! `https → http → http` sends it in clear text (reqwest 0.13). Hence: a
//! redirect is followed only while it stays on the request's *first* origin;
//! any other is handed back unfollowed, and the caller turns it into
//! [`ErrorKind::Redirected`](crate::ErrorKind::Redirected) or, for a download, into a
//! fresh request without the token.

use std::fmt;

use url::Url;

/// The most redirects followed for one request.
pub(crate) const MAX_REDIRECTS: usize = 10;

/// Whether `a` and `b` have the same origin: scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// `scheme://host:port` of `url`: what an error may name of a redirect target
/// (a signed URL's path and query are secrets of their own).
pub(crate) fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The redirect policy the toolkit's API client uses: redirects are followed
/// only while they stay on the request's first origin (scheme, host and
/// port), at most 10; any other reaches the caller as the 3xx answer it is.
/// Give it to your own client when you pass one to
/// [`Up42ClientBuilder::http_client`](crate::Up42ClientBuilder::http_client).
pub fn policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().cloned();
        match first {
            _ if attempt.previous().len() > MAX_REDIRECTS => attempt.error(TooManyRedirects),
            Some(first) if same_origin(&first, attempt.url()) => attempt.follow(),
            _ => attempt.stop(),
        }
    })
}

#[derive(Debug)]
struct TooManyRedirects;

impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {MAX_REDIRECTS} redirects")
    }
}

impl std::error::Error for TooManyRedirects {}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn origins_differ_by_scheme_host_or_port() {
        let api = url("https://api.up42.com/v2/orders");
        assert!(same_origin(&api, &url("https://api.up42.com/v2/other?x=1")));
        assert!(same_origin(&api, &url("https://API.up42.com:443/")));
        for other in [
            "http://api.up42.com/v2/orders",
            "https://api.up42.com:8443/v2/orders",
            "https://storage.example.com/v2/orders",
            "https://api.up42.com.evil.example/v2/orders",
        ] {
            assert!(!same_origin(&api, &url(other)), "{other}");
        }
    }

    #[test]
    fn an_origin_names_no_path_or_query() {
        assert_eq!(
            origin(&url("https://user:pw@bucket.example:9000/a/b?signature=s3cr3t")),
            "https://bucket.example:9000"
        );
    }
}
