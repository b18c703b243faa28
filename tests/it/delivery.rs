//! Deliveries (`Storage::download_order` and friends) against the sandbox's
//! storage host: names, layout, never losing data, skip, resume, verify.

use std::path::Path;

use serde_json::json;
use up42::ErrorKind;
use up42::storage::{DeliveryReport, FileOutcome, StacItem};
use up42_testkit::{AssetRules, Checksums, Fault, Route, Sandbox, generated_asset, seed};

use crate::fixtures;

/// The outcomes of a report, by name, in path order.
fn outcomes(report: &DeliveryReport) -> Vec<&'static str> {
    report.files.iter().map(|f| f.outcome.name()).collect()
}

/// The download-url calls the sandbox saw.
fn signings(sandbox: &Sandbox) -> usize {
    let journal = sandbox.journal_of(Route::Api);
    journal
        .iter()
        .filter(|r| r.path.ends_with("/download-url"))
        .count()
}

/// An item in storage's shape with one asset, `id`, on the API host; no
/// declared checksum or size, as a job's results may have.
fn item_of(sandbox: &Sandbox, id: &str, asset: &str) -> StacItem {
    serde_json::from_value(json!({
        "type": "Feature", "stac_version": "1.0.0", "id": id, "geometry": null,
        "properties": {"datetime": "2026-01-05T10:30:00Z"},
        "assets": {"image": {"href": format!("{}/v2/assets/{asset}", sandbox.base_url()), "type": "image/tiff"}},
        "links": [],
    }))
    .unwrap()
}

/// A sandbox with a generated asset `big` of `len` bytes served by `rules`,
/// and the report of a delivery of an item of it (`item-big`) into a
/// scratch directory.
async fn deliver_generated(
    len: u64,
    rules: AssetRules,
) -> (Sandbox, up42::Client, tempfile::TempDir, DeliveryReport) {
    let (sandbox, client) = fixtures::start().await;
    sandbox.add_generated_asset("big", len, None);
    sandbox.set_asset_rules("big", rules);
    let scratch = tempfile::tempdir().unwrap();
    let item = item_of(&sandbox, "item-big", "big");
    let report = client
        .storage()
        .download_items([item])
        .to_dir(scratch.path())
        .await
        .unwrap();
    (sandbox, client, scratch, report)
}

fn holds_generated(path: &Path, len: u64) -> bool {
    let bytes = std::fs::read(path).unwrap();
    bytes.len() as u64 == len && bytes == generated_asset(0, len as usize)
}

#[tokio::test]
async fn an_order_of_three_items_lands_as_item_directories_and_a_rerun_sends_nothing() {
    let (sandbox, client) = fixtures::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("out");
    let mut reports = 0;
    let report = client
        .storage()
        .download_order(seed::MULTI_ITEM_ORDER_ID)
        .to_dir(&dir)
        .progress(|p| {
            reports += 1;
            assert!(p.bytes <= p.total_bytes && p.files_done <= p.files_total);
        })
        .await
        .unwrap();
    assert!(reports >= 9, "at least a report per file: {reports}");
    assert!(report.is_complete());
    assert_eq!(report.files.len(), 9, "three items of three files");
    assert_eq!(outcomes(&report), ["downloaded"; 9]);
    let names: Vec<String> = report
        .files
        .iter()
        .map(|f| f.path.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
        .collect();
    for (i, name) in names.iter().enumerate() {
        let file = ["image.tif", "metadata.json", "preview.jpg"][i % 3];
        assert!(name.ends_with(&format!("/{file}")), "{name}");
        assert!(name.starts_with(report.files[i].item.as_str()), "{name}");
    }
    // Each file is what its item declares.
    let items: Vec<StacItem> = client
        .storage()
        .search(&up42::storage::StacSearch::new().order(seed::MULTI_ITEM_ORDER_ID))
        .collect()
        .await
        .unwrap();
    for file in &report.files {
        let item = items.iter().find(|i| i.id == file.item).unwrap();
        let declared = item.assets[&file.asset].extra["file:checksum"].as_str().unwrap();
        assert_eq!(Some(&declared[4..]), file.sha256.as_deref());
        assert_eq!(std::fs::metadata(&file.path).unwrap().len(), file.bytes);
    }
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["files"][0]["outcome"], "downloaded");
    assert!(json["files"][0]["sha256"].is_string() && json["files"][0].get("error").is_none());

    let (bytes, signed) = (sandbox.counters().asset_bytes, signings(&sandbox));
    let again = client
        .storage()
        .download_order(seed::MULTI_ITEM_ORDER_ID)
        .to_dir(&dir)
        .await
        .unwrap();
    assert_eq!(outcomes(&again), ["skipped"; 9]);
    assert_eq!(
        sandbox.counters().asset_bytes,
        bytes,
        "no file data the second time"
    );
    assert_eq!(
        signings(&sandbox),
        signed,
        "no URL signed for files already complete"
    );
}

