//! A local, Keycloak-compatible UP42 sandbox for tests and examples.
//!
//! [`Sandbox::start`] binds `127.0.0.1` on a free port and serves, on a task of
//! the current tokio runtime:
//!
//! - the token endpoint at the real realm path
//!   (`/realms/public/protocol/openid-connect/token`), with Keycloak's answers:
//!   password and refresh grants, RS256-signed JWTs, and every documented error
//!   (wrong password, unknown client, missing or unsupported grant, wrong media
//!   type, unknown realm, expired, revoked or reused refresh tokens);
//! - a stateful fake of UP42's order flow: 25 fulfilled orders to start with
//!   ([`ORDER_ID`] is the first), `POST /v2/orders` placing more, the paged
//!   `GET /v2/orders` (`page`, `size`, `sort`, `workspaceId`, `status`),
//!   `GET /v2/orders/{id}` moving a placed order along a status schedule
//!   ([`SandboxBuilder::order_status_schedule`]) and answering UP42's 404 for
//!   an unknown id, cancellation; assets ([`Sandbox::add_asset`], and large
//!   generated ones with [`Sandbox::add_generated_asset`]) whose
//!   `POST /v2/assets/{id}/download-url` answers a signed URL on a second,
//!   token-less storage host;
//! - bearer-checked API routes with UP42-shaped JSON: estimate, EULAs, STAC
//!   collections and items, processing jobs (one, the list with `next` links),
//!   tasking quotations, the user info endpoint, and `ANY /v2/status/{code}`,
//!   which answers `code` with an UP42 error body;
//! - the public `GET /v2/collections`;
//! - echo routes, `ANY /echo/...` (bearer-checked) and `ANY /public/echo/...`,
//!   answering with the method, raw path, raw query, headers and body received;
//! - `ANY /redirect/{*to}`, a `307` to `/{to}`, and [`Fault::redirect`] for a
//!   redirect anywhere (another sandbox playing a foreign host, say).
//!
//! Tests mount routes of their own ([`Mock`], ahead of the built-in fake and
//! bearer-checked unless public, with expected call counts checked on drop),
//! read the [journal](Sandbox::journal) of every request and the [`Counters`],
//! revoke tokens, change a password, inject faults, and set latency and
//! failure rates that a seed replays.
//!
//! The sandbox runs its own server (hyper under axum) rather than building on
//! `wiremock`, whose API its mounted routes follow: a fault must be able to
//! close a connection without answering, the token endpoint must answer
//! exactly as Keycloak does, and every route, mounted ones included, checks
//! bearer tokens against the tokens that endpoint issued.
//!
//! ```
//! use up42_auth::Authenticated;
//! use up42_testkit::Sandbox;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), up42_auth::Error> {
//! let sandbox = Sandbox::start().await;
//! let client = sandbox.client()?; // an Up42Client pointed at the sandbox
//! for _ in 0..100 {
//!     client.access_token().await?;
//! }
//! assert_eq!(sandbox.counters().token_requests, 1);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod api;
mod assets;
mod faults;
mod journal;
mod jwt;
mod keycloak;
mod lock;
mod mock;
mod orders;
mod route;
mod state;
mod tls;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::{any, get, post};
use tokio::sync::oneshot;

pub use api::{ORDER_COUNT, WORKSPACE_ID};
use assets::Asset;
pub use assets::generated_asset;
pub use faults::Fault;
use faults::Faults;
pub use journal::{Authorization, Recorded};
pub use mock::{Mock, Respond};
pub use orders::ORDER_ID;
pub use route::Route;
pub use state::Counters;
use state::{AtomicCounters, Config, Shared, Store};

/// The username of the sandbox's default user.
pub const USERNAME: &str = "sandbox@up42.example";
/// The password of the sandbox's default user.
pub const PASSWORD: &str = "sandbox-password";

