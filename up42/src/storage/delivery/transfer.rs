//! One file of a delivery: skipped when complete, resumed from partial
//! data with `Range` and `If-Range`, fetched again when cut (bounded tries,
//! the client's backoff), signed again when its URL expired, verified
//! against every checksum, and renamed to its final name only then.

use std::path::{Path, PathBuf};

use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufWriter};
use up42_auth::{Authenticated, Download, Url};

use super::checksum::{self, Expected, Hashers};
use super::manifest::{Entry, Manifest};
use super::progress::Tracker;
use super::report::{DeliveredFile, FileOutcome};
use crate::client::Client;
use crate::ids::{AssetId, StacItemId};
use crate::{Error, ErrorKind, Result};

/// How much of a file is buffered before it is written, and read at a time
/// when partial data is hashed again: memory per file in flight.
const BUFFER: usize = 1024 * 1024;
/// The most attempts at one file in a run, however many made progress.
const MAX_ATTEMPTS: u32 = 20;

/// One file to deliver, as the plan made it. No `Debug`: its signed URL is
/// a credential.
pub(super) struct Job {
    pub(super) item: StacItemId,
    /// The asset's key in the item.
    pub(super) asset: String,
    /// The stored asset, signed before each fetch; `None`: `href` is fetched as it is.
    pub(super) asset_id: Option<AssetId>,
    pub(super) href: String,
    /// A signed URL the plan already has, for the first attempt.
    pub(super) signed: Option<Url>,
    /// `<item dir>/<file name>` in the delivery directory.
    pub(super) relative: String,
    /// The item's `file:checksum`, when it declares one checked here.
    pub(super) declared: Vec<Expected>,
    /// The item's `file:size`.
    pub(super) declared_size: Option<u64>,
}

/// What every file of a delivery shares.
pub(super) struct Context<'a, 'p> {
    pub(super) client: &'a Client,
    pub(super) dir: &'a Path,
    pub(super) manifest: &'a Manifest,
    pub(super) overwrite: bool,
    pub(super) progress: &'a Tracker<'p>,
}

/// A finished file: its size and SHA-256, and whether it was resumed.
struct Done {
    bytes: u64,
    sha256: String,
    resumed: bool,
}

/// Delivers `job`; never fails as a whole: a failure is the file's outcome.
pub(super) async fn deliver(cx: &Context<'_, '_>, job: Job) -> DeliveredFile {
    let path = cx.dir.join(&job.relative);
    let outcome = match existing(cx, &job, &path).await {
        Ok(Some(done)) => Ok((done, FileOutcome::Skipped)),
        Ok(None) => fetch(cx, &job, &path).await.map(|done| {
            let outcome = match done.resumed {
                true => FileOutcome::Resumed,
                false => FileOutcome::Downloaded,
            };
            (done, outcome)
        }),
        Err(error) => Err(error),
    };
    let (bytes, sha256, outcome) = match outcome {
        Ok((done, outcome)) => (done.bytes, Some(done.sha256), outcome),
        Err(error) => (0, None, FileOutcome::Failed(error)),
    };
    cx.progress
        .file(&job.relative, &path, bytes, None, Some(outcome.name()));
    DeliveredFile {
        item: job.item,
        asset: job.asset,
        path,
        bytes,
        sha256,
        outcome,
    }
}

/// What is at the final name already: `Some` when it is this asset's
/// complete file as an earlier run recorded it (size and SHA-256 read from
/// the file); `None` when there is nothing, or something this run may
/// replace; an error when something is there that must be kept.
async fn existing(cx: &Context<'_, '_>, job: &Job, path: &Path) -> Result<Option<Done>> {
    item_dir(path)?;
    let metadata = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("read", path, e)),
        Ok(metadata) => metadata,
    };
    if !metadata.is_file() {
        return match cx.overwrite && metadata.is_symlink() {
            // The rename replaces the link itself, never its target.
            true => Ok(None),
            false => Err(kept(
                path,
                "is a link or not a regular file; it is neither followed nor replaced",
            )),
        };
    }
    let recorded = cx
        .manifest
        .get(&job.relative)
        .filter(|e| e.complete && same_asset(e, job) && e.bytes == metadata.len());
    if let Some(entry) = recorded {
        let (sha256, bytes) = hash_file(path).await?;
        if Some(&sha256) == entry.sha256.as_ref() {
            let stale = job
                .declared
                .iter()
                .any(|d| d.algorithm == checksum::Algorithm::Sha256 && checksum::hex(&d.digest) != sha256);
            // An unchanged file of ours whose asset changed on the server is replaced.
            if !stale {
                cx.progress.file(&job.relative, path, bytes, Some(bytes), None);
                return Ok(Some(Done {
                    bytes,
                    sha256,
                    resumed: false,
                }));
            }
            return Ok(None);
        }
    }
    match cx.overwrite {
        true => Ok(None),
        false => Err(kept(
            path,
            "exists and is not this asset's file as a delivery recorded it; kept as it is (overwrite replaces it)",
        )),
    }
}

