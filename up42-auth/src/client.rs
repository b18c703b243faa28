//! `Up42Client`: the ready `Authenticated` implementation, and its builder.

use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use url::{Host, Url};

use crate::auth::cache::TokenCache;
use crate::auth::credentials::Credentials;
use crate::auth::oauth::{PasswordSource, TokenEndpoint};
use crate::authenticated::Authenticated;
use crate::defaults::{
    CLIENT_ID, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_READ_TIMEOUT,
    DEFAULT_REQUEST_TIMEOUT, DEFAULT_TOKEN_TIMEOUT, Region, USER_AGENT,
};
use crate::error::{Error, display_url, display_url_text};
use crate::policy::{RateLimit, RequestPolicy, RetryPolicy};
use crate::store::TokenStore;
use crate::tls::Tls;

/// A client for the UP42 API that logs in once and keeps its token fresh.
///
/// Cheap to clone (all clones share one token cache and one connection pool),
/// `Send + Sync + 'static`. Build it with [`Up42Client::builder`].
///
/// ```no_run
/// use up42_auth::{Authenticated, Credentials, Up42Client};
///
/// # async fn run() -> Result<(), up42_auth::Error> {
/// let client = Up42Client::builder()
///     .credentials(Credentials::discover()?)
///     .build()?;
/// let token = client.access_token().await?; // logs in
/// let again = client.access_token().await?; // cached: no request
/// assert!(token.same_token(&again));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Up42Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// Shared with the cache, which asks it for tokens.
    source: Arc<PasswordSource>,
    api_url: Url,
    http: reqwest::Client,
    cache: TokenCache,
    policy: RequestPolicy,
    /// The workspace id given to the builder, if any.
    workspace_id: Option<String>,
}

impl Up42Client {
    /// Starts configuring a client.
    pub fn builder() -> Up42ClientBuilder {
        Up42ClientBuilder::default()
    }

    /// The token endpoint in use.
    pub fn token_url(&self) -> &Url {
        &self.inner.source.endpoint.url
    }

    /// The workspace id given to the builder
    /// ([`Up42ClientBuilder::workspace_id`]), if any. The typed client
    /// (`up42::Client`) asks UP42 for it otherwise.
    pub fn known_workspace_id(&self) -> Option<&str> {
        self.inner.workspace_id.as_deref()
    }

    /// The username the client logs in with.
    pub fn username(&self) -> String {
        self.inner.source.credentials.load().username().to_string()
    }

    /// Replaces the credentials, for example after the account's password was
    /// changed: drops the cached tokens and any remembered login failure, so
    /// that the next call logs in with the new credentials at once. All clones
    /// of this client see the change.
    pub fn set_credentials(&self, credentials: Credentials) {
        self.inner.source.credentials.store(Arc::new(credentials));
        self.inner.cache.reset();
    }
}

impl Authenticated for Up42Client {
    fn api_url(&self) -> &Url {
        &self.inner.api_url
    }

    fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    fn token_cache(&self) -> &TokenCache {
        &self.inner.cache
    }

    fn request_policy(&self) -> &RequestPolicy {
        &self.inner.policy
    }
}

impl fmt::Debug for Up42Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Up42Client")
            .field("username", &self.inner.source.credentials.load().username())
            .field("token_url", &display_url(&self.inner.source.endpoint.url))
            .field("api_url", &display_url(&self.inner.api_url))
            .field("cache", &self.inner.cache)
            .finish_non_exhaustive()
    }
}

