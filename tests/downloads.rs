//! Downloads: streamed to a file with flat memory, complete or not at all,
//! no token to a storage host, and timeouts that fit a download.

use std::io::Read;
use std::time::Duration;

use serde::Deserialize;
use up42_auth::{
    Authenticated, Download, Error, ErrorKind, Up42Client, download::Progress, reqwest, up42_endpoint,
};
use up42_testkit::{Authorization, Fault, Mock, Respond, Route, Sandbox, generated_asset};

#[path = "support/peak.rs"]
mod peak;

#[derive(Debug, Deserialize)]
struct SignedUrl {
    url: String,
}

#[up42_endpoint(POST, "/v2/assets/{asset_id}/download-url")]
async fn download_url(client: &Up42Client, asset_id: &str) -> Result<SignedUrl, Error>;

#[up42_endpoint(GET, "/v2/assets/{asset_id}", raw)]
async fn asset(client: &Up42Client, asset_id: &str) -> Result<reqwest::Response, Error>;

#[up42_endpoint(GET, "/v2/orders/{order_id}", timeout = "200ms")]
async fn order_quickly(client: &Up42Client, order_id: &str) -> Result<serde_json::Value, Error>;

/// The files in `dir`, sorted.
fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether `path` holds exactly the first `len` bytes of the generated asset.
fn holds_generated(path: &std::path::Path, len: u64) -> bool {
    let mut file = std::fs::File::open(path).unwrap();
    let mut buffer = vec![0; 1 << 20];
    let mut at = 0u64;
    loop {
        let read = file.read(&mut buffer).unwrap();
        if read == 0 {
            return at == len;
        }
        if buffer[..read] != generated_asset(at, read)[..] {
            return false;
        }
        at += read as u64;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_256_mib_download_streams_with_flat_memory_and_no_token() {
    const SIZE: u64 = 256 * 1024 * 1024;
    let sandbox = Sandbox::start().await;
    sandbox.add_generated_asset("scene", SIZE, None);
    let client = sandbox.client().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("scene.tif");

    let signed = download_url(&client, "scene").await.unwrap();
    assert!(signed.url.starts_with(sandbox.storage_url()));
    let mut reports: Vec<Progress> = Vec::new();
    let (written, peak) = peak::peak_growth(async {
        Download::get(&client, &signed.url)
            .await
            .unwrap()
            .progress(|p| reports.push(p))
            .to_file(&target)
            .await
            .unwrap()
    })
    .await;

    assert_eq!(written, SIZE);
    assert!(
        holds_generated(&target, SIZE),
        "the file is the asset, byte for byte"
    );
    assert_eq!(files_in(dir.path()), ["scene.tif"], "no temporary file left");
    // The progress reports (a Vec of thousands of entries, included in the
    // peak) climb to the total.
    assert!(reports.windows(2).all(|w| w[0].bytes < w[1].bytes));
    assert_eq!(
        reports.last().map(|p| (p.bytes, p.total)),
        Some((SIZE, Some(SIZE)))
    );
    assert!(
        peak < 16 * 1024 * 1024,
        "peak heap growth {peak} bytes for a 256 MiB download"
    );
    println!(
        "peak heap growth: {:.1} MiB for 256 MiB",
        peak as f64 / (1024.0 * 1024.0)
    );

    let storage = sandbox.journal_of(Route::Storage);
    assert_eq!(storage.len(), 1);
    assert!(storage.iter().all(|r| r.authorization == Authorization::Absent));
}

#[tokio::test]
async fn a_dropped_connection_leaves_no_file_and_keeps_the_old_one() {
    let sandbox = Sandbox::start().await;
    sandbox.add_generated_asset("broken", 8 * 1024 * 1024, Some(3 * 1024 * 1024));
    let client = sandbox.client().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("scene.tif");
    let signed = download_url(&client, "broken").await.unwrap();

    let error = Download::get(&client, &signed.url)
        .await
        .unwrap()
        .to_file(&target)
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Transport | ErrorKind::MalformedResponse),
        "{error:?}"
    );
    assert!(
        files_in(dir.path()).is_empty(),
        "no partial file, no temporary file"
    );

    std::fs::write(&target, b"the previous download").unwrap();
    Download::get(&client, &signed.url)
        .await
        .unwrap()
        .to_file(&target)
        .await
        .unwrap_err();
    assert_eq!(std::fs::read(&target).unwrap(), b"the previous download");
    assert_eq!(files_in(dir.path()), ["scene.tif"]);
}

