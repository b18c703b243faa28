//! Worker processes for the token store's tests and benchmarks: a parent
//! starts a sandbox (and a Redis server of its own), then spawns its own
//! executable as workers, which call the sandbox through a store and report
//! on one line of their output. Included by `tests/token_store.rs` and
//! `benches/processes.rs`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::process::Command;
use up42_auth::{
    Authenticated, Credentials, Error, Up42Client,
    store::{FileTokenStore, RedisTokenStore, StoreKey, TokenStore},
    up42_endpoint,
};
use up42_testkit::{ORDER_ID, PASSWORD, Sandbox, USERNAME};

/// The arguments that make the executable run as a worker: the test
/// harness's filter for the `worker` test by default; a benchmark sets none.
static WORKER_ARGS: OnceLock<&'static [&'static str]> = OnceLock::new();

/// One batch of workers at a time: they measure rates and renewal rounds,
/// which other batches on the same cores would disturb.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Waits until no other batch of workers runs; hold the guard while yours does.
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    SERIAL.lock().await
}

/// Sets the arguments a worker is started with (before the first spawn).
pub fn set_worker_args(args: &'static [&'static str]) {
    let _ = WORKER_ARGS.set(args);
}

#[up42_endpoint(GET, "/v2/orders/{order_id}")]
pub async fn get_order(client: &Up42Client, order_id: &str) -> Result<serde_json::Value, Error>;

/// What a worker did, printed on one line of its output.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Report {
    pub calls_ok: u64,
    pub errors: Vec<String>,
    /// Each token seen (a hash of it) and when it was first seen, wall-clock ms.
    pub tokens: Vec<(u64, u64)>,
    pub warnings: u64,
    /// Wall-clock milliseconds of each rate-limit permit (`rate` mode).
    pub permits: Vec<u64>,
}

pub const REPORT: &str = "UP42-WORKER-REPORT ";
pub const LOCKED: &str = "UP42-WORKER-LOCKED";

pub fn wall_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

pub fn env_u64(name: &str) -> u64 {
    env(name).parse().unwrap_or(0)
}

/// Counts the toolkit's warnings in a worker.
pub struct WarningCounter(Arc<AtomicU64>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for WarningCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if *event.metadata().level() == tracing::Level::WARN {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The store a worker is told to use: `file:DIR`, `redis:URL`,
/// `redis-cluster:URL,URL,...` or `none`.
pub fn store_from(spec: &str) -> Option<Arc<dyn TokenStore>> {
    match spec.split_once(':') {
        Some(("file", dir)) => Some(Arc::new(FileTokenStore::new(dir))),
        Some(("redis", url)) => Some(Arc::new(RedisTokenStore::connect(url).expect("a Redis URL"))),
        Some(("redis-cluster", urls)) => {
            let urls: Vec<&str> = urls.split(',').collect();
            Some(Arc::new(
                RedisTokenStore::connect_cluster(&urls).expect("Redis URLs"),
            ))
        }
        _ => None,
    }
}

/// Runs this process as a worker if `UP42_WORKER` says so; returns whether it did.
pub async fn run_worker() -> bool {
    let mode = env("UP42_WORKER");
    if mode.is_empty() {
        return false;
    }
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    let warnings = Arc::new(AtomicU64::new(0));
    // `UP42_WORKER_LOG=1 cargo test ...`: the workers' warnings on stderr too.
    let log = (env("UP42_WORKER_LOG") == "1").then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(tracing_subscriber::filter::LevelFilter::WARN)
    });
    let subscriber = tracing_subscriber::registry()
        .with(WarningCounter(Arc::clone(&warnings)))
        .with(log);
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
            let key = StoreKey::sealed(&token_url, up42_auth::defaults::CLIENT_ID, USERNAME, PASSWORD);
            let _lock = store.lock(&key, Duration::from_secs(5)).await.expect("the store");
            assert!(_lock.is_some(), "the lock was free");
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
            let password = match env("UP42_WORKER_PASSWORD") {
                given if given.is_empty() => PASSWORD.to_string(),
                given => given,
            };
            let mut builder = Up42Client::builder()
                .credentials(Credentials::new(USERNAME, password))
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
            // A renewal the last call started ends (and is saved) before the exit.
            client.token_cache().settle().await;
            report.tokens = seen.into_iter().collect();
        }
    }
    report.warnings = warnings.load(Ordering::Relaxed);
    println!("{REPORT}{}", serde_json::to_string(&report).unwrap());
    true
}