/// Configures an [`Up42Client`], or any client made from one (`C`): the
/// typed `up42::Client` is built with the same builder
/// (`up42::ClientBuilder` is `Up42ClientBuilder<up42::Client>`), so each
/// option is written once.
///
/// Every setting has a default: the [`Region::Eu`] URLs, credentials from
/// [`Credentials::discover`] (for UP42's own token URLs only), client id
/// `up42-api`, and the `DEFAULT_*` timeouts.
#[must_use]
pub struct Up42ClientBuilder<C = Up42Client> {
    credentials: Option<Credentials>,
    region: Region,
    token_url: Option<String>,
    api_url: Option<String>,
    client_id: Option<String>,
    connect_timeout: Option<Duration>,
    token_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    rate_limit: Option<RateLimit>,
    max_response_size: Option<usize>,
    max_download_size: Option<u64>,
    http_client: Option<reqwest::Client>,
    token_store: Option<Arc<dyn TokenStore>>,
    seal_rounds: Option<u32>,
    proxies: Vec<reqwest::Proxy>,
    root_certificates: Vec<reqwest::Certificate>,
    workspace_id: Option<String>,
    /// What `build` makes.
    product: PhantomData<fn() -> C>,
}

impl<C> Default for Up42ClientBuilder<C> {
    fn default() -> Self {
        Up42ClientBuilder {
            credentials: None,
            region: Region::default(),
            token_url: None,
            api_url: None,
            client_id: None,
            connect_timeout: None,
            token_timeout: None,
            request_timeout: None,
            read_timeout: None,
            retry: None,
            rate_limit: None,
            max_response_size: None,
            max_download_size: None,
            http_client: None,
            token_store: None,
            seal_rounds: None,
            proxies: Vec::new(),
            root_certificates: Vec::new(),
            workspace_id: None,
            product: PhantomData,
        }
    }
}

impl<C> Up42ClientBuilder<C> {
    /// The username and password to log in with. Without it, [`build`](Self::build)
    /// calls [`Credentials::discover`], but only when the token URL is one of
    /// UP42's own: discovered credentials are never sent to another host (a
    /// sandbox, a mistyped domain) unless passed here explicitly.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The region: sets both the token URL and the API URL, unless they are
    /// set explicitly.
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// The token endpoint, overriding the region's. Must be `https`, except on
    /// a loopback host (a local sandbox).
    pub fn token_url(mut self, url: &str) -> Self {
        self.token_url = Some(url.to_string());
        self
    }

    /// The API base URL, overriding the region's. Its path is kept as a prefix
    /// of every endpoint path. Must be `https`, except on a loopback host.
    pub fn api_url(mut self, url: &str) -> Self {
        self.api_url = Some(url.to_string());
        self
    }

    /// The OAuth client id (default `up42-api`).
    pub fn client_id(mut self, client_id: &str) -> Self {
        self.client_id = Some(client_id.to_string());
        self
    }

    /// Time allowed for connecting, for token and API requests alike.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for a whole token request.
    pub fn token_timeout(mut self, timeout: Duration) -> Self {
        self.token_timeout = Some(timeout);
        self
    }

