//! [`BearerAuth`]: UP42 tokens in a `reqwest_middleware` stack (retries,
//! caching, tracing from other crates). Feature `middleware`.
//!
//! The toolkit builds the stack ([`BearerAuth::stack`]): the bottom is always
//! a `reqwest::Client` with the toolkit's [redirect policy](crate::redirect::policy),
//! so no redirect takes the token to another origin, whatever layers sit
//! above it.

use std::sync::Arc;

use async_trait::async_trait;
use http::Extensions;
use reqwest::header::AUTHORIZATION;
use reqwest::{Request, Response, StatusCode};
use reqwest_middleware::{ClientWithMiddleware, Middleware, Next, RequestInitialiser};

use crate::authenticated::Authenticated;
use crate::redirect::same_origin;

/// A `reqwest_middleware::Middleware` that adds a bearer token from an
/// [`Authenticated`] client (an [`Up42Client`](crate::Up42Client), say) to
/// the requests for that client's API origin, and to no other. On a 401 it
/// reports the token and sends the request once more with a renewed one, when
/// the request can be cloned (a streamed body cannot).
///
/// It exists only inside a stack the toolkit builds, [`BearerAuth::stack`]:
/// your layers around it, the toolkit's HTTP client under it.
///
/// ```no_run
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use up42_auth::middleware::BearerAuth;
/// use up42_auth::{Credentials, Up42Client};
///
/// let up42 = Up42Client::builder().credentials(Credentials::discover()?).build()?;
/// let client = BearerAuth::stack(up42)
///     // .with(retries), .with(cache), ...: each runs around the token.
///     .build()?;
/// let orders = client.get("https://api.up42.com/v2/orders").send().await?;
/// # Ok(()) }
/// ```
///
/// The token cache is the client's own: the middleware shares its caching,
/// single-flight renewal and failure memory, and renews after a 401 at most
/// once every 10 s.
#[derive(Debug, Clone)]
pub struct BearerAuth<A> {
    client: A,
}

impl<A: Authenticated + 'static> BearerAuth<A> {
    /// Starts a stack that adds `client`'s tokens to requests for
    /// `client.api_url()`'s origin: add your layers with [`Stack::with`],
    /// then [`Stack::build`].
    pub fn stack(client: A) -> Stack<A> {
        Stack {
            auth: BearerAuth { client },
            http: None,
            layers: Vec::new(),
            initialisers: Vec::new(),
        }
    }
}

/// A `reqwest_middleware` stack under construction, from
/// [`BearerAuth::stack`]. The layers run in the order they are added, every
/// one of them around [`BearerAuth`], which runs last, just above the HTTP
/// client: so a retry layer's every try gets a token (and a renewed one after
/// a 401), and no layer sees the token.
///
/// There is no way to put another HTTP client under the token. A redirect
/// policy of reqwest's (its default included) re-adds the first request's
/// headers on every hop, so a hop through another host and on within it
/// would carry the token there; the toolkit's client follows redirects only
/// within the first origin and hands any other back as the 3xx it is.
#[must_use = "a stack does nothing until it is built"]
pub struct Stack<A> {
    auth: BearerAuth<A>,
    http: Option<reqwest::ClientBuilder>,
    layers: Vec<Arc<dyn Middleware>>,
    initialisers: Vec<Arc<dyn RequestInitialiser>>,
}

impl<A> std::fmt::Debug for Stack<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("layers", &self.layers.len())
            .field("initialisers", &self.initialisers.len())
            .finish_non_exhaustive()
    }
}

impl<A: Authenticated + 'static> Stack<A> {
    /// Adds a layer around the ones added before it, and around the token.
    pub fn with(mut self, layer: impl Middleware) -> Self {
        self.layers.push(Arc::new(layer));
        self
    }

    /// Adds a request initialiser (`reqwest_middleware::RequestInitialiser`):
    /// it runs when a request is built, before any layer.
    pub fn with_init(mut self, initialiser: impl RequestInitialiser) -> Self {
        self.initialisers.push(Arc::new(initialiser));
        self
    }

    /// Builds the HTTP client from `builder` (a proxy, timeouts, root
    /// certificates of yours) instead of the default one. Its redirect policy
    /// and `Referer` setting are replaced by the toolkit's: redirects are
    /// followed only within the first origin, and no `Referer` is sent.
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http = Some(builder);
        self
    }

    /// The stack. Fails with [`ErrorKind::Config`](crate::ErrorKind::Config)
    /// when reqwest cannot build the HTTP client (its TLS backend cannot
    /// start, a proxy setting is wrong).
    pub fn build(self) -> Result<ClientWithMiddleware, crate::Error> {
        let http = self
            .http
            .unwrap_or_else(|| reqwest::Client::builder().user_agent(crate::defaults::USER_AGENT))
            .redirect(crate::redirect::policy())
            .referer(false)
            .build()
            .map_err(|e| {
                crate::Error::config_from("cannot build the HTTP client for the middleware stack", e)
            })?;
        let mut stack = reqwest_middleware::ClientBuilder::new(http);
        for initialiser in self.initialisers {
            stack = stack.with_arc_init(initialiser);
        }
        for layer in self.layers {
            stack = stack.with_arc(layer);
        }
        Ok(stack.with(self.auth).build())
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
        let response = next.clone().run(request, extensions).await?;
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
        next.run(again, extensions).await
    }
}
