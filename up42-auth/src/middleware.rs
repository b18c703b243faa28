//! [`BearerAuth`]: UP42 tokens for a `reqwest_middleware` stack you already
//! have (retries, caching, tracing from other crates). Feature `middleware`.

use async_trait::async_trait;
use http::Extensions;
use reqwest::header::AUTHORIZATION;
use reqwest::{Request, Response, StatusCode};
use reqwest_middleware::{Middleware, Next};

use crate::authenticated::Authenticated;
use crate::redirect::same_origin;

/// A `reqwest_middleware::Middleware` that adds a bearer token from any
/// [`Authenticated`] client (an [`Up42Client`](crate::Up42Client), say) to
/// the requests for that client's API origin, and to no other. On a 401 it
/// reports the token and sends the request once more with a renewed one, when
/// the request can be cloned (a streamed body cannot).
///
/// Build the stack on [`BearerAuth::http_client`]: a `reqwest::Client` whose
/// redirect policy keeps the token on the API's origin. (On
/// `reqwest::Client::new()`, whose policy re-adds the headers of the first
/// request on every hop, a redirect through another host hands it the token.)
///
/// ```no_run
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use up42_auth::middleware::BearerAuth;
/// use up42_auth::{Credentials, Up42Client};
///
/// let up42 = Up42Client::builder().credentials(Credentials::discover()?).build()?;
/// let client = reqwest_middleware::ClientBuilder::new(BearerAuth::http_client()?)
///     .with(BearerAuth::new(up42))
///     .build();
/// let orders = client.get("https://api.up42.com/v2/orders").send().await?;
/// # Ok(()) }
/// ```
///
/// The token cache is the client's own: the middleware shares its caching,
/// single-flight renewal and failure memory, and renews after a 401 at most
/// once every 10 s. An answer that arrives from another origin than the one
/// the token went to (a client of your own that followed a redirect) is
/// refused as [`ErrorKind::Redirected`](crate::ErrorKind::Redirected): it is
/// not the API's answer, and the token may have gone with it.
#[derive(Debug, Clone)]
pub struct BearerAuth<A> {
    client: A,
}

impl<A: Authenticated + 'static> BearerAuth<A> {
    /// Adds `client`'s tokens to requests for `client.api_url()`'s origin.
    pub fn new(client: A) -> Self {
        BearerAuth { client }
    }
}

impl BearerAuth<()> {
    /// The `reqwest::Client` to build the stack on: the toolkit's
    /// [redirect policy](crate::redirect::policy) (redirects followed only
    /// within the first origin), no `Referer`, and the toolkit's `User-Agent`.
    /// Fails with [`ErrorKind::Config`](crate::ErrorKind::Config) when reqwest cannot build a client
    /// (its TLS backend cannot start): never a client with another redirect
    /// policy in its place.
    pub fn http_client() -> Result<reqwest::Client, crate::Error> {
        reqwest::Client::builder()
            .redirect(crate::redirect::policy())
            .referer(false)
            .user_agent(crate::defaults::USER_AGENT)
            .build()
            .map_err(|e| {
                crate::Error::config_from("cannot build the HTTP client for the middleware stack", e)
            })
    }
}

#[async_trait]
impl<A: Authenticated + 'static> Middleware for BearerAuth<A> {
    async fn handle(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        if !same_origin(request.url(), self.client.api_url()) {
            return next.run(request, extensions).await;
        }
        let token = self
            .client
            .access_token()
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        let resend = request.try_clone();
        request
            .headers_mut()
            .insert(AUTHORIZATION, token.bearer_header().clone());
        let sent_to = (request.method().clone(), request.url().clone());
        let response = refuse_foreign(&sent_to, next.clone().run(request, extensions).await?)?;
        let Some(mut again) = resend.filter(|_| response.status() == StatusCode::UNAUTHORIZED) else {
            return Ok(response);
        };
        if !self.client.token_cache().report_rejected(&token) {
            return Ok(response);
        }
        tracing::info!(url = %crate::error::display_url(again.url()), "the API rejected the token; resending once with a new one");
        let token = self
            .client
            .access_token()
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        again
            .headers_mut()
            .insert(AUTHORIZATION, token.bearer_header().clone());
        refuse_foreign(&sent_to, next.run(again, extensions).await?)
    }
}

/// `response`, unless it came from another origin than `sent_to`: a client
/// that followed a redirect elsewhere took the token there, and the answer is
/// not the API's.
fn refuse_foreign(
    (method, sent_to): &(reqwest::Method, url::Url),
    response: Response,
) -> reqwest_middleware::Result<Response> {
    if same_origin(response.url(), sent_to) {
        return Ok(response);
    }
    tracing::warn!(
        to = %crate::redirect::origin(response.url()),
        "the HTTP client followed a redirect to another origin; build it with BearerAuth::http_client()"
    );
    Err(reqwest_middleware::Error::middleware(crate::Error::redirected(
        method.clone(),
        crate::error::display_url(sent_to),
        StatusCode::FOUND,
        crate::redirect::origin(response.url()),
    )))
}