    /// Time allowed for a whole API call, answer included (default
    /// [`DEFAULT_REQUEST_TIMEOUT`]); an endpoint's `timeout = "30s"` option
    /// overrides it. Downloads (`raw` endpoints) are bounded by the
    /// [read timeout](Self::read_timeout) instead.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// How long the API client waits for the next bytes of an answer
    /// (default [`DEFAULT_READ_TIMEOUT`]): a stalled connection fails after
    /// this long, however large the download. Not used with your own
    /// [`http_client`](Self::http_client), whose settings rule.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// How token requests and API calls are retried (default: [`RetryPolicy::DEFAULT`];
    /// [`RetryPolicy::never`] turns retries off).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Keeps this client's API calls under `limit` (off by default):
    /// [`RateLimit::new`] for this process, `RedisTokenStore::rate_limit`
    /// (feature `redis`) for every process of a fleet. UP42 allows 100 a
    /// second sustained and bursts of 500 per client IP.
    ///
    /// ```
    /// use up42_auth::{Up42Client, policy::RateLimit};
    ///
    /// let builder = Up42Client::builder().rate_limit(RateLimit::new(100, 500));
    /// ```
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// API calls go through this client: your proxy, root certificates,
    /// connection pool and timeouts, as you set them. Token requests, which
    /// carry the password, keep a client of the toolkit's own that follows no
    /// redirect; give it your proxy and certificates with
    /// [`proxy`](Self::proxy) and [`add_root_certificate`](Self::add_root_certificate).
    ///
    /// The bearer token goes wherever your client's redirect policy takes the
    /// request: build it with [`redirect::policy()`](crate::redirect::policy)
    /// so that it stays on the API's origin (reqwest's default policy can put
    /// it back on a second hop through another host). A response that arrives
    /// from another origin all the same is refused as
    /// [`ErrorKind::Redirected`](crate::ErrorKind::Redirected).
    ///
    /// ```
    /// let mine = up42_auth::reqwest::Client::builder()
    ///     .redirect(up42_auth::redirect::policy())
    ///     .timeout(std::time::Duration::from_secs(20))
    ///     .build()
    ///     .unwrap();
    /// let client = up42_auth::Up42Client::builder()
    ///     .credentials(up42_auth::Credentials::new("me@example.com", "secret"))
    ///     .http_client(mine)
    ///     .build()
    ///     .unwrap();
    /// # drop(client);
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Shares the tokens with other processes through `store`: a process
    /// started while a stored token is valid logs in not at all, and of many
    /// processes due for a renewal one renews and the others adopt its token.
    /// See [`TokenStore`] for what happens at each renewal and when the store
    /// fails. Without it, tokens live in this process's memory only.
    ///
    /// ```no_run
    /// use up42_auth::{Credentials, Up42Client, store::FileTokenStore};
    ///
    /// # fn run() -> Result<(), up42_auth::Error> {
    /// let client = Up42Client::builder()
    ///     .credentials(Credentials::discover()?)
    ///     .token_store(FileTokenStore::default_location()?) // or FileTokenStore::new(dir)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn token_store(mut self, store: impl TokenStore) -> Self {
        self.token_store = Some(Arc::new(store));
        self
    }

    /// The PBKDF2 rounds that derive the key sealing the token store's
    /// entries from the credentials (see
    /// [`StoreKey::sealed_with_rounds`](crate::store::StoreKey::sealed_with_rounds));
    /// [`SEAL_ROUNDS`](crate::store::SEAL_ROUNDS) (200,000, about 30 ms once
    /// per process) by default. Fewer suit short-lived processes whose store
    /// only the user can read: the `up42` command uses 1,000 (0.14 ms) for
    /// its file store. Every process sharing a store must use the same.
    /// More than [`MAX_SEAL_ROUNDS`](crate::store::MAX_SEAL_ROUNDS) fails
    /// [`build`](Self::build) with [`ErrorKind::Config`](crate::ErrorKind::Config). The derivation
    /// runs on the runtime's blocking pool, never on a worker.
    pub fn seal_rounds(mut self, rounds: u32) -> Self {
        self.seal_rounds = Some(rounds);
        self
    }

    /// A proxy for token requests (and for API calls, unless you give your own
    /// [`http_client`](Self::http_client)); may be given more than once.
    /// Without it, `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` from
    /// the environment apply. Loopback URLs never go through a proxy.
    ///
    /// ```
    /// use up42_auth::{Credentials, Up42Client, reqwest};
    ///
    /// let client = Up42Client::builder()
    ///     .credentials(Credentials::new("me@example.com", "secret"))
    ///     .proxy(reqwest::Proxy::https("http://proxy.internal:3128").unwrap())
    ///     .build()
    ///     .unwrap();
    /// # drop(client);
    /// ```
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.proxies.push(proxy);
        self
    }

    /// A root certificate to trust besides the system's, for token requests
    /// (and for API calls, unless you give your own
    /// [`http_client`](Self::http_client)); may be given more than once.
    ///
    /// ```no_run
    /// use up42_auth::{Credentials, Up42Client, reqwest};
    ///
    /// let pem = std::fs::read("corporate-ca.pem").unwrap();
    /// let client = Up42Client::builder()
    ///     .credentials(Credentials::new("me@example.com", "secret"))
    ///     .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
    ///     .build()
    ///     .unwrap();
    /// # drop(client);
    /// ```
    pub fn add_root_certificate(mut self, certificate: reqwest::Certificate) -> Self {
        self.root_certificates.push(certificate);
        self
    }

    /// The most bytes of a successful answer that an endpoint decodes as JSON
    /// (default [`DEFAULT_MAX_RESPONSE_SIZE`], 32 MiB); a larger answer is an
    /// [`ErrorKind::MalformedResponse`](crate::ErrorKind::MalformedResponse). `raw` endpoints (downloads) are not limited.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = Some(bytes);
        self
    }

    /// The largest file a download writes, whole or resumed (default: no
    /// limit); a larger one fails with
    /// [`ErrorKind::MalformedResponse`](crate::ErrorKind::MalformedResponse) before its bytes are read when the
    /// server announces the size, else as soon as it passes `bytes`.
    pub fn max_download_size(mut self, bytes: u64) -> Self {
        self.max_download_size = Some(bytes);
        self
    }

    /// Checks the configuration and builds the client. Makes no network call.
    ///
    /// Fails with [`ErrorKind::Config`](crate::ErrorKind::Config) for an unparsable or insecure URL, or when
    /// credentials would be discovered for a token URL that is not UP42's; with
    /// [`ErrorKind::WrongTokenUrl`](crate::ErrorKind::WrongTokenUrl) when the token URL points at the API host; and
    /// with the errors of [`Credentials::discover`] when no credentials were given.
    pub fn build(self) -> Result<C, Error>
    where
        C: From<Up42Client>,
    {
        self.build_client().map(C::from)
    }

    /// The workspace the client works in, when you know it: then the typed
    /// client never asks UP42 for it ([`Up42Client::known_workspace_id`]).
    pub fn workspace_id(mut self, id: impl Into<String>) -> Self {
        self.workspace_id = Some(id.into());
        self
    }

    fn build_client(self) -> Result<Up42Client, Error> {
        if let Some(rounds) = self.seal_rounds.filter(|r| *r > crate::store::MAX_SEAL_ROUNDS) {
            return Err(Error::config(format!(
                "seal_rounds({rounds}) is above the {} rounds allowed; the default is {}",
                crate::store::MAX_SEAL_ROUNDS,
                crate::store::SEAL_ROUNDS
            )));
        }
        let (token_url, api_url) = self.urls()?;
        let (token_http, http) = self.http_clients(&token_url, &api_url)?;
        // Your own client's timeouts rule, unless a request timeout was set here.
        let timeout = match self.http_client.is_some() {
            true => self.request_timeout,
            false => Some(self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT)),
        };
        let credentials = credentials_for(self.credentials, &token_url)?;
        let retry = self.retry.unwrap_or_default();
        let source = Arc::new(PasswordSource {
            endpoint: TokenEndpoint {
                url: token_url,
                client_id: self.client_id.unwrap_or_else(|| CLIENT_ID.to_string()),
                http: token_http,
            },
            credentials: ArcSwap::from_pointee(credentials),
            retry: retry.clone(),
            store_key: Default::default(),
            seal_rounds: self.seal_rounds.unwrap_or(crate::store::SEAL_ROUNDS),
        });
        let policy = RequestPolicy {
            retry,
            rate_limit: self.rate_limit,
            max_response_size: self.max_response_size.unwrap_or(DEFAULT_MAX_RESPONSE_SIZE),
            max_download_size: self.max_download_size,
            timeout,
        };
        Ok(Up42Client {
            inner: Arc::new(Inner {
                cache: match self.token_store {
                    Some(store) => TokenCache::with_store(Arc::clone(&source), store),
                    None => TokenCache::new(Arc::clone(&source)),
                },
                source,
                api_url,
                http,
                policy,
                workspace_id: self.workspace_id,
            }),
        })
    }
}