/// How to run a batch of workers.
pub struct Job<'a> {
    pub sandbox: &'a Sandbox,
    pub store: String,
    pub mode: &'a str,
    pub calls: u64,
    pub interval_ms: u64,
    /// The password the workers log in with; empty: the sandbox's.
    pub password: &'a str,
}

impl Job<'_> {
    pub fn command(&self, start_at: u64) -> Command {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args(*WORKER_ARGS.get_or_init(|| &["--exact", "worker", "--nocapture", "--test-threads=1"]))
            .env("UP42_WORKER", self.mode)
            .env("UP42_WORKER_STORE", &self.store)
            .env("UP42_WORKER_TOKEN_URL", self.sandbox.token_url())
            .env("UP42_WORKER_API_URL", self.sandbox.api_url())
            .env("UP42_WORKER_CALLS", self.calls.to_string())
            .env("UP42_WORKER_INTERVAL_MS", self.interval_ms.to_string())
            .env("UP42_WORKER_START_AT", start_at.to_string())
            .env("UP42_WORKER_RATE", "100")
            .env("UP42_WORKER_DURATION_MS", "5000")
            .env("UP42_WORKER_PASSWORD", self.password)
            .stdout(Stdio::piped())
            .stderr(match env("UP42_WORKER_LOG") == "1" {
                true => Stdio::inherit(),
                false => Stdio::null(),
            })
            .kill_on_drop(true);
        command
    }

    /// `n` workers started at the same moment; their reports.
    pub async fn run_together(&self, n: usize) -> Vec<Report> {
        let start_at = wall_ms() + 1_500;
        let children: Vec<_> = (0..n).map(|_| self.command(start_at).spawn().unwrap()).collect();
        let mut reports = Vec::new();
        for child in children {
            reports.push(report_of(child.wait_with_output().await.unwrap()));
        }
        reports
    }

    /// `n` workers, each started when the one before has finished.
    pub async fn run_one_after_another(&self, n: usize) -> Vec<Report> {
        let mut reports = Vec::new();
        for _ in 0..n {
            let child = self.command(0).spawn().unwrap();
            reports.push(report_of(child.wait_with_output().await.unwrap()));
        }
        reports
    }
}

pub fn report_of(output: std::process::Output) -> Report {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.split_once(REPORT).map(|(_, report)| report))
        .unwrap_or_else(|| panic!("a worker printed no report ({}): {stdout}", output.status));
    serde_json::from_str(line).unwrap()
}

