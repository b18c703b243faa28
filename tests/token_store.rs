//! Tokens shared between processes, tested with processes: the tests spawn
//! this test binary as workers (the `worker` test, which does nothing unless
//! `UP42_WORKER` is set) against one sandbox, with a file store in a scratch
//! directory or a Redis server of their own on a free loopback port.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use up42_auth::{
    Authenticated, Credentials, Error, FileTokenStore, RedisTokenStore, StoreKey, TokenStore, Up42Client,
    up42_endpoint,
};
use up42_testkit::{ORDER_ID, PASSWORD, Sandbox, USERNAME};

#[up42_endpoint(GET, "/v2/orders/{order_id}")]
async fn get_order(client: &Up42Client, order_id: &str) -> Result<serde_json::Value, Error>;

/// What a worker did, printed on one line of its output.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Report {
    calls_ok: u64,
    errors: Vec<String>,
    /// Each token seen (a hash of it) and when it was first seen, wall-clock ms.
    tokens: Vec<(u64, u64)>,
    warnings: u64,
    /// Wall-clock milliseconds of each rate-limit permit (`rate` mode).
    permits: Vec<u64>,
}

const REPORT: &str = "UP42-WORKER-REPORT ";
const LOCKED: &str = "UP42-WORKER-LOCKED";

fn wall_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

fn env_u64(name: &str) -> u64 {
    env(name).parse().unwrap_or(0)
}

/// Counts the toolkit's warnings in a worker.
struct WarningCounter(Arc<AtomicU64>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for WarningCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if *event.metadata().level() == tracing::Level::WARN {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The store a worker is told to use: `file:DIR`, `redis:URL` or `none`.
fn store_from(spec: &str) -> Option<Arc<dyn TokenStore>> {
    match spec.split_once(':') {
        Some(("file", dir)) => Some(Arc::new(FileTokenStore::new(dir))),
        Some(("redis", url)) => Some(Arc::new(RedisTokenStore::connect(url).expect("a Redis URL"))),
        _ => None,
    }
}

/// Not a test on its own: the body of the worker processes the tests spawn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker() {
    let mode = env("UP42_WORKER");
    if mode.is_empty() {
        return;
    }
    use tracing_subscriber::layer::SubscriberExt;
    let warnings = Arc::new(AtomicU64::new(0));
    let subscriber = tracing_subscriber::registry().with(WarningCounter(Arc::clone(&warnings)));
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let token_url = env("UP42_WORKER_TOKEN_URL");
    let store_spec = env("UP42_WORKER_STORE");
    let mut report = Report::default();
    // Start together: spawning is slower than the race under test.
    let start_at = env_u64("UP42_WORKER_START_AT");
    if let Some(wait) = start_at.checked_sub(wall_ms()) {
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
    match mode.as_str() {
        "hold-lock" => {
            let store = store_from(&store_spec).expect("a store");
            let key = StoreKey::new(&token_url, up42_auth::CLIENT_ID, USERNAME);
            let _lock = store.lock(&key, Duration::from_secs(5)).await.expect("the lock");
            println!("{LOCKED}");
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        "rate" => {
            let redis = RedisTokenStore::connect(store_spec.strip_prefix("redis:").unwrap_or_default())
                .expect("Redis");
            let limit = redis.rate_limit(env_u64("UP42_WORKER_RATE") as u32, 1);
            let until = wall_ms() + env_u64("UP42_WORKER_DURATION_MS");
            while wall_ms() < until {
                limit.acquire().await;
                report.permits.push(wall_ms());
            }
        }
        _ => {
            let mut builder = Up42Client::builder()
                .credentials(Credentials::new(USERNAME, PASSWORD))
                .token_url(&token_url)
                .api_url(&env("UP42_WORKER_API_URL"));
            if let Some(store) = store_from(&store_spec) {
                builder = builder.token_store(store);
            }
            let client = builder.build().expect("a client");
            let mut seen = HashMap::new();
            let interval = Duration::from_millis(env_u64("UP42_WORKER_INTERVAL_MS"));
            for _ in 0..env_u64("UP42_WORKER_CALLS") {
                match client.access_token().await {
                    Ok(token) => {
                        let mut hasher = DefaultHasher::new();
                        token.secret().hash(&mut hasher);
                        seen.entry(hasher.finish()).or_insert_with(wall_ms);
                    }
                    Err(error) => report.errors.push(error.to_string()),
                }
                match get_order(&client, ORDER_ID).await {
                    Ok(_) => report.calls_ok += 1,
                    Err(error) => report.errors.push(error.to_string()),
                }
                tokio::time::sleep(interval).await;
            }
            report.tokens = seen.into_iter().collect();
        }
    }
    report.warnings = warnings.load(Ordering::Relaxed);
    println!("{REPORT}{}", serde_json::to_string(&report).unwrap());
}

/// How to run a batch of workers.
struct Job<'a> {
    sandbox: &'a Sandbox,
    store: String,
    mode: &'a str,
    calls: u64,
    interval_ms: u64,
}

impl Job<'_> {
    fn command(&self, start_at: u64) -> Command {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args(["--exact", "worker", "--nocapture", "--test-threads=1"])
            .env("UP42_WORKER", self.mode)
            .env("UP42_WORKER_STORE", &self.store)
            .env("UP42_WORKER_TOKEN_URL", self.sandbox.token_url())
            .env("UP42_WORKER_API_URL", self.sandbox.api_url())
            .env("UP42_WORKER_CALLS", self.calls.to_string())
            .env("UP42_WORKER_INTERVAL_MS", self.interval_ms.to_string())
            .env("UP42_WORKER_START_AT", start_at.to_string())
            .env("UP42_WORKER_RATE", "100")
            .env("UP42_WORKER_DURATION_MS", "5000")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// `n` workers started at the same moment; their reports.
    async fn run_together(&self, n: usize) -> Vec<Report> {
        let start_at = wall_ms() + 1_500;
        let children: Vec<_> = (0..n).map(|_| self.command(start_at).spawn().unwrap()).collect();
        let mut reports = Vec::new();
        for child in children {
            reports.push(report_of(child.wait_with_output().await.unwrap()));
        }
        reports
    }

    /// `n` workers, each started when the one before has finished.
    async fn run_one_after_another(&self, n: usize) -> Vec<Report> {
        let mut reports = Vec::new();
        for _ in 0..n {
            let child = self.command(0).spawn().unwrap();
            reports.push(report_of(child.wait_with_output().await.unwrap()));
        }
        reports
    }
}

fn report_of(output: std::process::Output) -> Report {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.split_once(REPORT).map(|(_, report)| report))
        .unwrap_or_else(|| panic!("a worker printed no report ({}): {stdout}", output.status));
    serde_json::from_str(line).unwrap()
}

fn assert_all_ok(reports: &[Report], calls: u64) {
    for report in reports {
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.calls_ok, calls);
    }
}