impl<C> fmt::Debug for Up42ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Up42ClientBuilder")
            .field("credentials", &self.credentials)
            .field("region", &self.region)
            .field("token_url", &self.token_url.as_deref().map(display_url_text))
            .field("api_url", &self.api_url.as_deref().map(display_url_text))
            .field("client_id", &self.client_id)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("max_response_size", &self.max_response_size)
            .field("max_download_size", &self.max_download_size)
            .field("own_http_client", &self.http_client.is_some())
            .field("token_store", &self.token_store.is_some())
            .field("proxies", &self.proxies.len())
            .field("root_certificates", &self.root_certificates.len())
            .field("workspace_id", &self.workspace_id)
            .finish_non_exhaustive()
    }
}

/// What the token client and the API client share.
struct Network<'a> {
    connect_timeout: Duration,
    proxies: &'a [reqwest::Proxy],
    root_certificates: &'a [reqwest::Certificate],
    tls: Tls,
}

impl Network<'_> {
    /// The user agent, no `Referer` ever, the connect timeout, the proxies and
    /// certificates given, and no proxy at all for a loopback URL (a proxy
    /// from `HTTP_PROXY`/`ALL_PROXY` would otherwise receive the password or
    /// the token of a plain-http sandbox in clear text). TLS is the
    /// process's shared configuration (see [`Tls`]), unless root certificates
    /// were added: then reqwest sets it up with them.
    fn client_builder(&self, url: &Url) -> Result<reqwest::ClientBuilder, Error> {
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .referer(false)
            .connect_timeout(self.connect_timeout);
        match self.root_certificates {
            [] => builder = self.tls.apply(builder)?,
            certificates => {
                for certificate in certificates {
                    builder = builder.add_root_certificate(certificate.clone());
                }
            }
        }
        if is_loopback(url) {
            return Ok(builder.no_proxy());
        }
        for proxy in self.proxies {
            builder = builder.proxy(proxy.clone());
        }
        Ok(builder)
    }
}