/// A running sandbox. Stops when dropped, and then checks the expected call
/// counts of mounted routes.
///
/// ```
/// use std::time::Duration;
/// use up42_auth::Authenticated;
/// use up42_testkit::{Fault, Route, Sandbox, USERNAME};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), up42_auth::Error> {
/// let sandbox = Sandbox::start().await;
/// let client = sandbox.client()?;
/// let token = client.access_token().await?;
/// assert_eq!(sandbox.counters().password_grants, 1);
/// assert_eq!(sandbox.journal_of(Route::Token).len(), 1);
///
/// sandbox.revoke_access_tokens(); // the API answers 401 to `token` now
/// sandbox.revoke_refresh_tokens(); // and refresh grants `invalid_grant`
/// sandbox.set_password(USERNAME, "changed"); // logins with the old one fail
/// sandbox.set_delay(Route::Token, Duration::from_millis(10));
/// sandbox.fail_every(Route::Api, 20, 503); // 5 % of API calls
/// sandbox.inject(Route::Api, Fault::DropConnection, 1);
/// sandbox.clear_faults();
/// sandbox.reset_counters();
/// sandbox.clear_journal();
/// assert_eq!(sandbox.counters(), up42_testkit::Counters::default());
/// # drop(token);
/// # Ok(())
/// # }
/// ```
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    faults: Arc<Faults>,
    seed: u64,
    /// The certificate in PEM, when serving HTTPS.
    certificate_pem: Option<String>,
    /// Stops the API server and the storage host.
    shutdown: Vec<oneshot::Sender<()>>,
}

impl Sandbox {
    /// Starts a sandbox with the default user, 300 s access tokens and 1800 s
    /// refresh tokens, as UP42 issues them.
    pub async fn start() -> Sandbox {
        Sandbox::builder().start().await
    }