/// The error for a file at the final name that is kept.
fn kept(path: &Path, why: &str) -> Error {
    Error::io(
        "write",
        path,
        std::io::Error::new(std::io::ErrorKind::AlreadyExists, why.to_string()),
    )
}

/// Makes the item's directory; refuses one that is a link or a file.
fn item_dir(path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .expect("a file of a delivery is in an item's directory");
    match std::fs::symlink_metadata(dir) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(Error::io(
            "write in",
            dir,
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "not a directory (a link is not followed)",
            ),
        )),
        Err(_) => std::fs::create_dir(dir).map_err(|e| Error::io("create the directory", dir, e)),
    }
}

fn same_asset(entry: &Entry, job: &Job) -> bool {
    entry.item == job.item.as_str()
        && entry.asset == job.asset
        && entry.asset_id.as_deref() == job.asset_id.as_ref().map(|a| a.as_str())
}

/// The SHA-256 and size of the file at `path`, read in [`BUFFER`]s.
async fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io("read", path, e))?;
    let mut hashers = Hashers::new(&[]);
    let bytes = feed(&mut file, u64::MAX, &mut hashers, path).await?;
    let sha256 = hashers.verify(&[]).expect("no checks");
    Ok((sha256, bytes))
}

/// Feeds at most `limit` bytes of `file` to `hashers`; answers how many.
async fn feed(file: &mut tokio::fs::File, limit: u64, hashers: &mut Hashers, path: &Path) -> Result<u64> {
    let mut buffer = vec![0; BUFFER];
    let mut read = 0u64;
    while read < limit {
        let want = (limit - read).min(BUFFER as u64) as usize;
        let n = file
            .read(&mut buffer[..want])
            .await
            .map_err(|e| Error::io("read", path, e))?;
        if n == 0 {
            break;
        }
        hashers.update(&buffer[..n]);
        read += n as u64;
    }
    Ok(read)
}

/// Where partial data of `path` lives: beside it, under a name no delivered
/// file can have (a leading dot).
fn partial_path(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.up42-part"))
}

/// Why an attempt ended, and what the next one does.
enum Next {
    /// Try again from the partial data.
    Retry,
    /// The URL expired: sign it again, then try.
    Resign,
    /// The server cannot serve from the partial data's end: start over.
    Restart,
    /// Give up on this file.
    Fail,
}

/// Attempts until the file is complete, or the tries are spent: each one
/// from where the partial data ends. Tries that make progress do not count
/// against the client's retry policy's attempts (a long file on a flaky
/// link gets there), up to [`MAX_ATTEMPTS`].
async fn fetch(cx: &Context<'_, '_>, job: &Job, path: &Path) -> Result<Done> {
    let policy = cx.client.toolkit().request_policy().clone();
    let partial = partial_path(path);
    let mut signed = job.signed.clone();
    let (mut failed_in_a_row, mut attempts) = (0u32, 0u32);
    loop {
        attempts += 1;
        let url = match signed.clone() {
            Some(url) => url,
            None => sign(cx.client, job).await?,
        };
        let Failed {
            error,
            progressed,
            last,
        } = match attempt(cx, job, &url, path, &partial).await {
            Ok(done) => return Ok(done),
            Err(failed) => failed,
        };
        failed_in_a_row = if progressed { 1 } else { failed_in_a_row + 1 };
        let next = match last {
            true => Next::Fail,
            false => next_step(&error, job),
        };
        if matches!(next, Next::Fail)
            || failed_in_a_row > policy.retry.attempts().max(3)
            || attempts >= MAX_ATTEMPTS
        {
            return Err(error);
        }
        match next {
            Next::Resign => signed = None,
            Next::Restart => forget_partial(cx, job, &partial)?,
            Next::Retry | Next::Fail => {}
        }
        let delay = policy.retry.delay(failed_in_a_row, error.retry_after());
        tracing::info!(%error, file = %job.relative, attempt = attempts, ?delay, "a file of a delivery failed part-way; trying again");
        tokio::time::sleep(delay).await;
    }
}