/// Whether `url` is one of the regions' token URLs.
fn is_up42_token_url(url: &Url) -> bool {
    [Region::Eu, Region::Sa]
        .iter()
        .any(|region| url.as_str() == region.token_url())
}

impl<C> Up42ClientBuilder<C> {
    /// The token and API URLs: the region's unless given, parsed and checked.
    fn urls(&self) -> Result<(Url, Url), Error> {
        let token_url = parse_url(
            "token URL",
            self.token_url.as_deref().unwrap_or(self.region.token_url()),
        )?;
        check_token_host(&token_url)?;
        let api_url = parse_url(
            "API URL",
            self.api_url.as_deref().unwrap_or(self.region.api_url()),
        )?;
        Ok((token_url, api_url))
    }

    /// The HTTP clients: one for the token endpoint, which follows no
    /// redirect (the password goes to the token URL only), and one for the
    /// API (yours if given), whose redirects keep the bearer token on the
    /// API's origin (see `redirect` for why reqwest's default policy is not
    /// enough). The API client has no total timeout: each call sets its own
    /// (see `RequestPolicy::timeout`), so that downloads are bounded by the
    /// read timeout alone.
    fn http_clients(
        &self,
        token_url: &Url,
        api_url: &Url,
    ) -> Result<(reqwest::Client, reqwest::Client), Error> {
        let client_error = |e: reqwest::Error| Error::config_from("the HTTP client cannot be set up", e);
        // TLS is set up once per process, and only if a URL is https.
        let tls = match [token_url, api_url].iter().any(|url| url.scheme() == "https") {
            true => Tls::Platform,
            false => Tls::PlainHttpOnly,
        };
        let network = Network {
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            proxies: &self.proxies,
            root_certificates: &self.root_certificates,
            tls,
        };
        let token_http = network
            .client_builder(token_url)?
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.token_timeout.unwrap_or(DEFAULT_TOKEN_TIMEOUT))
            .build()
            .map_err(client_error)?;
        let http = match &self.http_client {
            Some(mine) => mine.clone(),
            None => network
                .client_builder(api_url)?
                .redirect(crate::redirect::policy())
                .read_timeout(self.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT))
                .build()
                .map_err(client_error)?,
        };
        Ok((token_http, http))
    }
}

