//! Tokens shared between processes, tested with processes: the tests spawn
//! this test binary as workers (the `worker` test, which does nothing unless
//! `UP42_WORKER` is set) against one sandbox, with a file store in a scratch
//! directory or a Redis server of their own on a free loopback port.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use up42_auth::store::StoreKey;
use up42_testkit::{PASSWORD, Sandbox, USERNAME};

#[path = "support/processes.rs"]
mod processes;

use processes::{Job, LOCKED, RedisServer, Report, Store, job, wall_ms};

/// Not a test on its own: the body of the worker processes the tests spawn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker() {
    processes::run_worker().await;
}

fn assert_all_ok(reports: &[Report], calls: u64) {
    for report in reports {
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.calls_ok, calls);
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
    // Every token issued was used, but perhaps the last: a process's final
    // call may start an early renewal that nobody calls for before exiting.
    let unused = counters.token_requests - first_seen.len() as u64;
    assert!(unused <= 1, "{unused} tokens issued and never used: {counters:?}");
    let mut times: Vec<u64> = first_seen.into_values().collect();
    times.sort_unstable();
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] >= 2_000, "two renewals in one round: {times:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_sequential_processes_log_in_once() {
    let _serial = processes::serial().await;
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
    let _serial = processes::serial().await;
    concurrent_processes_on_a_cold_store_log_in_once(Store::file()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_rotating_refresh_tokens_renew_once_per_round() {
    let _serial = processes::serial().await;
    rotating_refresh_tokens_renew_once_per_round(Store::file()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_sequential_processes_log_in_once() {
    let _serial = processes::serial().await;
    sequential_processes_log_in_once(Store::Redis(RedisServer::start())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_concurrent_processes_on_a_cold_store_log_in_once() {
    let _serial = processes::serial().await;
    concurrent_processes_on_a_cold_store_log_in_once(Store::Redis(RedisServer::start())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_rotating_refresh_tokens_renew_once_per_round() {
    let _serial = processes::serial().await;
    rotating_refresh_tokens_renew_once_per_round(Store::Redis(RedisServer::start())).await;
}

fn entry_path(dir: &Path, sandbox: &Sandbox) -> std::path::PathBuf {
    let key = StoreKey::new(&sandbox.token_url(), up42_auth::defaults::CLIENT_ID, USERNAME);
    dir.join(format!("{}.json", key.as_str()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_entries_are_private_hold_no_password_and_expire() {
    let _serial = processes::serial().await;
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
    let _serial = processes::serial().await;
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
    let _serial = processes::serial().await;
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
    let _serial = processes::serial().await;
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
    let _serial = processes::serial().await;
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
    assert!(
        reports.iter().all(|r| !r.permits.is_empty()),
        "every process got permits"
    );
    let (permits, counts) = processes::permit_windows(&reports);
    let (low, high) = (*counts.iter().min().unwrap(), *counts.iter().max().unwrap());
    println!(
        "4 processes at a shared 100/s: {} permits, 1 s windows {low}..{high}",
        permits
    );
    assert!(counts.len() >= 30, "{} windows", counts.len());
    assert!(
        (90..=110).contains(&low) && (90..=110).contains(&high),
        "windows {low}..{high}"
    );
}

#[tokio::test]
async fn a_bad_redis_url_is_a_config_error_that_hides_the_password() {
    for url in ["not a url", "http://user:s3cret@127.0.0.1:6379"] {
        let error = up42_auth::store::RedisTokenStore::connect(url).unwrap_err();
        assert_eq!(error.kind(), up42_auth::ErrorKind::Config, "{url}");
        assert!(error.to_string().contains("is not a Redis URL"), "{error}");
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }
}