/// A Redis server of the test's own, on a free loopback port.
pub struct RedisServer {
    pub child: std::process::Child,
    pub url: String,
    pub port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl RedisServer {
    pub fn start() -> RedisServer {
        RedisServer::start_with(&[])
    }

    /// A server with `extra` arguments (cluster mode, say).
    pub fn start_with(extra: &[&str]) -> RedisServer {
        let port = free_port();
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
            .args(extra)
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
                    port,
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

/// What `redis-cli -p PORT ARGS` prints.
pub fn redis_cli(port: u16, args: &[&str]) -> String {
    let output = std::process::Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli comes with redis-server");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A Redis Cluster of the test's own: 3 primaries, each with a replica that
/// takes over within about 2 s of its primary's death.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
    /// Where the nodes keep their cluster state.
    _dir: tempfile::TempDir,
}

impl RedisCluster {
    pub fn start() -> RedisCluster {
        let dir = tempfile::tempdir().unwrap();
        let nodes: Vec<RedisServer> = (0..6)
            .map(|n| {
                let (config, dump) = (format!("nodes-{n}.conf"), format!("dump-{n}.rdb"));
                RedisServer::start_with(&[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    &config,
                    "--cluster-node-timeout",
                    "1000",
                    // A replica takes over however fresh its copy is.
                    "--cluster-replica-validity-factor",
                    "0",
                    "--dbfilename",
                    &dump,
                    "--dir",
                    dir.path().to_str().unwrap(),
                ])
            })
            .collect();
        let addresses: Vec<String> = nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)).collect();
        let created = std::process::Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(created.success(), "redis-cli --cluster create");
        let cluster = RedisCluster { nodes, _dir: dir };
        cluster.wait_until_ok();
        cluster
    }

    /// Waits until every node says the cluster is whole and every replica
    /// has its primary's data (a replica that never synced takes nothing over).
    pub fn wait_until_ok(&self) {
        for _ in 0..1500 {
            let ok = self.nodes.iter().all(|n| {
                let replication = redis_cli(n.port, &["info", "replication"]);
                redis_cli(n.port, &["cluster", "info"]).contains("cluster_state:ok")
                    && (!replication.contains("role:slave") || replication.contains("master_link_status:up"))
            });
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the Redis Cluster did not come up");
    }

    /// The worker's store spec.
    pub fn spec(&self) -> String {
        let urls: Vec<&str> = self.nodes.iter().map(|n| n.url.as_str()).collect();
        format!("redis-cluster:{}", urls.join(","))
    }

    /// Kills the primary that owns `key`'s slot; returns its port.
    pub fn kill_primary_of(&mut self, key: &str) -> u16 {
        let any = self.nodes[0].port;
        let slot: u32 = redis_cli(any, &["cluster", "keyslot", key])
            .trim()
            .parse()
            .unwrap();
        let owner = redis_cli(any, &["cluster", "nodes"])
            .lines()
            .filter(|line| line.contains("master"))
            .find_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let port: u16 = fields[1].split(['@', ':']).nth(1)?.parse().ok()?;
                let owns = fields[8..].iter().any(|range| {
                    let (low, high) = range.split_once('-').unwrap_or((range, range));
                    let (low, high): (u32, u32) =
                        (low.parse().ok().unwrap_or(1), high.parse().ok().unwrap_or(0));
                    (low..=high).contains(&slot)
                });
                owns.then_some(port)
            })
            .expect("a primary owns every slot");
        let node = self.nodes.iter_mut().find(|n| n.port == owner).unwrap();
        node.child.kill().unwrap();
        node.child.wait().unwrap();
        owner
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The stores under test, each fresh.
pub enum Store {
    /// No store: memory only.
    None,
    File(tempfile::TempDir),
    Redis(RedisServer),
    RedisCluster(RedisCluster),
}

impl Store {
    pub fn file() -> Store {
        Store::File(tempfile::tempdir().unwrap())
    }

    /// What the store is, for tables.
    pub fn name(&self) -> &'static str {
        match self {
            Store::None => "none",
            Store::File(_) => "file",
            Store::Redis(_) => "Redis",
            Store::RedisCluster(_) => "Redis Cluster",
        }
    }

    pub fn spec(&self) -> String {
        match self {
            Store::None => "none".to_string(),
            Store::File(dir) => format!("file:{}", dir.path().join("up42").display()),
            Store::Redis(server) => format!("redis:{}", server.url),
            Store::RedisCluster(cluster) => cluster.spec(),
        }
    }
}

pub fn job<'a>(sandbox: &'a Sandbox, store: &Store, calls: u64, interval_ms: u64) -> Job<'a> {
    Job {
        sandbox,
        store: store.spec(),
        mode: "calls",
        calls,
        interval_ms,
        password: "",
    }
}

/// The permits of every worker, and how many fell in each 1 s window from
/// the first to the last, in steps of 100 ms.
pub fn permit_windows(reports: &[Report]) -> (usize, Vec<usize>) {
    let mut permits: Vec<u64> = reports.iter().flat_map(|r| r.permits.iter().copied()).collect();
    permits.sort_unstable();
    let (Some(&first), Some(&last)) = (permits.first(), permits.last()) else {
        return (0, Vec::new());
    };
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
    (permits.len(), counts)
}