    /// Configures a sandbox.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The sandbox's certificate in PEM when it serves HTTPS
    /// ([`SandboxBuilder::https`]), for clients to trust; `None` over plain HTTP.
    /// [`client_builder`](Self::client_builder) trusts it already.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.certificate_pem.as_deref()
    }

    /// The socket address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The token endpoint, at the real realm path.
    pub fn token_url(&self) -> String {
        format!(
            "{}/realms/{}/protocol/openid-connect/token",
            self.base_url(),
            keycloak::REALM
        )
    }

    /// The API base URL.
    pub fn api_url(&self) -> String {
        self.base_url().to_string()
    }

    /// A builder for an [`up42_auth::Up42Client`] pointed at this sandbox, with
    /// the default user's credentials: add settings, then `build()`.
    pub fn client_builder(&self) -> up42_auth::Up42ClientBuilder {
        let builder = up42_auth::Up42Client::builder()
            .credentials(up42_auth::Credentials::new(USERNAME, PASSWORD))
            .token_url(&self.token_url())
            .api_url(&self.api_url());
        match self.certificate_pem.as_deref().map(str::as_bytes) {
            Some(pem) => builder.add_root_certificate(
                up42_auth::reqwest::Certificate::from_pem(pem).expect("the sandbox's own certificate parses"),
            ),
            None => builder,
        }
    }

    /// An [`up42_auth::Up42Client`] for the default user of this sandbox.
    pub fn client(&self) -> Result<up42_auth::Up42Client, up42_auth::Error> {
        self.client_builder().build()
    }

    /// The request counts so far.
    pub fn counters(&self) -> Counters {
        self.shared.counters.snapshot()
    }

    /// Adds an asset whose download (`POST /v2/assets/{id}/download-url`, then
    /// a `GET` of the signed URL on the storage host) serves `bytes`.
    ///
    /// ```
    /// use up42_testkit::{Route, Sandbox};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = Sandbox::start().await;
    /// sandbox.add_asset("a-1", b"GeoTIFF bytes".to_vec());
    /// // ... after the code under test downloaded it:
    /// let storage = sandbox.journal_of(Route::Storage);
    /// assert!(storage.iter().all(|r| r.header("authorization").is_none()));
    /// # }
    /// ```
    pub fn add_asset(&self, asset_id: &str, bytes: Vec<u8>) {
        let asset = Asset::Bytes(bytes.into());
        self.shared.store().assets.insert(asset_id.to_string(), asset);
    }

    /// Adds an asset of `len` generated bytes ([`generated_asset`]), streamed
    /// by the storage host in 64 KiB chunks and never held in memory, with a
    /// `Content-Length` of `len`: a large download at no memory cost.
    /// `cut_after` closes the connection after that many bytes, short of the
    /// announced length, as a failing network would.
    ///
    /// ```
    /// use up42_testkit::{Sandbox, generated_asset};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = Sandbox::start().await;
    /// sandbox.add_generated_asset("scene", 256 * 1024 * 1024, None);
    /// sandbox.add_generated_asset("broken", 1024 * 1024, Some(4096));
    /// // Bytes 1000..1010 of either, to compare a download with:
    /// let expected = generated_asset(1000, 10);
    /// # assert_eq!(expected.len(), 10);
    /// # }
    /// ```
    pub fn add_generated_asset(&self, asset_id: &str, len: u64, cut_after: Option<u64>) {
        let asset = Asset::Generated { len, cut_after };
        self.shared.store().assets.insert(asset_id.to_string(), asset);
    }

    /// `http://127.0.0.1:PORT` of the storage host signed download URLs point at.
    pub fn storage_url(&self) -> &str {
        self.shared
            .storage_url
            .get()
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// Mounts a route: requests it matches get its answer, ahead of the
    /// built-in fake. See [`Mock`].
    pub fn mount(&self, mock: Mock) {
        self.shared.mocks.mount(mock);
    }

    /// Panics, naming each, if a mounted route's expected number of calls
    /// ([`Mock::expect`]) was not met. Dropping the sandbox checks the same.
    pub fn verify(&self) {
        let unmet = self.shared.mocks.unmet();
        assert!(
            unmet.is_empty(),
            "mounted routes not called as expected:\n{}",
            unmet.join("\n")
        );
    }

    /// Every request the sandbox saw so far, in order, secrets redacted.
    pub fn journal(&self) -> Vec<Recorded> {
        self.shared.journal().clone()
    }

    /// The requests of the journal for one side of the sandbox, in order.
    /// See [`Recorded`] for an example.
    pub fn journal_of(&self, route: Route) -> Vec<Recorded> {
        let journal = self.shared.journal();
        journal.iter().filter(|r| r.route == route).cloned().collect()
    }

    /// Empties the journal.
    pub fn clear_journal(&self) {
        self.shared.journal().clear();
    }

    /// Sets every counter back to zero.
    pub fn reset_counters(&self) {
        self.shared.counters.reset();
    }

    /// The form fields of the last token request, in the order sent.
    pub fn last_token_form(&self) -> Option<Vec<(String, String)>> {
        self.shared.store().last_token_form.clone()
    }

    /// Revokes every access token issued so far: the API answers 401 to them.
    pub fn revoke_access_tokens(&self) {
        self.shared.store().access.clear();
    }

    /// Ends every session: refresh tokens issued so far answer
    /// `invalid_grant` / `Session not active`.
    pub fn revoke_refresh_tokens(&self) {
        let mut store = self.shared.store();
        let sessions: Vec<String> = store.refresh.values().map(|r| r.session.clone()).collect();
        store.ended_sessions.extend(sessions);
    }

    /// Changes a user's password (or adds the user), as an account owner would
    /// on UP42: password logins with the old one fail from now on with
    /// `invalid_grant`. Sessions go on; end them with
    /// [`revoke_refresh_tokens`](Self::revoke_refresh_tokens).
    pub fn set_password(&self, username: &str, password: &str) {
        self.shared
            .store()
            .users
            .insert(username.to_string(), password.to_string());
    }

    /// Makes every request to `route` wait this long before it is answered
    /// (zero: no delay).
    pub fn set_delay(&self, route: Route, delay: Duration) {
        self.faults.table().entry(route).or_default().delay = delay;
    }

    /// Adds to every request to `route` a further delay drawn at random from
    /// `min..=max`, from the sandbox's seeded source
    /// ([`SandboxBuilder::seed`]): network jitter a failing test can replay.
    ///
    /// ```
    /// use std::time::Duration;
    /// use up42_testkit::{Route, Sandbox};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = Sandbox::builder().seed(7).start().await;
    /// sandbox.set_latency_range(Route::Api, Duration::from_millis(5), Duration::from_millis(50));
    /// sandbox.set_failure_rate(Route::Api, 10.0, 503); // about one request in ten
    /// # }
    /// ```
    pub fn set_latency_range(&self, route: Route, min: Duration, max: Duration) {
        self.faults.table().entry(route).or_default().latency = Some((min, max.max(min)));
    }

    /// Makes `percent` of the requests to `route`, drawn at random from the
    /// sandbox's seeded source ([`SandboxBuilder::seed`]), answer `status`
    /// (`0.0` stops it). Queued faults come first.
    pub fn set_failure_rate(&self, route: Route, percent: f64, status: u16) {
        self.faults.table().entry(route).or_default().failure_rate =
            (percent > 0.0).then_some((percent.min(100.0), status));
    }

    /// The seed of the sandbox's random source: print it when a test fails,
    /// and replay the run with [`SandboxBuilder::seed`].
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Injects `fault` into the next `times` requests to `route`, after any
    /// faults already queued.
    ///
    /// ```
    /// use up42_testkit::{Fault, Route, Sandbox};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = Sandbox::start().await;
    /// sandbox.inject(Route::Token, Fault::retry_after(503, "1"), 2);
    /// sandbox.inject(Route::Api, Fault::DropConnection, 1);
    /// # }
    /// ```
    pub fn inject(&self, route: Route, fault: Fault, times: usize) {
        let mut table = self.faults.table();
        let queue = &mut table.entry(route).or_default().queue;
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// Makes every `n`-th request to `route` answer `status` (`n = 0` stops it).
    /// Deterministic, unlike a random rate: `n = 20` fails exactly 5 %.
    pub fn fail_every(&self, route: Route, n: u64, status: u16) {
        let mut table = self.faults.table();
        let faults = table.entry(route).or_default();
        faults.every = (n > 0).then_some((n, status));
        faults.seen = 0;
    }

    /// Drops every queued fault and delay.
    pub fn clear_faults(&self) {
        self.faults.table().clear();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for shutdown in self.shutdown.drain(..) {
            let _ = shutdown.send(());
        }
        // A test that already fails is not failed again (a panic in a panic aborts).
        if !std::thread::panicking() {
            self.verify();
        }
    }
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url())
            .field("counters", &self.counters())
            .finish_non_exhaustive()
    }
}

