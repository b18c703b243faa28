//! Paused-clock tests of the cache with a scripted token source.

use super::renewal::*;
use super::*;
use crate::auth::token::{RefreshToken, TokenGrant};
use crate::defaults::FAILURE_BACKOFF_MAX;
use crate::error::ErrorKind;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::AtomicBool;

use async_trait::async_trait;

#[test]
fn margin_scales_with_lifetime() {
    assert_eq!(margin(Duration::from_secs(300)), Duration::from_secs(30));
    assert_eq!(margin(Duration::from_secs(3600)), Duration::from_secs(30));
    assert_eq!(margin(Duration::from_secs(3)), Duration::from_millis(300));
    assert_eq!(margin(Duration::from_secs(1)), Duration::from_millis(100));
}

#[test]
fn failure_backoff_doubles_up_to_fifteen_minutes() {
    let secs: Vec<u64> = (1..=11).map(|n| failure_backoff(n).as_secs()).collect();
    assert_eq!(secs, [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    assert_eq!(failure_backoff(u32::MAX), FAILURE_BACKOFF_MAX);
}

/// A token source whose answers the test scripts, recording what it was sent.
struct Scripted {
    lifetime: Duration,
    /// How long each answer takes.
    delay: StdMutex<Duration>,
    password_ok: AtomicBool,
    refresh_ok: AtomicBool,
    /// When each password login was tried.
    logins: StdMutex<Vec<Instant>>,
    /// Each refresh token sent, in order.
    refreshes: StdMutex<Vec<String>>,
    issued: AtomicU64,
}

impl Scripted {
    /// The source, and a cache of it.
    fn new(lifetime: Duration) -> (Arc<Self>, TokenCache) {
        let source = Arc::new(Scripted {
            lifetime,
            delay: StdMutex::default(),
            password_ok: AtomicBool::new(true),
            refresh_ok: AtomicBool::new(true),
            logins: StdMutex::default(),
            refreshes: StdMutex::default(),
            issued: AtomicU64::new(0),
        });
        let cache = TokenCache::new(Arc::clone(&source));
        (source, cache)
    }

    fn grant(&self) -> TokenGrant {
        let n = self.issued.fetch_add(1, Ordering::SeqCst);
        TokenGrant::new(format!("access-{n}"), self.lifetime)
            .with_refresh_token(format!("refresh-{n}"), Some(Duration::from_secs(1800)))
    }

    fn logins(&self) -> Vec<Instant> {
        self.logins.lock().unwrap().clone()
    }

    fn refreshes(&self) -> Vec<String> {
        self.refreshes.lock().unwrap().clone()
    }
}

#[async_trait]
impl TokenSource for Scripted {
    async fn request_token(&self, refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
        let delay = *self.delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        match refresh {
            Some(refresh) => {
                self.refreshes.lock().unwrap().push(refresh.secret().to_string());
                match self.refresh_ok.load(Ordering::SeqCst) {
                    true => Ok(self.grant()),
                    false => Err(Error::refresh_token_rejected("Session not active")),
                }
            }
            None => {
                self.logins.lock().unwrap().push(Instant::now());
                match self.password_ok.load(Ordering::SeqCst) {
                    true => Ok(self.grant()),
                    false => Err(Error::invalid_credentials(
                        "me@example.com",
                        "Invalid user credentials",
                    )),
                }
            }
        }
    }
}

/// Calls `get` every `every` until `until`; counts the calls that failed.
async fn poll(cache: &TokenCache, every: Duration, until: Instant) -> usize {
    let mut failed = 0;
    while Instant::now() < until {
        if cache.get().await.is_err() {
            failed += 1;
        }
        tokio::time::sleep(every).await;
    }
    failed
}

#[tokio::test(start_paused = true)]
async fn a_changed_password_costs_a_handful_of_logins_a_minute() {
    let (source, cache) = Scripted::new(Duration::from_secs(300));
    cache.get().await.unwrap();
    let start = Instant::now();
    // The password changes and the sessions end: refresh and password both fail.
    source.password_ok.store(false, Ordering::SeqCst);
    source.refresh_ok.store(false, Ordering::SeqCst);
    // A worker polling every 100 ms through the early window, expiry and
    // an hour beyond.
    let failed_calls = poll(
        &cache,
        Duration::from_millis(100),
        start + Duration::from_secs(240 + 3600),
    )
    .await;

    let failures: Vec<Duration> = source.logins()[1..]
        .iter()
        .map(|at| at.duration_since(start))
        .collect();
    // The early window opens at 240 s (300 s - 2 × 30 s); its first renewal is the first failure.
    let first = failures[0];
    assert!(
        first >= Duration::from_secs(240) && first < Duration::from_millis(240_200),
        "{first:?}"
    );
    let within = |window: u64| {
        failures
            .iter()
            .filter(|at| **at < first + Duration::from_secs(window))
            .count()
    };
    assert_eq!(within(60), 5, "failed logins in the first minute: {failures:?}");
    assert!(
        (8..=9).contains(&within(600)),
        "failed logins in ten minutes: {failures:?}"
    );
    assert!(within(3600) <= 13, "failed logins in an hour: {failures:?}");
    // The refresh token the server refused is never sent again.
    assert_eq!(source.refreshes(), ["refresh-0"]);
    // Callers get the valid token until it is stale, then the remembered error, at once.
    assert!(failed_calls > 30_000, "{failed_calls}");
}

#[tokio::test(start_paused = true)]
async fn success_and_reset_forget_the_failure() {
    let (source, cache) = Scripted::new(Duration::from_secs(60));
    source.password_ok.store(false, Ordering::SeqCst);
    let tried = |after: Duration, logins: usize| {
        let (source, cache) = (&source, &cache);
        async move {
            tokio::time::sleep(after).await;
            let outcome = cache.get().await.map(|_| ());
            assert_eq!(outcome.unwrap_err().kind(), ErrorKind::InvalidCredentials);
            assert_eq!(source.logins().len(), logins, "after {after:?}");
        }
    };
    tried(Duration::ZERO, 1).await; // remembered for 2–2.5 s
    tried(Duration::from_secs(1), 1).await;
    tried(Duration::from_secs(2), 2).await; // at 3 s: remembered for 4–5 s
    tried(Duration::from_secs(3), 2).await;

    // New credentials: tried at once, whatever was remembered.
    source.password_ok.store(true, Ordering::SeqCst);
    cache.reset();
    assert_eq!(cache.get().await.unwrap().secret(), "access-0");
    assert_eq!(source.logins().len(), 3);

    // After a success, a new failure is remembered for 2–2.5 s only.
    source.password_ok.store(false, Ordering::SeqCst);
    source.refresh_ok.store(false, Ordering::SeqCst);
    cache.reset();
    tried(Duration::ZERO, 4).await;
    tried(Duration::from_millis(1900), 4).await; // a fresh start: 2–2.5 s
    tried(Duration::from_millis(700), 5).await;
}

#[tokio::test(start_paused = true)]
async fn a_rejected_refresh_token_is_dropped_and_the_login_keeps_going() {
    let (source, cache) = Scripted::new(Duration::from_secs(60));
    let first = cache.get().await.unwrap();
    source.refresh_ok.store(false, Ordering::SeqCst);
    cache.invalidate(&first);
    // refresh-0 is refused; the login that follows brings refresh-1.
    assert_eq!(cache.get().await.unwrap().secret(), "access-1");
    source.refresh_ok.store(true, Ordering::SeqCst);
    let second = cache.get().await.unwrap();
    cache.invalidate(&second);
    assert_eq!(cache.get().await.unwrap().secret(), "access-2");
    assert_eq!(source.refreshes(), ["refresh-0", "refresh-1"]);
    assert_eq!(source.logins().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_api_that_rejects_every_token_costs_one_login_per_spacing() {
    let (source, cache) = Scripted::new(Duration::from_secs(300));
    source.refresh_ok.store(false, Ordering::SeqCst);
    let mut renewals_allowed = 0;
    // Every call's token is answered 401, one call every 100 ms for a minute.
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        let token = cache.get().await.unwrap();
        if cache.report_rejected(&token) {
            renewals_allowed += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(renewals_allowed, 6, "one per 10 s");
    assert_eq!(source.logins().len(), 7, "the first login and one per renewal");
}

#[tokio::test(start_paused = true)]
async fn callers_waiting_on_a_dropped_token_still_resend() {
    let (_source, cache) = Scripted::new(Duration::from_secs(300));
    let token = cache.get().await.unwrap();
    assert!(cache.report_rejected(&token), "the first 401 drops it");
    assert!(cache.report_rejected(&token), "already dropped: a renewal is due");
    let newer = cache.get().await.unwrap();
    assert!(cache.report_rejected(&token), "a newer token is cached");
    assert!(
        !cache.report_rejected(&newer),
        "the newer one is rejected too soon"
    );
}

#[tokio::test(start_paused = true)]
async fn endless_lifetimes_do_not_overflow_the_clock() {
    let (_source, cache) = Scripted::new(Duration::MAX);
    let token = cache.get().await.unwrap();
    assert!(cache.fresh().is_some_and(|t| t.same_token(&token)));
    assert!(token.expires_in() > Duration::from_secs(300 * 24 * 3600));
}

#[tokio::test(start_paused = true)]
async fn nobody_waits_for_an_early_renewal() {
    let (source, cache) = Scripted::new(Duration::from_secs(300));
    let first = cache.get().await.unwrap();
    *source.delay.lock().unwrap() = Duration::from_secs(5);
    tokio::time::sleep(Duration::from_secs(245)).await; // inside [240 s, 270 s)
    let started = Instant::now();
    for _ in 0..100 {
        assert!(cache.get().await.unwrap().same_token(&first));
    }
    // On the paused clock, any wait for the 5 s answer would have moved time.
    assert_eq!(started.elapsed(), Duration::ZERO);
    tokio::time::sleep(Duration::from_secs(6)).await;
    let renewed = cache.fresh().expect("renewed in the background");
    assert_eq!(renewed.secret(), "access-1");
    assert_eq!(source.refreshes(), ["refresh-0"], "one renewal for 100 callers");
}

#[tokio::test(start_paused = true)]
async fn force_refresh_renews_once_for_concurrent_callers() {
    let (source, cache) = Scripted::new(Duration::from_secs(300));
    assert_eq!(cache.valid_for(), None);
    let first = cache.get().await.unwrap();
    tokio::time::sleep(Duration::from_secs(100)).await;
    assert_eq!(cache.valid_for(), Some(Duration::from_secs(200)));
    *source.delay.lock().unwrap() = Duration::from_millis(100);
    let cache = Arc::new(cache);
    let callers: Vec<_> = (0..10)
        .map(|_| {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move { cache.force_refresh().await.unwrap() })
        })
        .collect();
    let mut renewed = Vec::new();
    for caller in callers {
        renewed.push(caller.await.unwrap());
    }
    assert!(
        renewed
            .iter()
            .all(|t| t.same_token(&renewed[0]) && !t.same_token(&first))
    );
    assert_eq!(source.refreshes(), ["refresh-0"], "one renewal for ten callers");
    assert_eq!(
        cache.valid_for(),
        Some(Duration::from_secs(300) - Duration::from_millis(100))
    );
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_caller_does_not_cancel_the_renewal() {
    let (source, cache) = Scripted::new(Duration::from_secs(300));
    let first = cache.get().await.unwrap();
    cache.invalidate(&first);
    *source.delay.lock().unwrap() = Duration::from_secs(5);
    let gave_up = tokio::time::timeout(Duration::from_secs(1), cache.get()).await;
    assert!(gave_up.is_err(), "the only caller gave up");
    tokio::time::sleep(Duration::from_secs(5)).await;
    // The renewal finished all the same; its rotated refresh token is the one kept.
    assert_eq!(cache.fresh().unwrap().secret(), "access-1");
    cache.invalidate(&cache.fresh().unwrap());
    cache.get().await.unwrap();
    assert_eq!(source.refreshes(), ["refresh-0", "refresh-1"]);
    assert_eq!(source.logins().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_one_renewal_and_its_error() {
    let (source, cache) = Scripted::new(Duration::from_secs(300));
    source.password_ok.store(false, Ordering::SeqCst);
    *source.delay.lock().unwrap() = Duration::from_millis(200);
    let cache = Arc::new(cache);
    let callers: Vec<_> = (0..50)
        .map(|_| {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move { cache.get().await.map(|_| ()).unwrap_err().kind() })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap(), ErrorKind::InvalidCredentials);
    }
    assert_eq!(source.logins().len(), 1);
}

/// A token store in memory, shared by the caches of a simulated fleet.
#[derive(Default)]
struct MemoryStore {
    entries: StdMutex<std::collections::HashMap<String, Vec<u8>>>,
    locked: StdMutex<std::collections::HashSet<String>>,
    /// Saves fail while set (a full disk, Redis down for writes).
    fail_saves: AtomicBool,
}

struct MemoryLock {
    store: Arc<MemoryStore>,
    name: String,
}

#[async_trait]
impl crate::store::StoreLock for MemoryLock {
    async fn release(self: Box<Self>) -> Result<(), Error> {
        self.store.locked.lock().unwrap().remove(&self.name);
        Ok(())
    }
}

#[async_trait]
impl TokenStore for Arc<MemoryStore> {
    async fn load(&self, key: &StoreKey) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.entries.lock().unwrap().get(key.as_str()).cloned())
    }
    async fn save(&self, key: &StoreKey, entry: &[u8], _ttl: Duration) -> Result<(), Error> {
        if self.fail_saves.load(Ordering::SeqCst) {
            return Err(Error::store(true, "the disk is full", None));
        }
        self.entries
            .lock()
            .unwrap()
            .insert(key.as_str().to_string(), entry.to_vec());
        Ok(())
    }
    async fn remove(&self, key: &StoreKey) -> Result<(), Error> {
        self.entries.lock().unwrap().remove(key.as_str());
        Ok(())
    }
    async fn lock(
        &self,
        key: &StoreKey,
        wait: Duration,
    ) -> Result<Option<Box<dyn crate::store::StoreLock>>, Error> {
        let deadline = Instant::now() + wait;
        loop {
            if self.locked.lock().unwrap().insert(key.as_str().to_string()) {
                return Ok(Some(Box::new(MemoryLock {
                    store: Arc::clone(self),
                    name: key.as_str().to_string(),
                })));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

use crate::store::{StoreKey, TokenStore};

/// The scripted source under a sealed key, as every process of a fleet sees it.
struct Keyed(Arc<Scripted>, StoreKey);

#[async_trait]
impl TokenSource for Keyed {
    async fn request_token(&self, refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
        self.0.request_token(refresh).await
    }
    fn store_key(&self) -> Option<StoreKey> {
        Some(self.1.clone())
    }
}

/// A source whose store key is derived on a thread it records.
struct Deriving(Arc<Scripted>, std::sync::Mutex<Vec<std::thread::ThreadId>>);

#[async_trait]
impl TokenSource for Deriving {
    async fn request_token(&self, refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
        self.0.request_token(refresh).await
    }
    fn store_key(&self) -> Option<StoreKey> {
        self.1.lock().unwrap().push(std::thread::current().id());
        Some(fleet_key())
    }
}

#[test]
fn the_store_key_is_derived_off_a_current_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (scripted, _) = Scripted::new(Duration::from_secs(300));
    let source = Arc::new(Deriving(scripted, Default::default()));
    let cache = TokenCache::with_store(Arc::clone(&source), Arc::new(MemoryStore::default()));
    runtime.block_on(cache.get()).unwrap();
    let threads = source.1.lock().unwrap().clone();
    assert!(!threads.is_empty());
    assert!(
        threads.iter().all(|t| *t != std::thread::current().id()),
        "PBKDF2 never on the runtime's thread"
    );
}

/// A source of `me@example.com`'s tokens, shared through `fleet_key`.
struct Named(Arc<Scripted>);

#[async_trait]
impl TokenSource for Named {
    async fn request_token(&self, refresh: Option<&RefreshToken>) -> Result<TokenGrant, Error> {
        self.0.request_token(refresh).await
    }
    fn store_key(&self) -> Option<StoreKey> {
        Some(fleet_key())
    }
    fn account(&self) -> Option<String> {
        Some("me@example.com".into())
    }
}

/// A JWT-shaped token naming `username` (unsigned: only its claims are read).
fn jwt_of(username: &str) -> String {
    jwt(serde_json::json!({"preferred_username": username, "sub": "s"}))
}

/// A JWT-shaped token with these claims.
fn jwt(claims: serde_json::Value) -> String {
    use base64::Engine as _;
    let encode =
        |json: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string());
    let header = encode(serde_json::json!({"alg": "RS256", "typ": "JWT"}));
    format!("{header}.{}.signature", encode(claims))
}

/// Puts an entry under `fleet_key` holding `access_token`, written at
/// `issued_at` (wall-clock ms) for 300 s, without a refresh token.
fn plant(store: &MemoryStore, access_token: &str, issued_at: u64) {
    use crate::store::{Entry, StoredTokens};
    let tokens = StoredTokens {
        access_token: access_token.into(),
        issued_at,
        lifetime_ms: 300_000,
        refresh: None,
    };
    let entry = Entry::new(&fleet_key(), Some(tokens), None).encode(&fleet_key());
    store
        .entries
        .lock()
        .unwrap()
        .insert(fleet_key().as_str().to_string(), entry);
}

#[tokio::test(start_paused = true)]
async fn a_writer_whose_clock_runs_behind_does_not_make_the_fleet_renew_early() {
    let (source, _) = Scripted::new(Duration::from_secs(300));
    let store = Arc::new(MemoryStore::default());
    // Issued just now by the token server's clock; the writer's clock ran
    // 250 s behind, so by its time the token is 250 s old, past its renewal.
    let now_ms = crate::store::to_wall(Instant::now());
    let token = jwt(serde_json::json!({
        "preferred_username": "me@example.com", "iat": now_ms / 1000, "exp": now_ms / 1000 + 300,
    }));
    plant(&store, &token, now_ms - 250_000);
    let cache = TokenCache::with_store(Named(Arc::clone(&source)), Arc::clone(&store));
    assert_eq!(
        cache.get().await.unwrap().secret(),
        token,
        "adopted by the server's clock"
    );
    assert!(source.logins().is_empty() && source.refreshes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_stored_token_of_another_account_is_never_adopted() {
    let (source, _) = Scripted::new(Duration::from_secs(300));
    let store = Arc::new(MemoryStore::default());
    let now_ms = || crate::store::to_wall(Instant::now());
    plant(&store, &jwt_of("other@example.com"), now_ms());
    let cache = TokenCache::with_store(Named(Arc::clone(&source)), Arc::clone(&store));
    let token = cache.get().await.unwrap();
    assert_ne!(
        token.secret(),
        jwt_of("other@example.com"),
        "another account's token"
    );
    assert_eq!(source.logins().len(), 1, "logged in as itself");
    // Its own account's token, stored by a sibling, is adopted.
    plant(&store, &jwt_of("ME@example.com"), now_ms());
    let sibling = TokenCache::with_store(Named(Arc::clone(&source)), Arc::clone(&store));
    assert_eq!(sibling.get().await.unwrap().secret(), jwt_of("ME@example.com"));
    assert_eq!(source.logins().len(), 1);
}

fn fleet_key() -> StoreKey {
    static KEY: std::sync::OnceLock<StoreKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| StoreKey::sealed("https://auth.example/token", "up42-api", "me@example.com", "pw"))
        .clone()
}

/// `n` caches (the processes of a fleet) of one source through one store.
fn fleet(n: usize, lifetime: Duration) -> (Arc<Scripted>, Arc<MemoryStore>, Vec<TokenCache>) {
    let (source, _) = Scripted::new(lifetime);
    let store = Arc::new(MemoryStore::default());
    let caches = (0..n)
        .map(|_| TokenCache::with_store(Keyed(Arc::clone(&source), fleet_key()), Arc::clone(&store)))
        .collect();
    (source, store, caches)
}

#[tokio::test(start_paused = true)]
async fn a_fleet_with_a_changed_password_shares_one_backoff() {
    let (source, _store, caches) = fleet(8, Duration::from_secs(300));
    for cache in &caches {
        cache.get().await.unwrap();
    }
    assert_eq!(source.logins().len(), 1, "one login for the fleet");
    let start = Instant::now();
    source.password_ok.store(false, Ordering::SeqCst);
    source.refresh_ok.store(false, Ordering::SeqCst);
    // Eight workers polling every 100 ms, through the early window and beyond.
    let until = start + Duration::from_secs(240 + 600);
    let workers: Vec<_> = caches
        .into_iter()
        .map(|cache| tokio::spawn(async move { poll(&cache, Duration::from_millis(100), until).await }))
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let failures: Vec<Duration> = source.logins()[1..]
        .iter()
        .map(|at| at.duration_since(start))
        .collect();
    let first = failures[0];
    let within = |window: u64| {
        failures
            .iter()
            .filter(|at| **at < first + Duration::from_secs(window))
            .count()
    };
    println!(
        "8 workers, changed password: {} failed logins in the first minute, {} in ten",
        within(60),
        within(600)
    );
    // Before the store shared failures, the same fleet sent 32 in 20 s.
    assert!(within(60) <= 5, "failed logins in the first minute: {failures:?}");
    assert!(within(600) <= 10, "failed logins in ten minutes: {failures:?}");
    // The refused refresh token was dropped from the entry: sent once, fleet-wide.
    assert_eq!(source.refreshes(), ["refresh-0"]);
}

#[tokio::test(start_paused = true)]
async fn a_refused_refresh_token_is_not_sent_again_by_a_process_that_holds_it() {
    let (source, _store, caches) = fleet(2, Duration::from_secs(300));
    caches[0].get().await.unwrap();
    caches[1].get().await.unwrap(); // adopted: both hold refresh-0
    assert_eq!(source.logins().len(), 1);
    source.password_ok.store(false, Ordering::SeqCst);
    source.refresh_ok.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert!(
        caches[0].get().await.is_err(),
        "refresh-0 refused, then the password"
    );
    // Past the fleet's memory of the refusal, the other process renews on
    // its own: with the password, not with its copy of the refused token.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(caches[1].get().await.is_err());
    assert_eq!(source.refreshes(), ["refresh-0"]);
    assert_eq!(source.logins().len(), 3, "a login each after the refusal");
}

#[tokio::test(start_paused = true)]
async fn force_refresh_in_a_fresh_process_renews_rather_than_adopting() {
    let (source, _store, caches) = fleet(2, Duration::from_secs(300));
    let stored = caches[0].get().await.unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    // The second process has no token yet; the store has a fresh one.
    let forced = caches[1].force_refresh().await.unwrap();
    assert!(!forced.same_token(&stored), "renewed, not adopted");
    assert_eq!(source.refreshes(), ["refresh-0"]);
    // Forced in the first process too: renewed again, not adopted.
    caches[0].force_refresh().await.unwrap();
    assert_eq!(
        source.refreshes(),
        ["refresh-0", "refresh-1"],
        "forced again: renewed again"
    );
}

#[tokio::test(start_paused = true)]
async fn log_in_is_one_password_grant_whatever_is_stored_and_the_fleet_adopts_it() {
    let (source, _store, caches) = fleet(2, Duration::from_secs(300));
    let first = caches[0].get().await.unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let logged_in = caches[1].log_in().await.unwrap();
    assert!(!logged_in.same_token(&first));
    assert_eq!(source.logins().len(), 2, "a password grant, not the stored token");
    assert!(source.refreshes().is_empty(), "nor the stored refresh token");
    // A wrong password fails, even right after a refusal the fleet remembers.
    source.password_ok.store(false, Ordering::SeqCst);
    assert!(caches[1].log_in().await.is_err());
    assert_eq!(
        caches[1].log_in().await.unwrap_err().kind(),
        ErrorKind::InvalidCredentials
    );
    assert_eq!(source.logins().len(), 4, "each log_in asks");
}

#[tokio::test(start_paused = true)]
async fn a_reset_tries_again_while_the_fleet_remembers() {
    let (source, _store, caches) = fleet(2, Duration::from_secs(300));
    source.password_ok.store(false, Ordering::SeqCst);
    assert!(caches[0].get().await.is_err());
    // The other process does not try: the fleet remembers the refusal.
    let error = caches[1].get().await.map(|_| ()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidCredentials);
    assert_eq!(source.logins().len(), 1);
    // The user says the account is fixed: a reset tries at once, and its
    // success is what the fleet remembers next.
    source.password_ok.store(true, Ordering::SeqCst);
    caches[1].reset();
    let token = caches[1].get().await.unwrap();
    assert_eq!(source.logins().len(), 2);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(caches[0].get().await.unwrap().secret(), token.secret(), "adopted");
    assert_eq!(source.logins().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn after_a_failed_save_the_newer_refresh_token_is_sent() {
    let (source, store, caches) = fleet(1, Duration::from_secs(300));
    let cache = &caches[0];
    let first = cache.get().await.unwrap(); // stored: refresh-0
    store.fail_saves.store(true, Ordering::SeqCst);
    cache.invalidate(&first);
    let second = cache.get().await.unwrap(); // refresh-0 used; refresh-1 not saved
    store.fail_saves.store(false, Ordering::SeqCst);
    cache.invalidate(&second);
    cache.get().await.unwrap();
    assert_eq!(
        source.refreshes(),
        ["refresh-0", "refresh-1"],
        "never refresh-0 twice"
    );
}

#[tokio::test(start_paused = true)]
async fn entries_planted_skewed_or_of_other_credentials_are_not_served() {
    use crate::store::{Entry, StoredRefresh, StoredTokens};
    use secrecy::SecretString;
    let (source, store, caches) = fleet(1, Duration::from_secs(300));
    let key = fleet_key();
    let tokens = |issued_at: u64, lifetime_ms: u64| StoredTokens {
        access_token: SecretString::from("planted"),
        issued_at,
        lifetime_ms,
        refresh: Some(StoredRefresh {
            token: SecretString::from("planted-refresh"),
            issued_at,
            lifetime_ms: Some(1_800_000),
        }),
    };
    let now = crate::store::to_wall(Instant::now());
    let plain = StoreKey::plain("https://auth.example/token", "up42-api", "me@example.com");
    let other = StoreKey::sealed(
        "https://auth.example/token",
        "up42-api",
        "me@example.com",
        "other",
    );
    let planted = [
        // Plain JSON at a sealed key: what a writer without the password can make.
        Entry::new(&key, Some(tokens(now, 300_000)), None).encode(&plain),
        // Sealed with another password.
        Entry::new(&key, Some(tokens(now, 300_000)), None).encode(&other),
    ];
    for bytes in planted {
        store
            .entries
            .lock()
            .unwrap()
            .insert(key.as_str().to_string(), bytes);
        caches[0].reset();
        assert_ne!(caches[0].get().await.unwrap().secret(), "planted");
    }
    // Sealed right, but written by a clock 120 s ahead: its access token is
    // not used (it would be kept 120 s past its expiry); its refresh token is.
    let skewed = Entry::new(&key, Some(tokens(now + 120_000, 300_000)), None).encode(&key);
    store
        .entries
        .lock()
        .unwrap()
        .insert(key.as_str().to_string(), skewed);
    caches[0].reset();
    let token = caches[0].get().await.unwrap();
    assert_ne!(token.secret(), "planted");
    assert_eq!(
        source.refreshes().last().map(String::as_str),
        Some("planted-refresh")
    );
}

/// A store that never answers: a FIFO read, a Redis that accepts and hangs.
struct Hung;

#[async_trait]
impl TokenStore for Hung {
    async fn load(&self, _: &StoreKey) -> Result<Option<Vec<u8>>, Error> {
        std::future::pending().await
    }
    async fn save(&self, _: &StoreKey, _: &[u8], _: Duration) -> Result<(), Error> {
        std::future::pending().await
    }
    async fn remove(&self, _: &StoreKey) -> Result<(), Error> {
        std::future::pending().await
    }
    async fn lock(
        &self,
        _: &StoreKey,
        _: Duration,
    ) -> Result<Option<Box<dyn crate::store::StoreLock>>, Error> {
        std::future::pending().await
    }
}

#[tokio::test(start_paused = true)]
async fn a_hung_store_costs_its_time_limit_not_the_call() {
    let (source, _) = Scripted::new(Duration::from_secs(300));
    let cache = TokenCache::with_store(Keyed(Arc::clone(&source), fleet_key()), Hung);
    let started = Instant::now();
    cache.get().await.unwrap();
    assert_eq!(
        started.elapsed(),
        crate::store::STORE_TIMEOUT,
        "one read, given up"
    );
    assert_eq!(source.logins().len(), 1);
}
