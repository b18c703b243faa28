//! The file store: one JSON file per key under a private directory, written
//! atomically, and an advisory file lock per key that the OS releases when
//! its holder dies.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::{StoreKey, StoreLock, TokenStore};
use crate::error::Error;

/// The largest entry read: anything bigger is not ours.
const MAX_ENTRY: u64 = 64 * 1024;
/// The pause between two tries of a lock another process holds.
const LOCK_POLL: Duration = Duration::from_millis(10);

/// Tokens shared by the processes of one machine, in files.
///
/// Under [`default_location`](Self::default_location) (`$XDG_CACHE_HOME/up42`
/// or `~/.cache/up42` on Linux, the platform's cache directory elsewhere), or
/// a directory of your choice. On Unix the directory is created with mode
/// 0700 and each file with mode 0600; entries are written to a temporary file
/// and renamed over the old one, so a reader never sees half an entry. The
/// renewal lock is an advisory lock (`flock`) on a `.lock` file beside the
/// entry: a process killed while it holds the lock releases it at once.
///
/// ```no_run
/// use up42_auth::{Credentials, Up42Client, store::FileTokenStore};
///
/// # fn run() -> Result<(), up42_auth::Error> {
/// let client = Up42Client::builder()
///     .credentials(Credentials::discover()?)
///     .token_store(FileTokenStore::default_location()?)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    dir: PathBuf,
}

/// The error of a failed file operation: transient, since another try (or
/// another process) may succeed; the cache goes on without the store.
fn failed(action: &str, path: &Path, error: std::io::Error) -> Error {
    let message = format!("token store: cannot {action} `{}`: {error}", path.display());
    Error::token_source(true, std::io::Error::new(error.kind(), message))
}

impl FileTokenStore {
    /// The store in the platform's cache directory, `up42` below it.
    pub fn default_location() -> Result<FileTokenStore, Error> {
        match dirs::cache_dir() {
            Some(cache) => Ok(FileTokenStore::new(cache.join("up42"))),
            None => Err(Error::config(
                "no cache directory was found for the token store (HOME is not set); \
                 name one with `FileTokenStore::new(dir)`",
            )),
        }
    }

    /// The store in `dir`, created (mode 0700 on Unix) when first written.
    pub fn new(dir: impl Into<PathBuf>) -> FileTokenStore {
        FileTokenStore { dir: dir.into() }
    }

    /// The directory the entries are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry_path(&self, key: &StoreKey) -> PathBuf {
        self.dir.join(format!("{}.json", key.as_str()))
    }

    fn lock_path(&self, key: &StoreKey) -> PathBuf {
        self.dir.join(format!("{}.lock", key.as_str()))
    }

    /// Creates the directory, private to the user, if it is missing.
    fn ensure_dir(&self) -> Result<(), Error> {
        crate::private::create_dir(&self.dir).map_err(|e| failed("create the directory", &self.dir, e))
    }
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(Error::token_source(
            true,
            format!("token store: the file task failed: {e}"),
        ))
    })
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self, key: &StoreKey) -> Result<Option<Vec<u8>>, Error> {
        let path = self.entry_path(key);
        blocking(move || {
            let file = match File::open(&path) {
                Ok(file) => file,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(failed("read", &path, e)),
            };
            let mut bytes = Vec::new();
            file.take(MAX_ENTRY + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| failed("read", &path, e))?;
            Ok(Some(bytes))
        })
        .await
    }

    async fn save(&self, key: &StoreKey, entry: &[u8], _ttl: Duration) -> Result<(), Error> {
        let store = self.clone();
        let path = self.entry_path(key);
        let entry = entry.to_vec();
        blocking(move || {
            store.ensure_dir()?;
            crate::private::write_file(&store.dir, &path, &entry).map_err(|e| failed("write", &path, e))
        })
        .await
    }

    async fn remove(&self, key: &StoreKey) -> Result<(), Error> {
        let path = self.entry_path(key);
        blocking(move || match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(failed("remove", &path, e)),
            _ => Ok(()),
        })
        .await
    }

    async fn lock(&self, key: &StoreKey, wait: Duration) -> Result<Box<dyn StoreLock>, Error> {
        let store = self.clone();
        let path = self.lock_path(key);
        let file = blocking(move || {
            store.ensure_dir()?;
            let mut options = OpenOptions::new();
            options.create(true).truncate(false).write(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            options
                .open(&path)
                .map_err(|e| failed("open the lock file", &path, e))
        })
        .await?;
        let deadline = Instant::now() + wait;
        loop {
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => return Ok(Box::new(FileLock { file })),
                Err(fs4::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    tokio::time::sleep(LOCK_POLL).await;
                }
                Err(fs4::TryLockError::WouldBlock) => {
                    return Err(Error::token_source(
                        true,
                        format!("token store: another process held the renewal lock for over {wait:?}"),
                    ));
                }
                Err(fs4::TryLockError::Error(e)) => {
                    return Err(failed("lock", &self.lock_path(key), e));
                }
            }
        }
    }
}

/// A held file lock; closing the file releases it too.
struct FileLock {
    file: File,
}

#[async_trait]
impl StoreLock for FileLock {
    async fn release(self: Box<Self>) -> Result<(), Error> {
        fs4::FileExt::unlock(&self.file).map_err(|e| Error::token_source(true, e))
    }
}