/// Configures a [`Sandbox`].
///
/// ```
/// use std::time::Duration;
/// use up42_testkit::Sandbox;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let sandbox = Sandbox::builder()
///     .user("second@example.com", "another-password")
///     .access_token_lifetime(Duration::from_secs(2))
///     .refresh_token_lifetime(Some(Duration::from_secs(10)))
///     .rotate_refresh_tokens(true)
///     .client_id("up42-api")
///     .seed(7)
///     .start()
///     .await;
/// assert_eq!(sandbox.seed(), 7);
/// # }
/// ```
#[must_use]
pub struct SandboxBuilder {
    config: Config,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            config: Config {
                users: HashMap::from([(USERNAME.to_string(), PASSWORD.to_string())]),
                client_id: up42_auth::defaults::CLIENT_ID.to_string(),
                access_lifetime: Duration::from_secs(300),
                refresh_lifetime: Some(Duration::from_secs(1800)),
                rotate_refresh_tokens: false,
                https: false,
                seed: 42,
                order_schedule: (
                    vec![("PLACED".to_string(), 1), ("BEING_FULFILLED".to_string(), 1)],
                    "FULFILLED".to_string(),
                ),
            },
        }
    }
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let users: Vec<&String> = self.config.users.keys().collect();
        f.debug_struct("SandboxBuilder")
            .field("users", &users)
            .field("access_lifetime", &self.config.access_lifetime)
            .field("refresh_lifetime", &self.config.refresh_lifetime)
            .finish_non_exhaustive()
    }
}

impl SandboxBuilder {
    /// Adds a user (the default user stays).
    pub fn user(mut self, username: &str, password: &str) -> Self {
        self.config
            .users
            .insert(username.to_string(), password.to_string());
        self
    }

