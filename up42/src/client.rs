//! The typed client: [`Client`], its [builder](ClientBuilder), and the
//! resource handles it hands out.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;
use up42_auth::policy::{RateLimit, RetryPolicy};
use up42_auth::store::TokenStore;
use up42_auth::{Credentials, Region, Up42Client, Up42ClientBuilder, reqwest};

use crate::Result;
use crate::identity;
use crate::ids::WorkspaceId;

/// The typed UP42 client: every resource of the API, with tokens cached and
/// renewed by [`Up42Client`] underneath.
///
/// Cheap to clone (one `Arc`); clones share the tokens, the connection pool
/// and the workspace id. Building it makes no network call, and no accessor
/// makes a hidden one: the first call that needs a token logs in, and the
/// first call that needs the workspace id asks for it once.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> up42::Result<()> {
/// # let sandbox = up42_testkit::Sandbox::start().await;
/// // In production: up42::Client::builder().credentials(up42::Credentials::discover()?).build()?
/// let client = up42::Client::from(sandbox.client()?);
/// let order = client.orders().get(up42_testkit::ORDER_ID).await?;
/// println!("{} is {}", order.display_name, order.status);
/// # Ok(()) }
/// ```
///
/// It implements [`Authenticated`](crate::Authenticated), so an endpoint this crate does not type
/// yet is one declaration away:
///
/// ```
/// use up42::{Client, up42_endpoint};
///
/// /// UP42's STAC queryables, as JSON.
/// #[up42_endpoint(GET, "/v2/assets/stac/queryables")]
/// async fn queryables(client: &Client) -> up42::Result<serde_json::Value>;
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: Up42Client,
    workspace: OnceCell<WorkspaceId>,
}

up42_auth::delegate_authenticated!(Client => inner.http);

impl Client {
    /// Starts configuring a client: every option of [`Up42ClientBuilder`],
    /// and the workspace id if you know it.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The workspace of the logged-in user: the `sub` of the token server's
    /// userinfo, asked for on the first call and kept (clones share it), or
    /// the id given to [`ClientBuilder::workspace_id`].
    pub async fn workspace_id(&self) -> Result<WorkspaceId> {
        self.inner
            .workspace
            .get_or_try_init(|| async { identity::user_info(self.auth()).await.map(|info| info.sub) })
            .await
            .cloned()
    }

    /// The authenticating client underneath, for the `up42_auth` toolkit's
    /// own calls ([`up42_auth::Call`], [`up42_auth::Download`]).
    pub fn auth(&self) -> &Up42Client {
        &self.inner.http
    }
}

impl From<Up42Client> for Client {
    fn from(http: Up42Client) -> Self {
        Client::with_workspace(http, None)
    }
}

impl Client {
    fn with_workspace(http: Up42Client, workspace: Option<WorkspaceId>) -> Self {
        Client {
            inner: Arc::new(Inner {
                http,
                workspace: OnceCell::new_with(workspace),
            }),
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("auth", &self.inner.http)
            .field("workspace_id", &self.inner.workspace.get())
            .finish()
    }
}

/// Configures a [`Client`]: the options of [`Up42ClientBuilder`], each
/// documented there, and [`workspace_id`](Self::workspace_id).
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    auth: Up42ClientBuilder,
    workspace: Option<WorkspaceId>,
}

macro_rules! forward {
    ($($(#[$doc:meta])* $name:ident($argument:ident: $ty:ty);)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, $argument: $ty) -> Self {
            self.auth = self.auth.$name($argument);
            self
        }
    )*};
}

impl ClientBuilder {
    forward! {
        /// The username and password ([`Up42ClientBuilder::credentials`]);
        /// without them, [`build`](Self::build) discovers them for UP42's own hosts.
        credentials(credentials: Credentials);
        /// The region: UP42's token and API hosts ([`Up42ClientBuilder::region`]).
        region(region: Region);
        /// The token endpoint, overriding the region's ([`Up42ClientBuilder::token_url`]).
        token_url(url: &str);
        /// The API base URL, overriding the region's ([`Up42ClientBuilder::api_url`]).
        api_url(url: &str);
        /// The OAuth client id, `up42-api` by default ([`Up42ClientBuilder::client_id`]).
        client_id(client_id: &str);
        /// Time allowed for connecting ([`Up42ClientBuilder::connect_timeout`]).
        connect_timeout(timeout: Duration);
        /// Time allowed for a token request ([`Up42ClientBuilder::token_timeout`]).
        token_timeout(timeout: Duration);
        /// Time allowed for a whole API call ([`Up42ClientBuilder::request_timeout`]).
        request_timeout(timeout: Duration);
        /// Time allowed between two reads of an answer ([`Up42ClientBuilder::read_timeout`]).
        read_timeout(timeout: Duration);
        /// How calls are retried ([`Up42ClientBuilder::retry_policy`]).
        retry_policy(policy: RetryPolicy);
        /// Keeps calls under a rate limit ([`Up42ClientBuilder::rate_limit`]).
        rate_limit(limit: RateLimit);
        /// Your own HTTP client for API calls ([`Up42ClientBuilder::http_client`]).
        http_client(client: reqwest::Client);
        /// Tokens shared with other processes ([`Up42ClientBuilder::token_store`]).
        token_store(store: impl TokenStore);
        /// The PBKDF2 rounds sealing the store's entries ([`Up42ClientBuilder::seal_rounds`]).
        seal_rounds(rounds: u32);
        /// A proxy ([`Up42ClientBuilder::proxy`]); may be given more than once.
        proxy(proxy: reqwest::Proxy);
        /// A root certificate to trust ([`Up42ClientBuilder::add_root_certificate`]).
        add_root_certificate(certificate: reqwest::Certificate);
        /// The largest answer decoded as JSON ([`Up42ClientBuilder::max_response_size`]).
        max_response_size(bytes: usize);
    }

    /// The workspace the client works in, when you know it: then
    /// [`Client::workspace_id`] never asks the token server.
    pub fn workspace_id(mut self, id: impl Into<WorkspaceId>) -> Self {
        self.workspace = Some(id.into());
        self
    }

    /// Checks the configuration and builds the client, as
    /// [`Up42ClientBuilder::build`] does. Makes no network call.
    pub fn build(self) -> Result<Client> {
        let http = self.auth.build()?;
        Ok(Client::with_workspace(http, self.workspace))
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("auth", &self.auth)
            .field("workspace_id", &self.workspace)
            .finish()
    }
}