#[tokio::test]
async fn the_token_goes_to_the_api_host_only() {
    let sandbox = Sandbox::start().await;
    sandbox.add_asset("small", b"GeoTIFF bytes".to_vec());
    sandbox.mount(
        Mock::given("GET", "/v2/assets/small").respond_with(Respond::bytes(
            200,
            "image/tiff",
            b"from the API".to_vec(),
        )),
    );
    let client = sandbox.client().unwrap();
    let dir = tempfile::tempdir().unwrap();

    // A URL on the API host carries the token; the storage host's does not.
    let on_api = format!("{}/v2/assets/small", sandbox.base_url());
    Download::get(&client, &on_api)
        .await
        .unwrap()
        .to_file(dir.path().join("a"))
        .await
        .unwrap();
    let signed = download_url(&client, "small").await.unwrap();
    Download::get(&client, &signed.url)
        .await
        .unwrap()
        .to_file(dir.path().join("b"))
        .await
        .unwrap();
    assert_eq!(std::fs::read(dir.path().join("a")).unwrap(), b"from the API");
    assert_eq!(std::fs::read(dir.path().join("b")).unwrap(), b"GeoTIFF bytes");
    let api = sandbox.journal_of(Route::Api);
    let on_api = api.iter().find(|r| r.path == "/v2/assets/small").unwrap();
    assert_eq!(on_api.authorization, Authorization::ValidBearer);
    let storage = sandbox.journal_of(Route::Storage);
    assert!(storage.iter().all(|r| r.authorization == Authorization::Absent));

    // A raw endpoint's answer downloads the same way.
    let response = asset(&client, "small").await.unwrap();
    let bytes = Download::new(response)
        .to_file(dir.path().join("c"))
        .await
        .unwrap();
    assert_eq!(bytes, 12);

    let bad = Download::get(&client, "ftp://example.com/x").await.unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidArgument);

    // A target in a directory that does not exist: the file side's error, naming it.
    let nowhere = dir.path().join("missing").join("scene.tif");
    let error = Download::get(&client, &signed.url)
        .await
        .unwrap()
        .to_file(&nowhere)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Io);
    assert_eq!(error.path(), Some(nowhere.as_path()));
    assert!(error.to_string().contains("missing"), "{error}");
    assert!(error.hint().unwrap().contains("directory exists"));
}

#[tokio::test]
async fn downloads_are_bounded_by_the_read_timeout_not_the_request_timeout() {
    let sandbox = Sandbox::start().await;
    sandbox.add_asset("slow", vec![7; 1024]);
    let client = sandbox
        .client_builder()
        .request_timeout(Duration::from_millis(300))
        .read_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let signed = download_url(&client, "slow").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A storage host slower than the request timeout: the download still completes.
    sandbox.inject(Route::Storage, Fault::Delay(Duration::from_millis(800)), 1);
    let bytes = Download::get(&client, &signed.url)
        .await
        .unwrap()
        .to_file(dir.path().join("slow"))
        .await
        .unwrap();
    assert_eq!(bytes, 1024);

    // An API call that slow fails, and says which limit it hit.
    sandbox.inject(Route::Api, Fault::Delay(Duration::from_millis(800)), 3);
    let error = sandbox_order(&client).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(
        error.to_string().contains("within the request timeout of 300 ms"),
        "{error}"
    );
    assert!(
        error.hint().unwrap().contains("request_timeout"),
        "{:?}",
        error.hint()
    );
}

#[up42_endpoint(GET, "/v2/orders/{order_id}")]
async fn order(client: &Up42Client, order_id: &str) -> Result<serde_json::Value, Error>;

async fn sandbox_order(client: &Up42Client) -> Result<serde_json::Value, Error> {
    order(client, up42_testkit::ORDER_ID).await
}

#[tokio::test]
async fn timeouts_say_which_limit_expired() {
    let sandbox = Sandbox::start().await;
    let client = sandbox
        .client_builder()
        .read_timeout(Duration::from_millis(300))
        .retry_policy(up42_auth::policy::RetryPolicy::never())
        .build()
        .unwrap();
    client.token_cache().force_refresh().await.unwrap();
    // The endpoint's own `timeout = "200ms"` wins over the client's 120 s.
    sandbox.inject(Route::Api, Fault::Delay(Duration::from_millis(250)), 1);
    let error = order_quickly(&client, up42_testkit::ORDER_ID).await.unwrap_err();
    assert!(error.to_string().contains("request timeout of 200 ms"), "{error}");
    // No byte for longer than the read timeout.
    sandbox.inject(Route::Api, Fault::Delay(Duration::from_secs(1)), 1);
    let error = sandbox_order(&client).await.unwrap_err();
    assert!(error.is_timeout());
    assert!(
        error
            .to_string()
            .contains("no data arrived within the read timeout"),
        "{error}"
    );
    assert!(error.hint().unwrap().contains("read_timeout"));
}

#[cfg(unix)]
#[tokio::test]
async fn special_files_are_written_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let sandbox = Sandbox::start().await;
    sandbox.add_generated_asset("scene", 64 * 1024, None);
    let client = sandbox.client().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let download = || async {
        let signed = download_url(&client, "scene").await.unwrap();
        Download::get(&client, &signed.url).await.unwrap()
    };

    // A FIFO: written into, and still a FIFO (`-o /dev/stdout` is one in a pipe).
    let fifo = dir.path().join("scene.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    assert_eq!(download().await.to_file(&fifo).await.unwrap(), 64 * 1024);
    assert_eq!(reader.join().unwrap(), generated_asset(0, 64 * 1024));
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());

    // A device: written into, and still the device (as root, `-o /dev/null`
    // once replaced the system's /dev/null by a file).
    assert_eq!(download().await.to_file("/dev/null").await.unwrap(), 64 * 1024);
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    // A link to a file: the file is replaced, the link stays.
    let real = dir.path().join("real.tif");
    std::fs::write(&real, b"old").unwrap();
    let link = dir.path().join("link.tif");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    download().await.to_file(&link).await.unwrap();
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(holds_generated(&real, 64 * 1024));

    // A directory: a clear error, and the directory untouched.
    let error = download().await.to_file(dir.path()).await.unwrap_err();
    assert!(error.to_string().contains("a directory"), "{error}");

    // Any writer: standard output, a socket, a buffer.
    let mut buffer = Vec::new();
    let written = download().await.to_writer(&mut buffer, "buffer").await.unwrap();
    assert_eq!((written, buffer), (64 * 1024, generated_asset(0, 64 * 1024)));
}