    /// How long access tokens live (whole seconds, at least 1 s; default 300 s).
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.access_lifetime = Duration::from_secs(lifetime.as_secs().max(1));
        self
    }

    /// How long refresh tokens live (whole seconds; default 1800 s). `None`
    /// issues no refresh tokens; zero issues refresh tokens that never expire
    /// (`refresh_expires_in: 0`, as Keycloak says it).
    pub fn refresh_token_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.config.refresh_lifetime = lifetime.map(|l| Duration::from_secs(l.as_secs()));
        self
    }

    /// Enforce refresh-token rotation: a refresh token already exchanged
    /// answers `invalid_grant` / `Stale token`.
    pub fn rotate_refresh_tokens(mut self, rotate: bool) -> Self {
        self.config.rotate_refresh_tokens = rotate;
        self
    }

    /// The seed of the random source that latency ranges and failure rates
    /// draw from (default 42): the same seed and the same requests give the
    /// same delays and failures.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// Serves HTTPS instead of HTTP, with a self-signed certificate made at
    /// start for `localhost`, `127.0.0.1` and any host under `sandbox.test`
    /// ([`Sandbox::certificate_pem`]). For tests of what only HTTPS shows:
    /// proxies (`CONNECT`), custom root certificates.
    ///
    /// ```
    /// use up42_auth::Authenticated;
    /// use up42_testkit::Sandbox;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), up42_auth::Error> {
    /// let sandbox = Sandbox::builder().https().start().await;
    /// assert!(sandbox.base_url().starts_with("https://"));
    /// let client = sandbox.client()?; // trusts the sandbox's certificate
    /// client.access_token().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn https(mut self) -> Self {
        self.config.https = true;
        self
    }

    /// How orders placed with `POST /v2/orders` move along: each status of
    /// `steps` is shown for that many fetches (`GET /v2/orders/{id}`), then
    /// `last` for good. Default: `PLACED` for 1 fetch, `BEING_FULFILLED` for 1,
    /// then `FULFILLED`. For testing pollers.
    ///
    /// ```
    /// use up42_testkit::Sandbox;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = Sandbox::builder()
    ///     .order_status_schedule(&[("PLACED", 1), ("BEING_FULFILLED", 3)], "FULFILLED")
    ///     .start()
    ///     .await;
    /// # drop(sandbox);
    /// # }
    /// ```
    pub fn order_status_schedule(mut self, steps: &[(&str, u32)], last: &str) -> Self {
        let steps = steps.iter().map(|(s, n)| (s.to_string(), *n)).collect();
        self.config.order_schedule = (steps, last.to_string());
        self
    }

    /// The OAuth client id the sandbox accepts (default `up42-api`).
    pub fn client_id(mut self, client_id: &str) -> Self {
        self.config.client_id = client_id.to_string();
        self
    }

    /// Binds `127.0.0.1` on a free port and starts serving on a task of the
    /// current tokio runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime, or if no loopback port can be bound.
    pub async fn start(self) -> Sandbox {
        tokio::task::spawn_blocking(jwt::warm_up)
            .await
            .expect("the sandbox's signing key can be generated");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the sandbox cannot bind a port on 127.0.0.1");
        let addr = listener.local_addr().expect("a bound socket has an address");
        let users = self.config.users.clone();
        let seed = self.config.seed;
        let tls = self.config.https.then(tls::Tls::new);
        let scheme = if tls.is_some() { "https" } else { "http" };
        let shared = Arc::new(Shared {
            config: self.config,
            base_url: format!("{scheme}://{addr}"),
            store: Mutex::new(Store {
                users,
                orders: orders::seeded(ORDER_COUNT),
                ..Store::default()
            }),
            counters: AtomicCounters::default(),
            journal: Mutex::new(Vec::new()),
            mocks: mock::Mocks::default(),
            storage_url: std::sync::OnceLock::new(),
        });
        let faults = Arc::new(Faults::new(seed));
        // Routes that need a live bearer token.
        let private = Router::new()
            .route(
                "/realms/{realm}/protocol/openid-connect/userinfo",
                get(api::userinfo),
            )
            .route("/v2/orders", get(orders::list_orders).post(orders::place_order))
            .route("/v2/orders/estimate", post(api::estimate))
            .route("/v2/orders/{order_id}", get(orders::get_order))
            .route("/v2/orders/{order_id}/cancellation", post(orders::cancel_order))
            .route("/v2/assets/{asset_id}/download-url", post(assets::download_url))
            .route("/v2/eulas/{eula_id}", get(api::eula))
            .route(
                "/v2/assets/stac/collections/{collection_id}",
                get(api::stac_collection),
            )
            .route(
                "/v2/assets/stac/collections/{collection_id}/items/{item_id}",
                get(api::stac_item),
            )
            .route("/v2/processing/jobs", get(api::list_jobs))
            .route("/v2/processing/jobs/{job_id}", get(api::get_job))
            .route("/v2/tasking/quotation", get(api::quotations))
            .route("/v2/status/{code}", any(api::status))
            .route("/echo/{*rest}", any(api::echo_private))
            .route_layer(axum::middleware::from_fn_with_state(
                Arc::clone(&shared),
                api::require_bearer,
            ));
        let app = Router::new()
            .route(
                "/realms/{realm}/protocol/openid-connect/token",
                post(keycloak::token),
            )
            .route("/v2/collections", get(api::collections))
            .route("/public/echo/{*rest}", any(api::echo_public))
            .route("/redirect/{*to}", any(api::redirect))
            .merge(private)
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&shared),
                api::mocked,
            ));
        let app = faulty_and_counted(app, &faults, &shared);
        // The storage host of signed download URLs: another port, no token.
        let storage_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the sandbox cannot bind a port on 127.0.0.1");
        let storage_addr = storage_listener
            .local_addr()
            .expect("a bound socket has an address");
        let _ = shared.storage_url.set(format!("http://{storage_addr}"));
        let storage = Router::new().route("/storage/{asset_id}", get(assets::storage));
        let storage = faulty_and_counted(storage, &faults, &shared);
        let (shutdown, stopped) = oneshot::channel::<()>();
        let (storage_shutdown, storage_stopped) = oneshot::channel::<()>();
        let (acceptor, certificate_pem) = match tls {
            Some(tls) => (Some(tls.acceptor), Some(tls.certificate_pem)),
            None => (None, None),
        };
        tokio::spawn(serve(listener, app, Arc::clone(&shared), acceptor, stopped));
        tokio::spawn(serve(
            storage_listener,
            storage,
            Arc::clone(&shared),
            None,
            storage_stopped,
        ));
        Sandbox {
            addr,
            shared,
            faults,
            seed,
            certificate_pem,
            shutdown: vec![shutdown, storage_shutdown],
        }
    }
}