#[tokio::test]
async fn hostile_names_stay_inside_the_directory_and_twins_are_told_apart() {
    let (_sandbox, client) = fixtures::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("out");
    let report = client
        .storage()
        .download_order(seed::HOSTILE_ORDER_ID)
        .to_dir(&dir)
        .await
        .unwrap();
    assert!(report.is_complete(), "{report:?}");
    let mut names: Vec<String> = report
        .files
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "dots.json",
            "escape.tif",
            "hidden.json",
            "photofit.tif",
            "red[31m.tif",
            "scene-twin-b.tif",
            "scene.tif",
            "up42-sandbox-absolute.tif",
        ]
    );
    for file in &report.files {
        assert_eq!(
            file.path.parent().unwrap().parent().unwrap(),
            dir,
            "{}",
            file.path.display()
        );
    }
    assert!(!Path::new("/tmp/up42-sandbox-absolute.tif").exists());
    assert!(!scratch.path().join("escape.tif").exists());
}

#[tokio::test]
async fn a_file_on_disk_that_differs_is_kept_and_a_link_is_never_followed() {
    let (_sandbox, client) = fixtures::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("out");
    let item_dir = dir.join(seed::STAC_ITEM_ID);
    std::fs::create_dir_all(&item_dir).unwrap();
    std::fs::write(item_dir.join("image_0000.tif"), b"the user's own work").unwrap();
    let report = client
        .storage()
        .download_order(seed::ORDER_ID)
        .to_dir(&dir)
        .await
        .unwrap();
    assert!(!report.is_complete());
    let FileOutcome::Failed(error) = &report.files[0].outcome else {
        panic!("{report:?}")
    };
    assert_eq!(error.kind(), ErrorKind::Io);
    assert!(error.to_string().contains("overwrite"), "{error}");
    assert_eq!(
        std::fs::read(item_dir.join("image_0000.tif")).unwrap(),
        b"the user's own work"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["files"][0]["outcome"], "failed");
    assert!(json["files"][0]["error"].as_str().unwrap().contains("kept"));

    // A link at the final name: refused, its target untouched; with
    // overwrite, the link itself is replaced.
    let outside = scratch.path().join("outside.txt");
    std::fs::write(&outside, b"not the delivery's").unwrap();
    std::fs::remove_file(item_dir.join("image_0000.tif")).unwrap();
    std::os::unix::fs::symlink(&outside, item_dir.join("image_0000.tif")).unwrap();
    let report = client
        .storage()
        .download_order(seed::ORDER_ID)
        .to_dir(&dir)
        .await
        .unwrap();
    assert_eq!(outcomes(&report), ["failed"]);
    let report = client
        .storage()
        .download_order(seed::ORDER_ID)
        .to_dir(&dir)
        .overwrite(true)
        .await
        .unwrap();
    assert_eq!(outcomes(&report), ["downloaded"]);
    assert_eq!(std::fs::read(&outside).unwrap(), b"not the delivery's");
    let written = std::fs::symlink_metadata(item_dir.join("image_0000.tif")).unwrap();
    assert!(written.is_file(), "a file now, not a link");

    // Nor a link at the name of partial data.
    std::fs::remove_file(item_dir.join("image_0000.tif")).unwrap();
    std::fs::remove_file(dir.join(".up42-delivery.json")).unwrap();
    std::os::unix::fs::symlink(&outside, item_dir.join(".image_0000.tif.up42-part")).unwrap();
    let report = client
        .storage()
        .download_order(seed::ORDER_ID)
        .to_dir(&dir)
        .await
        .unwrap();
    assert_eq!(outcomes(&report), ["downloaded"]);
    assert_eq!(std::fs::read(&outside).unwrap(), b"not the delivery's");

    // An item directory that is a link is not written through.
    let elsewhere = tempfile::tempdir().unwrap();
    let linked = scratch.path().join("linked");
    std::fs::create_dir_all(&linked).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), linked.join(seed::STAC_ITEM_ID)).unwrap();
    let report = client
        .storage()
        .download_order(seed::ORDER_ID)
        .to_dir(&linked)
        .await
        .unwrap();
    assert_eq!(outcomes(&report), ["failed"]);
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_body_cut_half_way_is_resumed_in_the_same_run_with_little_sent_twice() {
    let len = 4 * 1024 * 1024;
    let rules = AssetRules::new()
        .cut_once_after(len / 2)
        .checksums(Checksums::GoogHash);
    let (sandbox, _client, scratch, report) = deliver_generated(len, rules).await;
    assert_eq!(outcomes(&report), ["resumed"], "{report:?}");
    assert!(holds_generated(&report.files[0].path, len));
    let sent = sandbox.counters().asset_bytes;
    assert!(sent <= len * 11 / 10, "{sent} bytes sent for a file of {len}");
    let ranges: Vec<_> = sandbox
        .journal_of(Route::Storage)
        .iter()
        .filter_map(|r| r.header("range").map(str::to_string))
        .collect();
    assert_eq!(ranges.len(), 1, "one resume: {ranges:?}");
    let leftovers: Vec<_> = std::fs::read_dir(scratch.path().join("item-big"))
        .unwrap()
        .collect();
    assert_eq!(leftovers.len(), 1, "no partial data left beside the file");
}