/// The credentials given, else discovered, but only for UP42's own token
/// URLs: a password is never sent to another server unless given for it.
fn credentials_for(given: Option<Credentials>, token_url: &Url) -> Result<Credentials, Error> {
    match given {
        Some(credentials) => Ok(credentials),
        None if is_up42_token_url(token_url) => Credentials::discover(),
        None => Err(Error::config(format!(
            "no credentials were given for the token URL `{}`, which is not UP42's; credentials \
             are only discovered for UP42's own token URLs: pass them with `.credentials(..)` to \
             send them there",
            display_url(token_url)
        ))),
    }
}

/// Parses a configured URL: `https`, or `http` on a loopback host only.
fn parse_url(what: &str, text: &str) -> Result<Url, Error> {
    let url = Url::parse(text).map_err(|e| {
        Error::config(format!(
            "the {what} `{}` is not a valid URL: {e}",
            display_url_text(text)
        ))
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::config(format!(
                "the {what} `{}` uses plain http, which would send secrets unencrypted; \
                 use https (plain http is allowed on loopback hosts only)",
                display_url(&url)
            )));
        }
        other => {
            return Err(Error::config(format!(
                "the {what} `{}` has scheme `{other}`; use https",
                display_url(&url)
            )));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "the {what} `{}` must not have a query or fragment",
            display_url(&url)
        )));
    }
    Ok(url)
}