/// A Redis server of the test's own, on a free loopback port.
struct RedisServer {
    child: std::process::Child,
    url: String,
}

impl RedisServer {
    fn start() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect(
                "redis-server must be installed (`apt-get install -y redis-server`); .ci/run installs it",
            );
        for _ in 0..500 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return RedisServer {
                    child,
                    url: format!("redis://127.0.0.1:{port}"),
                };
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut child = child;
        let _ = child.kill();
        let _ = child.wait();
        panic!("redis-server did not start on port {port}");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The stores under test, each fresh.
enum Store {
    File(tempfile::TempDir),
    Redis(RedisServer),
}

impl Store {
    fn file() -> Store {
        Store::File(tempfile::tempdir().unwrap())
    }

    fn spec(&self) -> String {
        match self {
            Store::File(dir) => format!("file:{}", dir.path().join("up42").display()),
            Store::Redis(server) => format!("redis:{}", server.url),
        }
    }
}

fn job<'a>(sandbox: &'a Sandbox, store: &Store, calls: u64, interval_ms: u64) -> Job<'a> {
    Job {
        sandbox,
        store: store.spec(),
        mode: "calls",
        calls,
        interval_ms,
    }
}

async fn sequential_processes_log_in_once(store: Store) {
    let sandbox = Sandbox::start().await;
    let reports = job(&sandbox, &store, 1, 0).run_one_after_another(10).await;
    assert_all_ok(&reports, 1);
    assert_eq!(
        sandbox.counters().token_requests,
        1,
        "10 processes, one after another"
    );
}