/// Starts a delivery of `item` into `dir` and stops it (as a killed process
/// would be) once at least half of the file is on its way.
async fn interrupted(client: &up42::Client, item: &StacItem, dir: &Path, len: u64) {
    let (half, reached) = tokio::sync::oneshot::channel();
    let mut half = Some(half);
    let delivery = client
        .storage()
        .download_items([item])
        .to_dir(dir)
        .progress(move |p| {
            if p.bytes >= len / 2
                && let Some(half) = half.take()
            {
                let _ = half.send(());
            }
        });
    let running = tokio::spawn(delivery.into_future());
    reached.await.unwrap();
    running.abort();
    assert!(running.await.unwrap_err().is_cancelled());
}

#[tokio::test]
async fn an_interrupted_run_resumes_with_if_range_and_starts_over_when_the_file_changed() {
    let (sandbox, client) = fixtures::start().await;
    let len = 16 * 1024 * 1024;
    sandbox.add_generated_asset("big", len, None);
    sandbox.set_asset_rules("big", AssetRules::new().bytes_per_second(16 * 1024 * 1024));
    let scratch = tempfile::tempdir().unwrap();
    let item = item_of(&sandbox, "item-big", "big");
    interrupted(&client, &item, scratch.path(), len).await;
    let final_name = scratch.path().join("item-big/big.bin");
    assert!(!final_name.exists(), "nothing at the final name");
    sandbox.set_asset_rules("big", AssetRules::new());
    sandbox.reset_counters();
    let report = client
        .storage()
        .download_items([&item])
        .to_dir(scratch.path())
        .await
        .unwrap();
    assert_eq!(outcomes(&report), ["resumed"]);
    assert!(holds_generated(&final_name, len));
    let sent = sandbox.counters().asset_bytes;
    assert!(
        sent <= len * 6 / 10,
        "{sent} bytes sent the second time for a file of {len}"
    );
    let last = sandbox.journal_of(Route::Storage).pop().unwrap();
    assert!(
        last.header("if-range").is_some_and(|tag| tag.contains("big")),
        "{last:?}"
    );

    // Interrupted again on a new copy, then the file changes: it starts over.
    let scratch = tempfile::tempdir().unwrap();
    sandbox.set_asset_rules("big", AssetRules::new().bytes_per_second(16 * 1024 * 1024));
    interrupted(&client, &item, scratch.path(), len).await;
    sandbox.change_asset("big", b"a new version".to_vec());
    sandbox.set_asset_rules("big", AssetRules::new());
    let report = client
        .storage()
        .download_items([&item])
        .to_dir(scratch.path())
        .await
        .unwrap();
    assert_eq!(outcomes(&report), ["downloaded"]);
    assert_eq!(std::fs::read(&report.files[0].path).unwrap(), b"a new version");
}