/// What to do after `error`, an error worth thinking about again.
fn next_step(error: &Error, job: &Job) -> Next {
    match (error.kind(), error.status().map(|s| s.as_u16())) {
        (ErrorKind::Api, Some(416)) => Next::Restart,
        // S3 answers an expired signature 403, Google Cloud Storage 400.
        (ErrorKind::Api, Some(400 | 401 | 403)) if job.asset_id.is_some() => Next::Resign,
        // A body cut short: by the network, or by the server.
        (ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::MalformedResponse, _) => Next::Retry,
        _ if error.is_retryable() => Next::Retry,
        _ => Next::Fail,
    }
}

/// An attempt that did not complete the file.
struct Failed {
    error: Error,
    /// It added to the partial data.
    progressed: bool,
    /// Another attempt would end the same (the bytes failed a check, the
    /// file is over the size limit, a local file cannot be written).
    last: bool,
}

impl Failed {
    fn last(error: Error) -> Failed {
        Failed {
            error,
            progressed: false,
            last: true,
        }
    }

    fn again(error: Error, progressed: bool) -> Failed {
        Failed {
            error,
            progressed,
            last: false,
        }
    }
}

/// A signed URL for `job`'s asset, or its href.
async fn sign(client: &Client, job: &Job) -> Result<Url> {
    let url = match &job.asset_id {
        Some(asset) => client.storage().download_url(asset.clone()).await?.url,
        None => job.href.clone(),
    };
    Url::parse(&url).map_err(|e| Error::invalid_argument("href", format!("`{url}` is not a URL ({e})")))
}

/// Removes partial data and its entry: the next attempt starts over.
fn forget_partial(cx: &Context<'_, '_>, job: &Job, partial: &Path) -> Result<()> {
    match std::fs::remove_file(partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io("remove", partial, e)),
        _ => {}
    }
    cx.manifest.set(&job.relative, None)
}

/// Where partial data of `job` begins again: its length and the validator
/// it was written under, when the manifest vouches for it; else nothing
/// (stale partial data is dropped).
fn resume_point(cx: &Context<'_, '_>, job: &Job, partial: &Path) -> Result<(u64, Option<String>)> {
    let entry = cx
        .manifest
        .get(&job.relative)
        .filter(|e| !e.complete && same_asset(e, job));
    let length = std::fs::symlink_metadata(partial)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    match (entry.and_then(|e| e.validator), length) {
        (Some(validator), Some(length)) if length > 0 => Ok((length, Some(validator))),
        (_, None) => Ok((0, None)),
        _ => {
            forget_partial(cx, job, partial)?;
            Ok((0, None))
        }
    }
}

/// One attempt: fetch from where the partial data ends (all of the file if
/// there is none or the server sends all), append, verify, rename.
async fn attempt(
    cx: &Context<'_, '_>,
    job: &Job,
    url: &Url,
    path: &Path,
    partial: &Path,
) -> std::result::Result<Done, Failed> {
    let (offset, validator) = resume_point(cx, job, partial).map_err(Failed::last)?;
    let mut download = Download::get_from(cx.client.toolkit(), url.as_str(), offset, validator.as_deref())
        .await
        .map_err(|e| Failed::again(e, false))?;
    let start = download.start();
    let entry = record_partial(cx, job, download.validator()).map_err(Failed::last)?;
    let mut expected = job.declared.clone();
    expected.extend(checksum::announced(download.headers(), start == 0));
    let mut hashers = Hashers::new(&expected);
    let file = open_partial(partial, start, &mut hashers)
        .await
        .map_err(Failed::last)?;
    let written = write_body(cx, job, path, partial, &mut download, file, &mut hashers).await?;
    let bytes = start + written;
    let sha256 = verify(cx, job, url, partial, bytes, hashers, &expected)?;
    std::fs::rename(partial, path)
        .map_err(|e| Failed::last(Error::io("rename the finished file to", path, e)))?;
    let complete = Entry {
        bytes,
        sha256: Some(sha256.clone()),
        complete: true,
        ..entry
    };
    cx.manifest
        .set(&job.relative, Some(complete))
        .map_err(Failed::last)?;
    Ok(Done {
        bytes,
        sha256,
        resumed: start > 0,
    })
}

