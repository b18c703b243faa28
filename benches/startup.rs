//! What a new process pays before its first request: building an
//! `Up42Client`, and building one plus its first token from the sandbox.
//!
//! `cargo bench --bench startup`
//!
//! Each figure is the median of many rounds, each round in a fresh state
//! where that matters: the first build of a process is timed in a process of
//! its own (this benchmark runs itself again with `--first-build`), since a
//! process builds its TLS configuration at most once.

use std::time::{Duration, Instant};

use up42_auth::{Authenticated, Credentials, Up42Client};
use up42_testkit::{PASSWORD, Sandbox, USERNAME};

mod common;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// A client for `sandbox`'s demo user, built.
fn build(sandbox: &Sandbox) -> Up42Client {
    Up42Client::builder()
        .credentials(Credentials::new(USERNAME, PASSWORD))
        .token_url(&sandbox.token_url())
        .api_url(&sandbox.api_url())
        .build()
        .expect("client")
}

/// A client for UP42 itself (https), built; nothing is sent.
fn build_https() -> Up42Client {
    Up42Client::builder()
        .credentials(Credentials::new(USERNAME, PASSWORD))
        .build()
        .expect("client")
}

/// The first build of this process, in microseconds, on stdout.
fn first_build(https: bool) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = runtime.block_on(Sandbox::start());
    let started = Instant::now();
    let client = match https {
        true => build_https(),
        false => build(&sandbox),
    };
    let took = started.elapsed();
    drop(client);
    println!("{}", took.as_micros());
}

/// The first build of a new process, `rounds` times.
fn first_builds(rounds: usize, https: bool) -> Duration {
    let me = std::env::current_exe().expect("this benchmark's path");
    let times = (0..rounds)
        .map(|_| {
            let mut command = std::process::Command::new(&me);
            command.args(["--bench", "--first-build"]);
            if https {
                command.arg("--https");
            }
            let out = command.output().expect("the benchmark runs itself");
            let micros: u64 = String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .expect("microseconds");
            Duration::from_micros(micros)
        })
        .collect();
    median(times)
}

/// CPU time (user + system) of the children this process waited for so far.
fn children_cpu() -> Duration {
    // SAFETY: `getrusage` fills the struct it is given and keeps no pointer.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let time =
        |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// `up42 ARGS` (the release binary) `rounds` times: median wall time and
/// mean CPU time per run.
fn cli_runs(
    cli: &std::path::Path,
    sandbox: &Sandbox,
    home: &std::path::Path,
    args: &[&str],
    rounds: u32,
) -> (Duration, Duration) {
    let cpu_before = children_cpu();
    let mut walls = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let status = std::process::Command::new(cli)
            .args([
                "--token-url",
                &sandbox.token_url(),
                "--api-url",
                &sandbox.api_url(),
            ])
            .args(args)
            .env("HOME", home)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("UP42_USERNAME", USERNAME)
            .env("UP42_PASSWORD", PASSWORD)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("up42 runs");
        walls.push(started.elapsed());
        assert!(status.success(), "up42 {args:?} failed");
    }
    (median(walls), (children_cpu() - cpu_before) / rounds)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--first-build") {
        return first_build(args.iter().any(|a| a == "--https"));
    }
    common::run_bench(async {
        let sandbox = Sandbox::start().await;
        println!("startup: medians");
        println!(
            "  first client build of a process, sandbox (http): {:?}",
            first_builds(30, false)
        );
        println!(
            "  first client build of a process, UP42 (https):   {:?}",
            first_builds(30, true)
        );
        let times = (0..200)
            .map(|_| {
                let started = Instant::now();
                drop(build(&sandbox));
                started.elapsed()
            })
            .collect();
        println!(
            "  later client builds, sandbox (http):             {:?}",
            median(times)
        );
        let times = (0..200)
            .map(|_| {
                let started = Instant::now();
                drop(build_https());
                started.elapsed()
            })
            .collect();
        println!(
            "  later client builds, UP42 (https):               {:?}",
            median(times)
        );
        let mut times = Vec::new();
        for _ in 0..200 {
            let started = Instant::now();
            let client = build(&sandbox);
            client.access_token().await.expect("token");
            times.push(started.elapsed());
        }
        println!(
            "  build + first token from the sandbox:            {:?}",
            median(times)
        );

        // The command-line tool, release build, as a shell loop runs it.
        let cli = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/up42");
        if !cli.exists() {
            println!("  (build `cargo build --release -p up42-cli` to time the `up42` command too)");
            return;
        }
        let home = tempfile::tempdir().expect("a scratch home");
        let (wall, cpu) = cli_runs(&cli, &sandbox, home.path(), &["--version"], 50);
        println!("  `up42 --version`:                       wall {wall:?}, CPU {cpu:?}");
        let logins = sandbox.counters().password_grants;
        cli_runs(&cli, &sandbox, home.path(), &["token"], 1);
        let (wall, cpu) = cli_runs(&cli, &sandbox, home.path(), &["token"], 50);
        println!("  `up42 token`, token cached in the store: wall {wall:?}, CPU {cpu:?}");
        println!(
            "  logins for those 51 runs: {}",
            sandbox.counters().password_grants - logins
        );
    });
}
