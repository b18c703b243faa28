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
#[path = "support/switch.rs"]
mod switch;

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
        password: "",
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

fn store_key(sandbox: &Sandbox) -> StoreKey {
    StoreKey::sealed(
        &sandbox.token_url(),
        up42_auth::defaults::CLIENT_ID,
        USERNAME,
        PASSWORD,
    )
}

fn entry_path(dir: &Path, sandbox: &Sandbox) -> std::path::PathBuf {
    dir.join(format!("{}.json", store_key(sandbox).as_str()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_entries_are_private_sealed_and_expire() {
    let _serial = processes::serial().await;
    let store = Store::file();
    let Store::File(dir) = &store else { unreachable!() };
    let sandbox = Sandbox::builder()
        .access_token_lifetime(Duration::from_secs(2))
        .start()
        .await;
    let reports = job(&sandbox, &store, 1, 0).run_one_after_another(1).await;
    assert_all_ok(&reports, 1);
    let path = entry_path(&dir.path().join("up42"), &sandbox);
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    // Sealed: no token (a JWT starts `eyJ`), no password, no username.
    for secret in ["eyJ", PASSWORD, USERNAME, "access_token"] {
        assert!(!text.contains(secret), "the entry shows `{secret}`");
    }
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
    // Once the access token has expired, the entry's token is not served:
    // its refresh token is used.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    sandbox.reset_counters();
    let reports = job(&sandbox, &store, 1, 0).run_one_after_another(1).await;
    assert_all_ok(&reports, 1);
    let counters = sandbox.counters();
    assert_eq!(counters.unauthorized, 0, "no expired token was sent");
    assert_eq!((counters.refresh_grants, counters.password_grants), (1, 0));
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
    let repaired = std::fs::read(&path).unwrap();
    assert!(
        repaired.starts_with(b"up42-sealed-2\n"),
        "overwritten by a sealed entry"
    );

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
    for store in [Store::file(), Store::Redis(RedisServer::start())] {
        let sandbox = Sandbox::start().await;
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
        // A worker waits for the lock as long as a renewal may take; the
        // holder is killed mid-renewal: the lock is free at once (a file lock)
        // or within its lease (Redis), and the worker renews under it.
        let worker = job(&sandbox, &store, 1, 0).command(0).spawn().unwrap();
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        holder.kill().await.unwrap();
        let report = processes::report_of(worker.wait_with_output().await.unwrap());
        assert_all_ok(std::slice::from_ref(&report), 1);
        assert_eq!(
            report.warnings,
            0,
            "{}: the lock was had, no call lost",
            store.name()
        );
        assert_eq!(sandbox.counters().token_requests, 1, "{}", store.name());
    }
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
        password: "",
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
        password: "",
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
    // A cluster: no node at all, or a node that is no Redis URL.
    use up42_auth::store::RedisTokenStore;
    let none = RedisTokenStore::connect_cluster(&[]).unwrap_err();
    assert_eq!(none.kind(), up42_auth::ErrorKind::Config);
    assert!(none.to_string().contains("one node at least"), "{none}");
    let bad = ["redis://127.0.0.1:1", "http://user:s3cret@127.0.0.1:6379"];
    let error = RedisTokenStore::connect_cluster(&bad).unwrap_err();
    assert_eq!(error.kind(), up42_auth::ErrorKind::Config, "{error}");
    assert!(
        error.to_string().contains("are not Redis Cluster URLs"),
        "{error}"
    );
    assert!(!error.to_string().contains("s3cret"), "{error}");
}

/// Workers whose password was changed, polling every 100 ms for 10 s.
async fn a_changed_password_costs_the_fleet_a_handful_of_logins(store: Store) {
    let sandbox = Sandbox::start().await;
    let changed = Job {
        password: "the old password",
        ..job(&sandbox, &store, 100, 100)
    };
    let reports = changed.run_together(8).await;
    assert!(reports.iter().all(|r| r.calls_ok == 0 && !r.errors.is_empty()));
    let counters = sandbox.counters();
    println!(
        "{}: 8 processes with a changed password, 10 s: {} failed logins",
        store.name(),
        counters.rejected_grants
    );
    // Each process on its own sent 3 or 4 (0 s, 2 s, 6 s, 14 s): 32 in all.
    assert!(counters.rejected_grants <= 4, "{}: {counters:?}", store.name());
    assert_eq!(counters.rejected_grants, counters.token_requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_a_changed_password_costs_the_fleet_a_handful_of_logins() {
    let _serial = processes::serial().await;
    a_changed_password_costs_the_fleet_a_handful_of_logins(Store::file()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_a_changed_password_costs_the_fleet_a_handful_of_logins() {
    let _serial = processes::serial().await;
    a_changed_password_costs_the_fleet_a_handful_of_logins(Store::Redis(RedisServer::start())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_entries_cannot_be_read_or_planted() {
    use up42_auth::store::{RedisTokenStore, TokenStore};
    let _serial = processes::serial().await;
    let redis = RedisServer::start();
    let store = Store::Redis(redis);
    let Store::Redis(server) = &store else {
        unreachable!()
    };
    let sandbox = Sandbox::start().await;
    let reports = job(&sandbox, &store, 1, 0).run_one_after_another(1).await;
    assert_all_ok(&reports, 1);
    // Any client of the Redis reads the entry: it shows no token.
    let reader = RedisTokenStore::connect(&server.url).unwrap();
    let key = store_key(&sandbox);
    let bytes = reader.load(&key).await.unwrap().expect("an entry");
    assert!(!String::from_utf8_lossy(&bytes).contains("eyJ"), "sealed");

    // A writer without the password plants tokens valid for ten years.
    let planted = serde_json::json!({
        "v": 2, "key": key.as_str(), "failure": null,
        "tokens": {
            "access_token": "attacker-token", "issued_at": wall_ms(), "lifetime_ms": 315_360_000_000u64,
            "refresh": null,
        },
    });
    let planted = planted.to_string();
    reader
        .save(&key, planted.as_bytes(), Duration::from_secs(600))
        .await
        .unwrap();
    sandbox.reset_counters();
    let reports = job(&sandbox, &store, 1, 0).run_one_after_another(1).await;
    assert_all_ok(&reports, 1);
    assert!(reports[0].warnings >= 1, "the planted entry was noticed");
    let counters = sandbox.counters();
    assert_eq!(counters.unauthorized, 0, "the planted token was never sent");
    assert_eq!(counters.password_grants, 1, "the worker logged in itself");
}

/// A token endpoint that takes `delay`.
async fn a_slow_token_endpoint_costs_one_login(store: Store, delay: Duration) {
    let sandbox = Sandbox::start().await;
    sandbox.set_delay(up42_testkit::Route::Token, delay);
    let reports = job(&sandbox, &store, 2, 0).run_together(8).await;
    assert_all_ok(&reports, 2);
    let warnings: u64 = reports.iter().map(|r| r.warnings).sum();
    assert_eq!(
        warnings,
        0,
        "{}: every process had the lock or its token",
        store.name()
    );
    // Before, 8 processes logged in 8 times: each gave up on the lock after 5 s.
    assert_eq!(sandbox.counters().token_requests, 1, "{}", store.name());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_a_slow_token_endpoint_costs_one_login() {
    let _serial = processes::serial().await;
    // Longer than the lock wait used to be (5 s).
    a_slow_token_endpoint_costs_one_login(Store::file(), Duration::from_secs(7)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_a_slow_token_endpoint_costs_one_login() {
    let _serial = processes::serial().await;
    // Longer than the lock's 10 s lease too: the holder extends it while it waits.
    let redis = Store::Redis(RedisServer::start());
    a_slow_token_endpoint_costs_one_login(redis, Duration::from_secs(12)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cluster_concurrent_processes_on_a_cold_store_log_in_once() {
    let _serial = processes::serial().await;
    let cluster = processes::RedisCluster::start();
    concurrent_processes_on_a_cold_store_log_in_once(Store::RedisCluster(cluster)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cluster_a_primary_killed_mid_renewal_loses_no_call() {
    let _serial = processes::serial().await;
    let mut cluster = processes::RedisCluster::start();
    let sandbox = Sandbox::start().await;
    // The renewal takes 3 s; the primary of the entry's and lock's slot dies 1.5 s in.
    sandbox.set_delay(up42_testkit::Route::Token, Duration::from_secs(3));
    let workers = Job {
        sandbox: &sandbox,
        store: cluster.spec(),
        mode: "calls",
        calls: 2,
        interval_ms: 0,
        password: "",
    };
    let start_at = wall_ms() + 1_500;
    let children: Vec<_> = (0..4)
        .map(|_| workers.command(start_at).spawn().unwrap())
        .collect();
    tokio::time::sleep(Duration::from_millis(start_at + 1_500 - wall_ms())).await;
    let lock = format!("up42:lock:{{{}}}", store_key(&sandbox).as_str());
    let killed = tokio::task::spawn_blocking(move || {
        let port = cluster.kill_primary_of(&lock);
        (cluster, port)
    });
    let mut reports = Vec::new();
    for child in children {
        reports.push(processes::report_of(child.wait_with_output().await.unwrap()));
    }
    let (_cluster, port) = killed.await.unwrap();
    assert_all_ok(&reports, 2);
    let counters = sandbox.counters();
    println!(
        "Redis Cluster, primary :{port} killed mid-renewal: {} token requests for 4 processes",
        counters.token_requests
    );
    assert!(
        counters.token_requests <= 2,
        "at most one extra login: {counters:?}"
    );
    assert_eq!(counters.rejected_grants, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_redis_lock_without_a_time_limit_is_not_waited_for() {
    let _serial = processes::serial().await;
    let redis = RedisServer::start();
    let sandbox = Sandbox::start().await;
    // Anyone who can write the Redis plants the renewal lock, with no TTL.
    let lock = format!("up42:lock:{{{}}}", store_key(&sandbox).as_str());
    let planted = std::process::Command::new("redis-cli")
        .args(["-p", &redis.port.to_string(), "SET", &lock, "planted"])
        .output()
        .unwrap();
    assert!(planted.status.success(), "{planted:?}");
    let store = Store::Redis(redis);
    let reports = tokio::time::timeout(
        Duration::from_secs(30),
        job(&sandbox, &store, 1, 0).run_one_after_another(1),
    )
    .await
    .expect("not the 75 s of a live holder's wait");
    assert_all_ok(&reports, 1);
    assert!(reports[0].warnings >= 1, "the planted lock was noticed");
    assert_eq!(sandbox.counters().token_requests, 1);
}

/// The Redis run of `support/switch.rs`; the file store's is in `it/auth.rs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_switching_accounts_mid_renewal_plants_nothing_under_the_first_account() {
    let _serial = processes::serial().await;
    let redis = RedisServer::start();
    let store = up42_auth::store::RedisTokenStore::connect(&redis.url).unwrap();
    switch::switch_accounts_mid_renewal(store).await;
}