#[tokio::test]
async fn a_server_that_ignores_ranges_gets_the_file_whole() {
    let len = 1024 * 1024;
    let rules = AssetRules::new().cut_once_after(len / 2).ignore_range();
    let (_sandbox, _client, _scratch, report) = deliver_generated(len, rules).await;
    assert_eq!(outcomes(&report), ["downloaded"]);
    assert!(holds_generated(&report.files[0].path, len));
}

#[tokio::test]
async fn bytes_that_fail_a_checksum_leave_no_file_at_the_final_name() {
    for checksums in [Checksums::GoogHash, Checksums::ContentMd5] {
        let rules = AssetRules::new().corrupt().checksums(checksums);
        let (_sandbox, _client, scratch, report) = deliver_generated(256 * 1024, rules).await;
        let FileOutcome::Failed(error) = &report.files[0].outcome else {
            panic!("{report:?}")
        };
        assert_eq!(error.kind(), ErrorKind::MalformedResponse);
        assert!(
            error.to_string().contains("MD5") || error.to_string().contains("CRC32C"),
            "{error}"
        );
        let left: Vec<_> = std::fs::read_dir(scratch.path().join("item-big"))
            .unwrap()
            .collect();
        assert!(left.is_empty(), "neither the file nor partial data: {left:?}");
    }

    // The item's own `file:checksum`: the seeded asset changed on the server.
    let (sandbox, client) = fixtures::start().await;
    sandbox.change_asset(seed::ASSET_ID, b"II*\x00 not the declared bytes".to_vec());
    let scratch = tempfile::tempdir().unwrap();
    let report = client
        .storage()
        .download_order(seed::ORDER_ID)
        .to_dir(scratch.path())
        .await
        .unwrap();
    let FileOutcome::Failed(error) = &report.files[0].outcome else {
        panic!("{report:?}")
    };
    assert!(error.to_string().contains("file:"), "{error}");
    assert!(!report.files[0].path.exists());
}

/// A sandbox whose storage host answers `status` once, and the delivery of
/// the first seeded order after it.
async fn deliver_after_storage_answers(status: u16) -> (Sandbox, DeliveryReport) {
    let (sandbox, client) = fixtures::start().await;
    sandbox.inject(Route::Storage, Fault::status(status), 1);
    let scratch = tempfile::tempdir().unwrap();
    let report = client
        .storage()
        .download_order(seed::ORDER_ID)
        .to_dir(scratch.path())
        .await
        .unwrap();
    (sandbox, report)
}

