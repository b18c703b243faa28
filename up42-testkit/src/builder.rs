//! Configuring a sandbox, and starting it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::counters::AtomicCounters;
use crate::faults::Faults;
use crate::mock::Rules;
use crate::sandbox::Sandbox;
use crate::state::{Config, LazyWorld, Schedule, Shared, Store};
use crate::{PASSWORD, USERNAME, jwt, router, seed, server, tls};

// Starting lives beside the builder, so that the handle needs nothing of it.
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
    /// The API's port on 127.0.0.1 (0: a free one).
    port: u16,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            config: Config {
                users: HashMap::from([(USERNAME.to_string(), PASSWORD.to_string())]),
                client_ids: vec![up42_auth::defaults::CLIENT_ID.to_string(), "up42-sdk".to_string()],
                access_lifetime: Duration::from_secs(300),
                refresh_lifetime: Some(Duration::from_secs(1800)),
                rotate_refresh_tokens: false,
                https: false,
                seed: 42,
                order_schedule: Schedule::new(&[("PLACED", 1), ("BEING_FULFILLED", 1)], "FULFILLED"),
                tasking_upload_after: 1,
                job_schedule: Schedule::new(&[("created", 1), ("accepted", 1), ("running", 1)], "successful"),
            },
            port: 0,
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
        self.config.order_schedule = Schedule::new(steps, last);
        self
    }

    /// How many times a tasking order is observed (fetched, or its
    /// quotations or feasibility studies listed for it) before UP42 uploads
    /// its feasibility study or quotation (default 1: the first fetch after
    /// placing shows `…_WAITING_UPLOAD`, the next `…_WAITING_RESPONSE`).
    ///
    /// ```
    /// use up42_testkit::Sandbox;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = Sandbox::builder().tasking_upload_after(3).start().await;
    /// # drop(sandbox);
    /// # }
    /// ```
    pub fn tasking_upload_after(mut self, observations: u32) -> Self {
        self.config.tasking_upload_after = observations;
        self
    }

    /// How executed processing jobs move along: each status of `steps`
    /// (UP42's lower-case job statuses) is shown for that many fetches
    /// (`GET /v2/processing/jobs/{id}`), then `last` for good. Default:
    /// `created`, `accepted` and `running` for 1 fetch each, then
    /// `successful`, whose results appear in storage. End on `failed` or
    /// `released` to test failures.
    ///
    /// ```
    /// use up42_testkit::Sandbox;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = Sandbox::builder()
    ///     .job_status_schedule(&[("created", 1), ("running", 2), ("failed", 1)], "released")
    ///     .start()
    ///     .await;
    /// # drop(sandbox);
    /// # }
    /// ```
    pub fn job_status_schedule(mut self, steps: &[(&str, u32)], last: &str) -> Self {
        self.config.job_schedule = Schedule::new(steps, last);
        self
    }

    /// The OAuth client ids the token endpoint serves, instead of UP42's two
    /// public clients (`up42-api`, which this toolkit sends, and `up42-sdk`,
    /// which UP42's Python SDK sends).
    pub fn client_id(mut self, client_id: &str) -> Self {
        self.config.client_ids = vec![client_id.to_string()];
        self
    }

    /// Serves the API and token endpoint on this port of 127.0.0.1, instead
    /// of a free one (the storage host still takes a free one): for a
    /// sandbox other programs are pointed at.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Binds `127.0.0.1` on a free port (or [`port`](Self::port)) and starts
    /// serving on a task of the current tokio runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime, or if the loopback port cannot be bound
    /// ([`try_start`](Self::try_start) returns that error instead).
    pub async fn start(self) -> Sandbox {
        self.try_start()
            .await
            .expect("the sandbox cannot bind a port on 127.0.0.1")
    }

    /// [`start`](Self::start), with the error of a port that cannot be
    /// bound (taken, say) returned.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub async fn try_start(self) -> std::io::Result<Sandbox> {
        tokio::task::spawn_blocking(jwt::warm_up)
            .await
            .expect("the sandbox's signing key can be generated");
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?;
        let storage_listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let storage_addr = storage_listener.local_addr()?;
        let users = self.config.users.clone();
        let seed = self.config.seed;
        let tls = self.config.https.then(tls::Tls::new);
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{addr}");
        let world = LazyWorld::new(&base_url, seed::world);
        let shared = Arc::new(Shared {
            config: self.config,
            base_url,
            store: Mutex::new(Store {
                users,
                world,
                // New ids number from here, apart from the seeded ones.
                serial: 1000,
                ..Store::default()
            }),
            counters: AtomicCounters::default(),
            journal: Mutex::new(Vec::new()),
            rules: Rules::default(),
            faults: Faults::new(seed),
            storage_url: OnceLock::from(format!("http://{storage_addr}")),
        });
        let app = server::ruled_and_counted(router::api(&shared), &shared);
        let storage = server::ruled_and_counted(router::storage(), &shared);
        let (shutdown, stopped) = oneshot::channel::<()>();
        let (storage_shutdown, storage_stopped) = oneshot::channel::<()>();
        let (acceptor, certificate_pem) = match tls {
            Some(tls) => (Some(tls.acceptor), Some(tls.certificate_pem)),
            None => (None, None),
        };
        tokio::spawn(server::serve(
            listener,
            app,
            Arc::clone(&shared),
            acceptor,
            stopped,
        ));
        tokio::spawn(server::serve(
            storage_listener,
            storage,
            Arc::clone(&shared),
            None,
            storage_stopped,
        ));
        Ok(Sandbox {
            addr,
            shared,
            seed,
            certificate_pem,
            shutdown: vec![shutdown, storage_shutdown],
        })
    }
}