/// Records partial data of `job` under the answer's `validator` before the
/// first byte, so that a stop at any point can resume; a resume under the
/// same validator has nothing new to record.
fn record_partial(cx: &Context<'_, '_>, job: &Job, validator: Option<&str>) -> Result<Entry> {
    let entry = Entry {
        item: job.item.to_string(),
        asset: job.asset.clone(),
        asset_id: job.asset_id.as_ref().map(ToString::to_string),
        bytes: 0,
        sha256: None,
        validator: validator.map(str::to_string),
        complete: false,
    };
    if cx.manifest.get(&job.relative).as_ref() != Some(&entry) {
        cx.manifest.set(&job.relative, Some(entry.clone()))?;
    }
    Ok(entry)
}

/// Appends the body to `file` (the partial data) as it arrives, hashing and
/// reporting it, then flushes it to disk; answers the bytes written. A body
/// cut short keeps what arrived, for the next attempt.
async fn write_body(
    cx: &Context<'_, '_>,
    job: &Job,
    path: &Path,
    partial: &Path,
    download: &mut Download<'_>,
    file: tokio::fs::File,
    hashers: &mut Hashers,
) -> std::result::Result<u64, Failed> {
    let (start, total) = (download.start(), download.file_size().or(job.declared_size));
    let limit = cx.client.toolkit().request_policy().max_download_size;
    let over_limit = limit.is_some_and(|limit| total.is_none_or(|total| total > limit));
    let mut out = BufWriter::with_capacity(BUFFER, file);
    let mut written = 0u64;
    let io = |e| Failed::last(Error::io("write", partial, e));
    loop {
        let chunk = match download.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(error) => {
                let kept = out.flush().await.is_ok() && written > 0;
                let too_large = over_limit && error.kind() == ErrorKind::MalformedResponse;
                return Err(match too_large {
                    true => Failed::last(error),
                    false => Failed::again(error, kept),
                });
            }
        };
        out.write_all(&chunk).await.map_err(io)?;
        hashers.update(&chunk);
        written += chunk.len() as u64;
        cx.progress
            .file(&job.relative, path, start + written, total, None);
    }
    out.flush().await.map_err(io)?;
    out.get_ref().sync_all().await.map_err(io)?;
    Ok(written)
}

/// Checks the finished partial data (`bytes` long) against the declared
/// size and every expected digest; answers its SHA-256. A mismatch removes
/// it: the next run fetches the file again.
fn verify(
    cx: &Context<'_, '_>,
    job: &Job,
    url: &Url,
    partial: &Path,
    bytes: u64,
    hashers: Hashers,
    expected: &[Expected],
) -> std::result::Result<String, Failed> {
    let checked = match job.declared_size.filter(|size| *size != bytes) {
        Some(size) => Err(format!(
            "its size is {bytes} bytes, not the {size} that file:size declares"
        )),
        None => hashers.verify(expected),
    };
    checked.or_else(|mismatch| {
        forget_partial(cx, job, partial).map_err(Failed::last)?;
        let reason = format!("the downloaded file does not match what storage declares: {mismatch}");
        Err(Failed::last(Error::corrupt_download(url, reason)))
    })
}

/// The partial data file, ready for bytes from `start` on: its first
/// `start` bytes fed to `hashers` when resuming (what an earlier attempt
/// wrote is checked with the rest), emptied otherwise.
async fn open_partial(partial: &Path, start: u64, hashers: &mut Hashers) -> Result<tokio::fs::File> {
    let io = |e| Error::io("write", partial, e);
    if start == 0 {
        // A new file, never through a link someone left at its name: what
        // is there goes (a link itself, not its target), and `create_new`
        // refuses to follow one that appears meanwhile.
        match tokio::fs::remove_file(partial).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
            _ => {}
        }
        let mut options = tokio::fs::OpenOptions::new();
        return options
            .write(true)
            .create_new(true)
            .open(partial)
            .await
            .map_err(io);
    }
    let mut file = tokio::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(partial)
        .await
        .map_err(io)?;
    let read = feed(&mut file, start, hashers, partial).await?;
    if read != start {
        let short = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "partial data got shorter");
        return Err(io(short));
    }
    file.set_len(start).await.map_err(io)?;
    file.seek(std::io::SeekFrom::Start(start)).await.map_err(io)?;
    Ok(file)
}
