//! The typed client: [`Client`], its [builder](ClientBuilder), and the
//! resource handles it hands out.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::Mutex;
use up42_auth::{Up42Client, Up42ClientBuilder};

use crate::Result;
use crate::identity;
use crate::ids::WorkspaceId;

/// The typed UP42 client: every resource of the API, with tokens cached and
/// renewed by [`Up42Client`] underneath.
///
/// Cheap to clone (one `Arc`); clones share the tokens, the connection pool
/// and the workspace id. Building it makes no network call, and no accessor
/// makes a hidden one: the first call that needs a token logs in, and the
/// first call that needs the workspace id asks for it once. Every call
/// answers a future (or a stream) that borrows nothing, `Send + 'static`:
/// keep it, join it with others, or spawn it.
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
/// It implements [`Authenticated`](crate::toolkit::Authenticated), so an endpoint this crate does not type
/// yet is one declaration away:
///
/// ```
/// use up42::Client;
/// use up42::toolkit::up42_endpoint;
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
    /// The workspace, and the user it is of: another user (after
    /// `set_credentials`) has another. Locked across its one lookup.
    workspace: Mutex<Option<(String, WorkspaceId)>>,
}

up42_auth::delegate_authenticated!(Client => inner.http);

impl Client {
    /// Starts configuring a client: every option of [`Up42ClientBuilder`],
    /// the workspace id among them if you know it.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The workspace of the logged-in user: the `sub` of the token server's
    /// userinfo, asked for on the first call and kept (clones share it), or
    /// the id given to the builder ([`Up42ClientBuilder::workspace_id`]).
    /// It is the user's: after [`set_credentials`](Up42Client::set_credentials)
    /// to another username, the next call asks again, so that orders and
    /// jobs go to the new user's workspace.
    pub fn workspace_id(&self) -> impl Future<Output = Result<WorkspaceId>> + Send + 'static {
        let client = self.clone();
        async move {
            let toolkit = client.toolkit();
            let mut workspace = client.inner.workspace.lock().await;
            let username = toolkit.username();
            if let Some((user, id)) = &*workspace
                && *user == username
            {
                return Ok(id.clone());
            }
            let id = identity::user_info(toolkit).await?.sub;
            *workspace = Some((username, id.clone()));
            Ok(id)
        }
    }

    /// The toolkit's client underneath, for its own calls
    /// ([`Call`](crate::toolkit::Call), [`Download`](crate::toolkit::Download)).
    pub fn toolkit(&self) -> &Up42Client {
        &self.inner.http
    }
}

/// The typed client over a toolkit client, with the workspace id its
/// builder was given, if any.
impl From<Up42Client> for Client {
    fn from(http: Up42Client) -> Self {
        let workspace = http
            .known_workspace_id()
            .map(|id| (http.username(), WorkspaceId::from(id)));
        Client {
            inner: Arc::new(Inner {
                http,
                workspace: Mutex::new(workspace),
            }),
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("auth", &self.inner.http)
            .field(
                "workspace_id",
                &self
                    .inner
                    .workspace
                    .try_lock()
                    .ok()
                    .and_then(|w| w.as_ref().map(|(_, id)| id.clone())),
            )
            .finish()
    }
}

/// Configures a [`Client`]: the toolkit's builder, making the typed client.
/// Every option is [`Up42ClientBuilder`]'s, documented there, with
/// [`workspace_id`](Up42ClientBuilder::workspace_id) for a workspace you know.
///
/// ```no_run
/// # fn run() -> up42::Result<()> {
/// let client = up42::Client::builder()
///     .credentials(up42::Credentials::discover()?)
///     .region(up42::Region::Eu)
///     .build()?;
/// # Ok(()) }
/// ```
pub type ClientBuilder = Up42ClientBuilder<Client>;