/// Whether `url` names this machine (a loopback address or `localhost`):
/// where the toolkit allows plain `http` and sends no request through a
/// proxy (a local sandbox, a test server).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The classic mistake: the API host where the auth host belongs.
fn check_token_host(url: &Url) -> Result<(), Error> {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if host.starts_with("api.") && host.ends_with("up42.com") {
        return Err(Error::wrong_token_url(
            display_url(url),
            format!("`{host}` is the API host; tokens come from the auth host"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn builder() -> Up42ClientBuilder {
        Up42Client::builder().credentials(Credentials::new("me@example.com", "hunter2"))
    }

    #[test]
    fn seal_rounds_above_the_cap_are_refused() {
        let max = crate::store::MAX_SEAL_ROUNDS;
        builder().seal_rounds(max).build().unwrap();
        let error = builder().seal_rounds(max + 1).build().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config);
        assert!(error.to_string().contains("10000000"), "{error}");
    }

    #[test]
    fn regions_set_both_urls() {
        let eu = builder().build().unwrap();
        assert_eq!(eu.token_url().as_str(), Region::Eu.token_url());
        assert_eq!(eu.api_url().as_str(), "https://api.up42.com/");
        let sa = builder().region(Region::Sa).build().unwrap();
        assert_eq!(sa.token_url().host_str(), Some("auth.sa.up42.com"));
        assert_eq!(sa.api_url().host_str(), Some("api.sa.up42.com"));
    }

    #[test]
    fn api_host_as_token_url_is_refused() {
        let err = builder()
            .token_url("https://api.up42.com/realms/public/protocol/openid-connect/token")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WrongTokenUrl);
        assert!(
            err.to_string().contains("`api.up42.com` is the API host"),
            "{err}"
        );
        assert_eq!(
            err.hint().unwrap(),
            format!("the token URL is {}", Region::Eu.token_url())
        );
        let sa = builder()
            .token_url("https://api.sa.up42.com/realms/public/protocol/openid-connect/token")
            .build()
            .unwrap_err();
        assert_eq!(
            sa.hint().unwrap(),
            format!("the token URL is {}", Region::Sa.token_url()),
            "the advice fits the region"
        );
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080/t",
            "http://localhost:1/t",
            "http://[::1]:9/t",
        ] {
            builder().token_url(ok).api_url(ok).build().unwrap();
        }
        let err = builder().token_url("http://auth.up42.com/t").build().unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
        let err = builder().api_url("ftp://api.up42.com").build().unwrap_err();
        assert!(err.to_string().contains("scheme `ftp`"), "{err}");
        let err = builder().api_url("not a url").build().unwrap_err();
        assert!(err.kind() == ErrorKind::Config, "{err}");
    }

    #[test]
    fn retry_and_rate_limit_reach_the_request_policy() {
        let client = builder()
            .retry_policy(RetryPolicy::never())
            .rate_limit(RateLimit::new(100, 500))
            .build()
            .unwrap();
        assert_eq!(client.request_policy().retry.attempts(), 1);
        assert!(client.request_policy().rate_limit.is_some());
        let default = builder().build().unwrap();
        assert_eq!(default.request_policy().retry, RetryPolicy::DEFAULT);
        assert!(default.request_policy().rate_limit.is_none());
    }

    #[test]
    fn debug_shows_no_secret() {
        let client = builder().build().unwrap();
        let shown = format!("{client:?} {:?}", builder());
        assert!(shown.contains("me@example.com"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn secrets_in_configured_urls_are_redacted() {
        let secret_urls = [
            "https://user:s3cret@auth.example.com/token?key=s3cret",
            "http://tok3n@auth.example.com/t#s3cret",
            "https://user:s3cret@bad host/?key=s3cret",
        ];
        for url in secret_urls {
            let configured = builder().token_url(url).api_url(url);
            let shown = format!("{configured:?}");
            assert!(!shown.contains("s3cret") && !shown.contains("tok3n"), "{shown}");
            let err = configured.build().unwrap_err();
            assert!(
                !err.to_string().contains("s3cret") && !err.to_string().contains("tok3n"),
                "{err}"
            );
        }
        let err = builder()
            .api_url("ftp://user:s3cret@api.example.com/?k=s3cret")
            .build()
            .unwrap_err();
        assert!(
            err.to_string().contains("scheme `ftp`") && !err.to_string().contains("s3cret"),
            "{err}"
        );
    }

    #[test]
    fn discovered_credentials_go_to_up42_only() {
        let err = Up42Client::builder()
            .token_url("https://auth.up42.example.com/realms/public/protocol/openid-connect/token")
            .build()
            .unwrap_err();
        assert!(err.kind() == ErrorKind::Config, "{err}");
        assert!(err.to_string().contains("not UP42's"), "{err}");
        assert!(is_up42_token_url(&Url::parse(Region::Sa.token_url()).unwrap()));
    }

    #[tokio::test]
    async fn a_transport_failure_keeps_the_http_clients_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = url::Url::parse(&format!(
            "http://{}/v2/orders?secret=1",
            listener.local_addr().unwrap()
        ))
        .unwrap();
        drop(listener);
        let http = Tls::PlainHttpOnly
            .apply(reqwest::Client::builder())
            .unwrap()
            .build()
            .unwrap();
        let failure = http.get(url.clone()).send().await.unwrap_err();
        let error = Error::transport(crate::error::Operation::ApiRequest, &url, failure);
        assert_eq!(error.kind(), ErrorKind::Transport);
        assert!(error.is_retryable());
        assert_eq!(error.url(), Some(crate::error::display_url(&url).as_str()));
        assert!(
            error.to_string().ends_with("failed: connection refused"),
            "{error}"
        );
        let kept = std::error::Error::source(&error)
            .and_then(|s| s.downcast_ref::<reqwest::Error>())
            .unwrap();
        assert!(kept.is_connect());
        assert!(
            !format!("{error:?}").contains("secret"),
            "no query in the error: {error:?}"
        );
    }
}
