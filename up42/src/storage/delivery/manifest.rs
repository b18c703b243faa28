//! The manifest of a delivery directory: what earlier runs finished (each
//! file's asset, size, SHA-256 and the server's validator) and what they
//! left partial, so that a run skips, resumes or starts over; and the lock
//! that keeps two deliveries from writing into one directory at once.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The manifest's file name in the delivery directory: a leading dot, which
/// no delivered file name has.
pub(super) const MANIFEST: &str = ".up42-delivery.json";
/// The lock's file name.
const LOCK: &str = ".up42-delivery.lock";
/// The manifest's format.
const VERSION: u32 = 1;

/// What the manifest knows of one file, by its path in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Entry {
    /// The STAC item.
    pub(super) item: String,
    /// The asset's key in the item.
    pub(super) asset: String,
    /// The stored asset, for UP42's assets.
    pub(super) asset_id: Option<String>,
    /// Complete: the file's size. Partial: not used (the partial data's own
    /// length says how far it came).
    pub(super) bytes: u64,
    /// Complete: the file's SHA-256 in hex.
    pub(super) sha256: Option<String>,
    /// The `ETag` or `Last-Modified` of the answer that wrote it.
    pub(super) validator: Option<String>,
    /// Whether the file at the final name is complete; `false` while only
    /// partial data exists.
    pub(super) complete: bool,
}

/// The manifest as read.
#[derive(Deserialize)]
struct Stored {
    version: u32,
    files: BTreeMap<String, Entry>,
}

/// The manifest as written: the entries borrowed, not copied.
#[derive(Serialize)]
struct Storing<'a> {
    version: u32,
    files: &'a BTreeMap<String, Entry>,
}

/// An open manifest: read at the start, written through on every change.
/// Holds the directory's lock until dropped.
#[derive(Debug)]
pub(super) struct Manifest {
    dir: PathBuf,
    files: Mutex<BTreeMap<String, Entry>>,
    _lock: File,
}

impl Manifest {
    /// Opens the manifest of `dir`, creating the directory if needed and
    /// taking its lock. Fails when the directory cannot be made or written,
    /// or another delivery holds it. An unreadable manifest (damaged, of
    /// another version) is set aside: every file is then checked as new.
    pub(super) fn open(dir: &Path) -> Result<Manifest> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create the directory", dir, e))?;
        let lock_path = dir.join(LOCK);
        if std::fs::symlink_metadata(&lock_path).is_ok_and(|m| !m.is_file()) {
            let odd = std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "not a regular file (a link is not followed)",
            );
            return Err(Error::io("lock", &lock_path, odd));
        }
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io("write in", dir, e))?;
        match fs4::FileExt::try_lock(&lock) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let busy = std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    "another delivery is writing into this directory; wait for it to end",
                );
                return Err(Error::io("lock", &lock_path, busy));
            }
            Err(fs4::TryLockError::Error(e)) => return Err(Error::io("lock", &lock_path, e)),
        }
        let files = read(&dir.join(MANIFEST)).unwrap_or_default();
        Ok(Manifest {
            dir: dir.to_path_buf(),
            files: Mutex::new(files),
            _lock: lock,
        })
    }

    /// The path and entry of the asset `asset` of `item`, if an earlier run
    /// wrote (or began) it.
    pub(super) fn find(&self, item: &str, asset: &str) -> Option<(String, Entry)> {
        let files = self.files();
        let found = files.iter().find(|(_, e)| e.item == item && e.asset == asset);
        found.map(|(path, entry)| (path.clone(), entry.clone()))
    }

    /// The entry at `path`.
    pub(super) fn get(&self, path: &str) -> Option<Entry> {
        self.files().get(path).cloned()
    }

    /// Every path the manifest names.
    pub(super) fn paths(&self) -> Vec<String> {
        self.files().keys().cloned().collect()
    }

    /// Records `entry` at `path` (`None` forgets it) and writes the manifest.
    pub(super) fn set(&self, path: &str, entry: Option<Entry>) -> Result<()> {
        let mut files = self.files();
        match entry {
            Some(entry) => files.insert(path.to_string(), entry),
            None => files.remove(path),
        };
        let stored = Storing {
            version: VERSION,
            files: &files,
        };
        let json = serde_json::to_vec_pretty(&stored).expect("the manifest serializes");
        self.write(&json)
    }

    /// Writes the manifest atomically: a temporary file, flushed, renamed
    /// over it (which replaces a link there rather than following it).
    fn write(&self, json: &[u8]) -> Result<()> {
        let target = self.dir.join(MANIFEST);
        let io = |e| Error::io("write", &target, e);
        let mut temporary = tempfile::Builder::new()
            .prefix(".up42-delivery-")
            .tempfile_in(&self.dir)
            .map_err(io)?;
        temporary.write_all(json).map_err(io)?;
        temporary.as_file().sync_all().map_err(io)?;
        temporary.persist(&target).map_err(|e| io(e.error))?;
        Ok(())
    }

    fn files(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        // A panic elsewhere leaves the map whole: each change is one insert.
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The files of the manifest at `path`: `None` when there is none, or it is
/// not a regular file, or not one this version reads.
fn read(path: &Path) -> Option<BTreeMap<String, Entry>> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    if !metadata.is_file() {
        return None;
    }
    let stored: Stored = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    (stored.version == VERSION).then_some(stored.files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(item: &str) -> Entry {
        Entry {
            item: item.into(),
            asset: "image".into(),
            asset_id: Some("a1".into()),
            bytes: 3,
            sha256: Some("00".into()),
            validator: Some("\"e1\"".into()),
            complete: true,
        }
    }

    #[test]
    fn entries_survive_a_reopen_and_a_second_delivery_is_refused_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = Manifest::open(dir.path()).unwrap();
        manifest.set("i1/a.tif", Some(entry("i1"))).unwrap();
        let busy = Manifest::open(dir.path()).unwrap_err();
        assert_eq!(busy.kind(), crate::ErrorKind::Io);
        assert!(busy.to_string().contains("another delivery"), "{busy}");
        drop(manifest);

        let again = Manifest::open(dir.path()).unwrap();
        assert_eq!(again.find("i1", "image").unwrap().0, "i1/a.tif");
        assert_eq!(again.get("i1/a.tif"), Some(entry("i1")));
        again.set("i1/a.tif", None).unwrap();
        assert!(again.paths().is_empty());
    }

    #[test]
    fn a_damaged_manifest_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MANIFEST), b"{not json").unwrap();
        let manifest = Manifest::open(dir.path()).unwrap();
        assert!(manifest.paths().is_empty());
    }
}