#[tokio::test]
async fn a_range_the_server_cannot_serve_starts_the_file_over() {
    let (sandbox, report) = deliver_after_storage_answers(416).await;
    assert_eq!(outcomes(&report), ["downloaded"]);
    assert_eq!(sandbox.journal_of(Route::Storage).len(), 2);
}

#[tokio::test]
async fn an_expired_signed_url_is_signed_again() {
    let (sandbox, report) = deliver_after_storage_answers(403).await;
    assert_eq!(outcomes(&report), ["downloaded"]);
    assert_eq!(
        signings(&sandbox),
        2,
        "signed for the name, then again after the 403"
    );
}

#[tokio::test]
async fn a_delivery_that_cannot_start_is_an_error_and_writes_nothing() {
    let (_sandbox, client) = fixtures::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let storage = client.storage();
    let unknown = storage
        .download_order("00000000-0000-4000-8000-00000000ffff")
        .to_dir(scratch.path().join("a"))
        .await
        .unwrap_err();
    assert_eq!(unknown.status().map(|s| s.as_u16()), Some(404));
    let undelivered = storage
        .download_order(seed::TASKING_ORDER_ID)
        .to_dir(scratch.path().join("b"))
        .await
        .unwrap_err();
    assert_eq!(undelivered.kind(), ErrorKind::InvalidArgument);
    assert!(
        undelivered.to_string().contains("delivered nothing"),
        "{undelivered}"
    );
    let no_dir = storage.download_order(seed::ORDER_ID).await.unwrap_err();
    assert!(no_dir.to_string().contains("to_dir"), "{no_dir}");
    let file = scratch.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let not_a_dir = storage
        .download_order(seed::ORDER_ID)
        .to_dir(&file)
        .await
        .unwrap_err();
    assert_eq!(not_a_dir.kind(), ErrorKind::Io);
    let missing_item = storage
        .download_items(["no-such-item"])
        .to_dir(scratch.path().join("c"))
        .await
        .unwrap_err();
    assert!(
        missing_item.to_string().contains("no-such-item"),
        "{missing_item}"
    );
    assert!(!scratch.path().join("a").exists() && !scratch.path().join("b").exists());
}

#[tokio::test]
async fn a_collection_delivers_like_its_order_and_concurrency_keeps_every_file() {
    let (_sandbox, client) = fixtures::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let items: Vec<StacItem> = client
        .storage()
        .search(&up42::storage::StacSearch::new().order(seed::MULTI_ITEM_ORDER_ID))
        .collect()
        .await
        .unwrap();
    let collection = items[0].collection.clone().unwrap();
    let report = client
        .storage()
        .download_collection(collection)
        .to_dir(scratch.path())
        .concurrency(1)
        .await
        .unwrap();
    assert_eq!(outcomes(&report), ["downloaded"; 9]);
    let by_items = client
        .storage()
        .download_items(items.iter().map(|i| i.id.clone()))
        .to_dir(scratch.path())
        .concurrency(16)
        .await
        .unwrap();
    assert_eq!(outcomes(&by_items), ["skipped"; 9]);
}

#[tokio::test]
async fn a_download_larger_than_the_limit_is_refused() {
    let sandbox = up42_testkit::Sandbox::start().await;
    let client = up42::Client::from(sandbox.client_builder().max_download_size(1000).build().unwrap());
    sandbox.add_generated_asset("big", 4096, None);
    let scratch = tempfile::tempdir().unwrap();
    let error = client
        .storage()
        .download("big")
        .to_file(scratch.path().join("big"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("max_download_size"), "{error}");
    let item = item_of(&sandbox, "item-big", "big");
    let report = client
        .storage()
        .download_items([item])
        .to_dir(scratch.path())
        .await
        .unwrap();
    assert_eq!(outcomes(&report), ["failed"]);
    assert_eq!(
        sandbox.journal_of(Route::Storage).len(),
        2,
        "one request each, not retried"
    );
}