async fn concurrent_processes_on_a_cold_store_log_in_once(store: Store) {
    let sandbox = Sandbox::start().await;
    let reports = job(&sandbox, &store, 50, 0).run_together(8).await;
    assert_all_ok(&reports, 50);
    let counters = sandbox.counters();
    assert_eq!(counters.token_requests, 1, "8 processes x 50 calls at once");
    assert_eq!(counters.api_calls, 400);
}

async fn rotating_refresh_tokens_renew_once_per_round(store: Store) {
    // Tokens of 3 s are renewed 0.6 s early: every 2.4 s of a run of 9 s or more.
    let sandbox = Sandbox::builder()
        .access_token_lifetime(Duration::from_secs(3))
        .rotate_refresh_tokens(true)
        .start()
        .await;
    let reports = job(&sandbox, &store, 180, 50).run_together(8).await;
    assert_all_ok(&reports, 180);
    let counters = sandbox.counters();
    assert_eq!(counters.password_grants, 1, "one login for the fleet");
    assert_eq!(counters.rejected_grants, 0, "no refresh token was sent twice");
    assert!(
        counters.refresh_grants >= 3,
        "through 3 renewals at least: {counters:?}"
    );
    // When each token was first seen by any process.
    let mut first_seen: HashMap<u64, u64> = HashMap::new();
    for (token, at) in reports.iter().flat_map(|r| r.tokens.iter()) {
        let seen = first_seen.entry(*token).or_insert(*at);
        *seen = (*seen).min(*at);
    }
    assert_eq!(
        first_seen.len() as u64,
        counters.token_requests,
        "every token issued was used"
    );
    let mut times: Vec<u64> = first_seen.into_values().collect();
    times.sort_unstable();
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] >= 2_000, "two renewals in one round: {times:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_sequential_processes_log_in_once() {
    sequential_processes_log_in_once(Store::file()).await;
    // The contrast: the same processes without a store log in each time.
    let sandbox = Sandbox::start().await;
    let plain = Job {
        sandbox: &sandbox,
        store: "none".into(),
        mode: "calls",
        calls: 1,
        interval_ms: 0,
    };
    plain.run_one_after_another(3).await;
    assert_eq!(sandbox.counters().token_requests, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_concurrent_processes_on_a_cold_store_log_in_once() {
    concurrent_processes_on_a_cold_store_log_in_once(Store::file()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_rotating_refresh_tokens_renew_once_per_round() {
    rotating_refresh_tokens_renew_once_per_round(Store::file()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_sequential_processes_log_in_once() {
    sequential_processes_log_in_once(Store::Redis(RedisServer::start())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_concurrent_processes_on_a_cold_store_log_in_once() {
    concurrent_processes_on_a_cold_store_log_in_once(Store::Redis(RedisServer::start())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_rotating_refresh_tokens_renew_once_per_round() {
    rotating_refresh_tokens_renew_once_per_round(Store::Redis(RedisServer::start())).await;
}

fn entry_path(dir: &Path, sandbox: &Sandbox) -> std::path::PathBuf {
    let key = StoreKey::new(&sandbox.token_url(), up42_auth::CLIENT_ID, USERNAME);
    dir.join(format!("{}.json", key.as_str()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_entries_are_private_hold_no_password_and_expire() {
    let store = Store::file();
    let Store::File(dir) = &store else { unreachable!() };
    let sandbox = Sandbox::start().await;
    let reports = job(&sandbox, &store, 1, 0).run_one_after_another(1).await;
    assert_all_ok(&reports, 1);
    let path = entry_path(&dir.path().join("up42"), &sandbox);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(PASSWORD) && !text.contains(USERNAME),
        "only tokens are stored"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let created = dir.path().join("up42");
        assert_eq!(
            std::fs::metadata(created).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }
    // The same entry, expired: never served.
    let mut entry: serde_json::Value = serde_json::from_str(&text).unwrap();
    let past = wall_ms() - 1_000;
    for field in ["expires_at", "renew_from", "stale_at"] {
        entry[field] = past.into();
    }
    std::fs::write(&path, entry.to_string()).unwrap();
    sandbox.reset_counters();
    let reports = job(&sandbox, &store, 1, 0).run_one_after_another(1).await;
    assert_all_ok(&reports, 1);
    assert_eq!(
        sandbox.counters().token_requests,
        1,
        "the expired entry was not used"
    );
    assert_eq!(sandbox.counters().password_grants, 0, "its refresh token was");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_faults_never_cost_a_call() {
    let sandbox = Sandbox::start().await;
    // A corrupt entry: ignored with a warning, then overwritten.
    let store = Store::file();
    let Store::File(dir) = &store else { unreachable!() };
    let path = entry_path(&dir.path().join("up42"), &sandbox);
    std::fs::create_dir(dir.path().join("up42")).unwrap();
    std::fs::write(&path, b"{\"v\":1,\"access_tok").unwrap();
    let reports = job(&sandbox, &store, 2, 0).run_one_after_another(1).await;
    assert_all_ok(&reports, 2);
    assert!(reports[0].warnings >= 1);
    let repaired: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(repaired["access_token"].is_string());

    // An unusable store (its directory is a file): memory only, with a warning.
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, b"").unwrap();
    sandbox.reset_counters();
    let unusable = Job {
        store: format!("file:{}", blocker.join("store").display()),
        ..job(&sandbox, &store, 2, 0)
    };
    let reports = unusable.run_one_after_another(1).await;
    assert_all_ok(&reports, 2);
    assert!(reports[0].warnings >= 1);
    assert_eq!(sandbox.counters().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_holder_that_dies_blocks_nobody() {
    let sandbox = Sandbox::start().await;
    let store = Store::file();
    let Store::File(dir) = &store else { unreachable!() };
    let holder_job = Job {
        mode: "hold-lock",
        ..job(&sandbox, &store, 0, 0)
    };
    let mut holder = holder_job.command(0).spawn().unwrap();
    let mut lines = BufReader::new(holder.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.contains(LOCKED) {
            break;
        }
    }
    // While the holder lives: the worker waits for the lock in vain, then
    // renews without it, with a warning; the call is not lost.
    let reports = job(&sandbox, &store, 1, 0).run_one_after_another(1).await;
    assert_all_ok(&reports, 1);
    assert_eq!(reports[0].warnings, 1, "one warning: the lock could not be had");

    // Killed while holding it: the OS releases the lock at once.
    holder.kill().await.unwrap();
    std::fs::remove_file(entry_path(&dir.path().join("up42"), &sandbox)).unwrap();
    let reports = job(&sandbox, &store, 1, 0).run_one_after_another(1).await;
    assert_all_ok(&reports, 1);
    assert_eq!(reports[0].warnings, 0, "the lock was free");
    assert_eq!(sandbox.counters().token_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_is_down_costs_no_call() {
    let sandbox = Sandbox::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = Job {
        sandbox: &sandbox,
        store: format!("redis:redis://127.0.0.1:{port}"),
        mode: "calls",
        calls: 3,
        interval_ms: 0,
    };
    let reports = down.run_one_after_another(1).await;
    assert_all_ok(&reports, 3);
    assert!(reports[0].warnings >= 1);
    assert_eq!(sandbox.counters().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_rate_limit_holds_across_processes() {
    let redis = RedisServer::start();
    let sandbox = Sandbox::start().await;
    let rate = Job {
        sandbox: &sandbox,
        store: format!("redis:{}", redis.url),
        mode: "rate",
        calls: 0,
        interval_ms: 0,
    };
    let reports = rate.run_together(4).await;
    let mut permits: Vec<u64> = reports.iter().flat_map(|r| r.permits.iter().copied()).collect();
    permits.sort_unstable();
    assert!(
        reports.iter().all(|r| !r.permits.is_empty()),
        "every process got permits"
    );
    // Every 1 s window inside the 5 s run, in steps of 100 ms.
    let (first, last) = (permits[0], permits[permits.len() - 1]);
    let mut counts = Vec::new();
    let mut start = first;
    while start + 1_000 <= last {
        counts.push(
            permits
                .iter()
                .filter(|p| (start..start + 1_000).contains(*p))
                .count(),
        );
        start += 100;
    }
    let (low, high) = (*counts.iter().min().unwrap(), *counts.iter().max().unwrap());
    println!(
        "4 processes at a shared 100/s: {} permits, 1 s windows {low}..{high}",
        permits.len()
    );
    assert!(counts.len() >= 30, "{} windows", counts.len());
    assert!(
        (90..=110).contains(&low) && (90..=110).contains(&high),
        "windows {low}..{high}"
    );
}
