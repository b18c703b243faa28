//! The handle of a running sandbox: its addresses, a ready client, what it
//! saw (counters, journal), and what tests change while it runs (assets,
//! tokens, passwords, faults, mounted routes).

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::assets::{Asset, AssetRules};
use crate::counters::Counters;
use crate::faults::Fault;
use crate::journal::Recorded;
use crate::keycloak;
use crate::mock::Mock;
use crate::route::Route;
use crate::state::Shared;
use crate::{PASSWORD, USERNAME};

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
    pub(crate) addr: SocketAddr,
    pub(crate) shared: Arc<Shared>,
    pub(crate) seed: u64,
    /// The certificate in PEM, when serving HTTPS.
    pub(crate) certificate_pem: Option<String>,
    /// Stops the API server and the storage host.
    pub(crate) shutdown: Vec<oneshot::Sender<()>>,
}

impl Sandbox {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The sandbox's certificate in PEM when it serves HTTPS
    /// ([`SandboxBuilder::https`](crate::SandboxBuilder::https)), for clients to trust; `None` over plain HTTP.
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
        self.insert_asset(asset_id, Asset::bytes(format!("{asset_id}.bin"), bytes));
    }

    /// Adds an asset like [`add_asset`](Self::add_asset) whose signed URL
    /// names its file `name` (`response-content-disposition`), as UP42's
    /// storage does: `scene.tif`, or a hostile `../x` for a test.
    pub fn add_named_asset(&self, asset_id: &str, name: &str, bytes: Vec<u8>) {
        self.insert_asset(asset_id, Asset::bytes(name, bytes));
    }

    /// Puts an asset into the storage. One that replaces an asset of the same
    /// id is a new version of it (a new `ETag`, as when a file changes
    /// between two downloads) with the same name and rules.
    fn insert_asset(&self, asset_id: &str, asset: Asset) {
        let mut store = self.shared.store();
        let assets = &mut store.world.storage().assets;
        let asset = match assets.get(asset_id) {
            Some(old) => old.replaced_by(asset),
            None => asset,
        };
        assets.insert(asset_id.to_string(), asset);
    }

    /// Adds an asset of `len` generated bytes ([`generated_asset`](crate::generated_asset)), streamed
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
        self.insert_asset(asset_id, Asset::generated(format!("{asset_id}.bin"), len));
        let rules = AssetRules {
            cut_after,
            ..self.asset_rules(asset_id).unwrap_or_default()
        };
        self.set_asset_rules(asset_id, rules);
    }

    /// Sets how the storage host serves the asset `asset_id` (and the API
    /// host its `GET /v2/assets/{id}`): cuts, corruption, refused ranges,
    /// checksum headers, a bandwidth cap. Does nothing to an unknown asset.
    ///
    /// ```
    /// use up42_testkit::{AssetRules, Sandbox, seed};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = Sandbox::start().await;
    /// sandbox.set_asset_rules(seed::ASSET_ID, AssetRules::new().cut_once_after(4).ignore_range());
    /// assert!(sandbox.asset_rules(seed::ASSET_ID).unwrap().ignore_range);
    /// # }
    /// ```
    pub fn set_asset_rules(&self, asset_id: &str, rules: AssetRules) {
        let mut store = self.shared.store();
        if let Some(asset) = store.world.storage().assets.get_mut(asset_id) {
            asset.rules = rules;
        }
    }

    /// The rules the asset `asset_id` is served by; `None` for an unknown asset.
    pub fn asset_rules(&self, asset_id: &str) -> Option<AssetRules> {
        let mut store = self.shared.store();
        store
            .world
            .storage()
            .assets
            .get(asset_id)
            .map(|a| a.rules.clone())
    }

    /// Replaces the bytes of the asset `asset_id`, keeping its name and
    /// rules: its `ETag` and `Last-Modified` change, so a resumed download
    /// must start over. Does nothing to an unknown asset.
    pub fn change_asset(&self, asset_id: &str, bytes: Vec<u8>) {
        let known = self.asset_rules(asset_id).is_some();
        if known {
            self.insert_asset(asset_id, Asset::bytes("", bytes));
        }
    }

    /// Sets the rules of every stored asset at once (the seeded ones, and
    /// those added so far): a bandwidth cap for a benchmark, say.
    pub fn set_all_asset_rules(&self, rules: AssetRules) {
        let mut store = self.shared.store();
        for asset in store.world.storage().assets.values_mut() {
            asset.rules = rules.clone();
        }
    }

    /// `http://127.0.0.1:PORT` of the storage host signed download URLs point at.
    pub fn storage_url(&self) -> &str {
        self.shared
            .storage_url
            .get()
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// Mounts a rule: requests it matches get its steps (answers or faults),
    /// ahead of the built-in fake. See [`Mock`].
    pub fn mount(&self, mock: Mock) {
        self.shared.rules.mount(mock);
    }

    /// Panics, naming each, if a mounted route's expected number of calls
    /// ([`Mock::expect`]) was not met. Dropping the sandbox checks the same.
    pub fn verify(&self) {
        let unmet = self.shared.rules.unmet();
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
        self.shared.faults.table().entry(route).or_default().delay = delay;
    }

    /// Adds to every request to `route` a further delay drawn at random from
    /// `min..=max`, from the sandbox's seeded source
    /// ([`SandboxBuilder::seed`](crate::SandboxBuilder::seed)): network jitter a failing test can replay.
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
        self.shared.faults.table().entry(route).or_default().latency = Some((min, max.max(min)));
    }

    /// Makes `percent` of the requests to `route`, drawn at random from the
    /// sandbox's seeded source ([`SandboxBuilder::seed`](crate::SandboxBuilder::seed)), answer `status`
    /// (`0.0` stops it). Queued faults come first.
    pub fn set_failure_rate(&self, route: Route, percent: f64, status: u16) {
        self.shared.faults.table().entry(route).or_default().failure_rate =
            (percent > 0.0).then_some((percent.min(100.0), status));
    }

    /// The seed of the sandbox's random source: print it when a test fails,
    /// and replay the run with [`SandboxBuilder::seed`](crate::SandboxBuilder::seed).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Injects `fault` into the next `times` requests to `route`, after any
    /// faults already injected there: a [`Mock::on`] rule whose steps are
    /// these faults.
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
        self.shared.rules.inject(route, fault, times);
    }

    /// Makes every `n`-th request to `route` answer `status` (`n = 0` stops it).
    /// Deterministic, unlike a random rate: `n = 20` fails exactly 5 %.
    pub fn fail_every(&self, route: Route, n: u64, status: u16) {
        let mut table = self.shared.faults.table();
        let faults = table.entry(route).or_default();
        faults.every = (n > 0).then_some((n, status));
        faults.seen = 0;
    }

    /// Drops every injected fault, delay, latency range and failure rate
    /// (mounted rules stay).
    pub fn clear_faults(&self) {
        self.shared.rules.clear_injected();
        self.shared.faults.table().clear();
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