/// What both hosts of the sandbox put in front of their routes: the faults
/// tests inject, and outermost the counters and journal, so that every
/// request is counted whatever fault it meets.
fn faulty_and_counted(routes: Router<Arc<Shared>>, faults: &Arc<Faults>, shared: &Arc<Shared>) -> Router {
    routes
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(faults),
            faults::inject,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(shared),
            state::count,
        ))
        .with_state(Arc::clone(shared))
}

/// Accepts connections until `stopped`; each connection can be closed from a
/// handler (through [`faults::ConnectionKill`]) to simulate a dropped connection.
async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
            _ = &mut stopped => return,
        };
        shared.counters.bump(state::Count::Connection);
        let kill = Arc::new(tokio::sync::Notify::new());
        let connection_kill = faults::ConnectionKill(Arc::clone(&kill));
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(connection_kill.clone());
                tower::ServiceExt::oneshot(app.clone(), request)
            });
        let tls = tls.clone();
        tokio::spawn(async move {
            let http = hyper::server::conn::http1::Builder::new();
            let connection = async {
                match tls {
                    Some(acceptor) => {
                        // A failed handshake (a client that does not trust us) ends the connection.
                        if let Ok(stream) = acceptor.accept(stream).await {
                            let _ = http
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                .await;
                        }
                    }
                    None => {
                        let _ = http
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    }
                }
            };
            tokio::select! {
                _ = connection => {}
                _ = kill.notified() => {} // dropping the connection closes the socket unanswered
            }
        });
    }
}
