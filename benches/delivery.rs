//! Deliveries against the sandbox's storage host, printed as Markdown:
//!
//! 1. 8 assets of 32 MiB at 8 MiB/s a connection: `concurrency(1)` against
//!    `concurrency(4)`, in the same run.
//! 2. A body cut once at 50 %: the bytes the server sent for the file.
//! 3. A run stopped at 50 % (as a killed process stops) and started again:
//!    the bytes sent the second time.
//! 4. A run over a complete delivery: the bytes of file data sent.
//! 5. A 1 GiB asset through `up42 storage download` (the release binary,
//!    `cargo build --release -p up42-cli`) against `curl` fetching the same
//!    signed URL: wall time, and the command's peak RSS.
//!
//! `cargo bench --bench delivery`

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use up42::Client;
use up42::storage::{DeliveryReport, StacItem};
use up42_testkit::{AssetRules, PASSWORD, Sandbox, USERNAME};

const MIB: u64 = 1024 * 1024;

/// An item of storage's shape whose assets are the stored assets `assets`.
fn item(sandbox: &Sandbox, id: &str, assets: &[String]) -> StacItem {
    let files: serde_json::Map<String, serde_json::Value> = assets
        .iter()
        .map(|asset| {
            let href = format!("{}/v2/assets/{asset}", sandbox.base_url());
            (
                asset.clone(),
                json!({"href": href, "type": "application/octet-stream"}),
            )
        })
        .collect();
    let item = json!({"type": "Feature", "id": id, "geometry": null, "properties": {}, "assets": files, "links": []});
    serde_json::from_value(item).expect("an item")
}

async fn deliver(client: &Client, item: &StacItem, dir: &Path, concurrency: usize) -> DeliveryReport {
    let report = client
        .storage()
        .download_items([item])
        .to_dir(dir)
        .concurrency(concurrency)
        .await
        .expect("the delivery runs");
    assert!(report.is_complete(), "{report:?}");
    report
}

/// 1: the same 8 paced assets, one file at a time, then four.
async fn concurrency(sandbox: &Sandbox, client: &Client) {
    let assets: Vec<String> = (0..8).map(|i| format!("paced-{i}")).collect();
    for asset in &assets {
        sandbox.add_generated_asset(asset, 32 * MIB, None);
        sandbox.set_asset_rules(asset, AssetRules::new().bytes_per_second(8 * MIB));
    }
    let item = item(sandbox, "paced", &assets);
    println!("| round | concurrency(1) | concurrency(4) | speed-up |\n|---|---|---|---|");
    for round in 1..=2 {
        let mut times = Vec::new();
        for files in [1, 4] {
            let scratch = tempfile::tempdir().expect("a scratch directory");
            let started = Instant::now();
            deliver(client, &item, scratch.path(), files).await;
            times.push(started.elapsed());
        }
        let ratio = times[0].as_secs_f64() / times[1].as_secs_f64();
        println!(
            "| {round} | {:.2?} | {:.2?} | **{ratio:.2}×** |",
            times[0], times[1]
        );
    }
}

/// 2 to 4: a cut, a stop, a re-run.
async fn resume(sandbox: &Sandbox, client: &Client) {
    let len = 32 * MIB;
    sandbox.add_generated_asset("cut", len, None);
    sandbox.set_asset_rules("cut", AssetRules::new().cut_once_after(len / 2));
    let cut = item(sandbox, "cut", &["cut".to_string()]);
    let scratch = tempfile::tempdir().expect("a scratch directory");
    sandbox.reset_counters();
    let report = deliver(client, &cut, scratch.path(), 1).await;
    let sent = sandbox.counters().asset_bytes;
    println!("| case | outcome | file data sent | of the file |\n|---|---|---|---|");
    let row = |case: &str, outcome: &str, sent: u64| {
        println!(
            "| {case} | {outcome} | {sent} B | **{:.3}×** |",
            sent as f64 / len as f64
        );
    };
    row("cut once at 50 %, one run", report.files[0].outcome.name(), sent);

    sandbox.reset_counters();
    let again = deliver(client, &cut, scratch.path(), 1).await;
    row(
        "again over the complete delivery",
        again.files[0].outcome.name(),
        sandbox.counters().asset_bytes,
    );

    sandbox.add_generated_asset("stopped", len, None);
    sandbox.set_asset_rules("stopped", AssetRules::new().bytes_per_second(64 * MIB));
    let stopped = item(sandbox, "stopped", &["stopped".to_string()]);
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let (half, reached) = tokio::sync::oneshot::channel();
    let mut half = Some(half);
    let delivery = client
        .storage()
        .download_items([&stopped])
        .to_dir(scratch.path())
        .progress(move |p| {
            if p.bytes >= len / 2
                && let Some(half) = half.take()
            {
                let _ = half.send(());
            }
        });
    let running = tokio::spawn(delivery.into_future());
    reached.await.expect("half way");
    running.abort();
    let _ = running.await;
    sandbox.set_asset_rules("stopped", AssetRules::new());
    sandbox.reset_counters();
    let resumed = deliver(client, &stopped, scratch.path(), 1).await;
    row(
        "stopped at 50 %, second run",
        resumed.files[0].outcome.name(),
        sandbox.counters().asset_bytes,
    );
}

/// The peak RSS of the children that ended so far, in KiB.
fn children_peak_rss() -> i64 {
    // SAFETY: `getrusage` fills the struct it is given and keeps no pointer.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage.ru_maxrss
    }
}

/// Runs `command` to its end off the runtime; its wall time.
async fn timed(mut command: std::process::Command) -> Duration {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let status = command.status().expect("the command runs");
        assert!(status.success(), "{command:?} failed");
        started.elapsed()
    })
    .await
    .expect("the command's thread")
}

/// 5: a 1 GiB asset, by the command line and by curl.
async fn large(sandbox: &Sandbox, client: &Client) {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/up42");
    if !cli.exists() {
        println!("(build `cargo build --release -p up42-cli` to time the 1 GiB delivery)");
        return;
    }
    let len = 1024 * MIB;
    sandbox.add_generated_asset("large", len, None);
    println!("| round | `up42 storage download` | curl | ratio | `up42` peak RSS |\n|---|---|---|---|---|");
    for round in 1..=3 {
        let scratch = tempfile::tempdir().expect("a scratch directory");
        let mut up42 = std::process::Command::new(&cli);
        up42.args([
            "--token-url",
            &sandbox.token_url(),
            "--api-url",
            &sandbox.api_url(),
        ])
        .args(["storage", "download", "large", "-d"])
        .arg(scratch.path().join("up42"))
        .args(["-o", "json"])
        .env_clear()
        .env("HOME", scratch.path())
        .env("UP42_USERNAME", USERNAME)
        .env("UP42_PASSWORD", PASSWORD)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
        let by_up42 = timed(up42).await;
        let rss = children_peak_rss();
        let signed = client
            .storage()
            .download_url("large")
            .await
            .expect("a signed URL");
        let mut curl = std::process::Command::new("curl");
        curl.args(["-sS", "-o"])
            .arg(scratch.path().join("curl.bin"))
            .arg(&signed.url);
        let by_curl = timed(curl).await;
        let ratio = by_up42.as_secs_f64() / by_curl.as_secs_f64();
        println!(
            "| {round} | {by_up42:.2?} | {by_curl:.2?} | **{ratio:.2}×** | {:.1} MiB |",
            rss as f64 / 1024.0
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let sandbox = Sandbox::start().await;
        let client = Client::from(sandbox.client().expect("the sandbox's client"));
        println!("## Deliveries\n");
        concurrency(&sandbox, &client).await;
        println!();
        resume(&sandbox, &client).await;
        println!();
        large(&sandbox, &client).await;
    });
}
