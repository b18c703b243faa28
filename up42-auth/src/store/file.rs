//! The file store: one file per key under a private directory, written
//! atomically, and an advisory file lock per key that the OS releases when
//! its holder dies. Files are opened without following links and without
//! blocking, and used only if they, and the directory, belong to the user
//! and no one else may write them.

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
/// On Unix the store trusts nothing it did not make: a directory that
/// belongs to another user or that others may write, an entry or lock that
/// is a link, a FIFO, a device or another user's file, makes the store
/// unavailable (a warning; calls go on without it). Files are opened with
/// `O_NOFOLLOW | O_NONBLOCK`, so none of them can hang a call.
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
    Error::store(
        true,
        format!("cannot {action} `{}`", path.display()),
        Some(Box::new(error)),
    )
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

    /// Creates the directory, private to the user, if it is missing, and
    /// checks that it is the user's alone.
    fn ensure_dir(&self) -> Result<(), Error> {
        crate::private::create_dir(&self.dir).map_err(|e| failed("create the directory", &self.dir, e))?;
        self.check_dir()
    }

    /// Whether the directory, if there is one, is the user's alone.
    fn check_dir(&self) -> Result<(), Error> {
        match std::fs::metadata(&self.dir) {
            Ok(metadata) => trusted(&self.dir, &metadata, Kind::Directory),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(failed("inspect", &self.dir, e)),
        }
    }
}

/// What a path of the store must be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Directory,
    File,
}

/// Whether `metadata` is of a `kind` the user owns and no one else may
/// write (nor, for a file, read); the error says what is wrong and what to do.
#[cfg(unix)]
fn trusted(path: &Path, metadata: &std::fs::Metadata, kind: Kind) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;
    let problem = if kind == Kind::Directory && !metadata.is_dir() {
        Some("is not a directory".to_string())
    } else if kind == Kind::File && !metadata.file_type().is_file() {
        Some("is not a regular file (a FIFO, a device or a link?)".to_string())
    } else if metadata.uid() != rustix::process::geteuid().as_raw() {
        Some(format!("belongs to another user (uid {})", metadata.uid()))
    } else {
        let others = match kind {
            Kind::Directory => 0o022,
            Kind::File => 0o077,
        };
        (metadata.mode() & others != 0)
            .then(|| format!("is open to others (mode {:o})", metadata.mode() & 0o777))
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(Error::store(
            false,
            format!(
                "`{}` {problem}; the store is not used. Remove it, or name a private directory \
                 with `FileTokenStore::new(dir)`",
                path.display()
            ),
            None,
        )),
    }
}

#[cfg(not(unix))]
fn trusted(path: &Path, metadata: &std::fs::Metadata, kind: Kind) -> Result<(), Error> {
    let right = match kind {
        Kind::Directory => metadata.is_dir(),
        Kind::File => metadata.is_file(),
    };
    match right {
        true => Ok(()),
        false => Err(Error::store(
            false,
            format!("`{}` is not what the store made; it is not used", path.display()),
            None,
        )),
    }
}

/// Whether opening failed because the path is a link (`ELOOP` under
/// `O_NOFOLLOW`) or a FIFO or device that cannot be opened so (`ENXIO`).
fn is_not_a_file(error: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        let code = error.raw_os_error();
        code == Some(rustix::io::Errno::LOOP.raw_os_error())
            || code == Some(rustix::io::Errno::NXIO.raw_os_error())
    }
    #[cfg(not(unix))]
    {
        let _ = error;
        false
    }
}

/// Opens a file of the store without following a link or blocking (a FIFO),
/// and checks it is the user's alone.
fn open(path: &Path, options: &mut OpenOptions) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        options
            .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32)
            .mode(0o600);
    }
    options.open(path)
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(Error::store(true, "the file task failed", Some(Box::new(e)))))
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self, key: &StoreKey) -> Result<Option<Vec<u8>>, Error> {
        let store = self.clone();
        let path = self.entry_path(key);
        blocking(move || {
            store.check_dir()?;
            let file = match open(&path, OpenOptions::new().read(true)) {
                Ok(file) => file,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                // A link (`O_NOFOLLOW`), or a FIFO without writer: replaced by the next save.
                Err(e) if is_not_a_file(&e) => {
                    tracing::warn!(path = %path.display(), error = %e, "ignoring the token store's entry; the next renewal replaces it");
                    return Ok(None);
                }
                Err(e) => return Err(failed("read", &path, e)),
            };
            let metadata = file.metadata().map_err(|e| failed("inspect", &path, e))?;
            if let Err(error) = trusted(&path, &metadata, Kind::File) {
                // In the user's own directory: replaced by the next save.
                tracing::warn!(%error, "ignoring the token store's entry; the next renewal replaces it");
                return Ok(None);
            }
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

    async fn lock(&self, key: &StoreKey, wait: Duration) -> Result<Option<Box<dyn StoreLock>>, Error> {
        let store = self.clone();
        let path = self.lock_path(key);
        let file = blocking(move || {
            store.ensure_dir()?;
            let file = open(
                &path,
                OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .read(true)
                    .write(true),
            )
            .map_err(|e| failed("open the lock file", &path, e))?;
            let metadata = file.metadata().map_err(|e| failed("inspect", &path, e))?;
            trusted(&path, &metadata, Kind::File)?;
            Ok(file)
        })
        .await?;
        let deadline = Instant::now() + wait;
        let path = self.lock_path(key);
        let mut checked = false;
        loop {
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => {
                    // The holder's deadline, for waiters to judge a stopped holder by.
                    write_deadline(&file).map_err(|e| failed("write the lock file", &path, e))?;
                    return Ok(Some(Box::new(FileLock { file })));
                }
                Err(fs4::TryLockError::WouldBlock) if !std::mem::replace(&mut checked, true) => {
                    if read_deadline(&file).is_some_and(super::past_deadline) {
                        return Err(super::abandoned_lock("is held past its holder's deadline"));
                    }
                }
                Err(fs4::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    tokio::time::sleep(LOCK_POLL).await;
                }
                Err(fs4::TryLockError::WouldBlock) => return Ok(None),
                Err(fs4::TryLockError::Error(e)) => {
                    return Err(failed("lock", &self.lock_path(key), e));
                }
            }
        }
    }
}

/// Writes the holder's deadline into the lock file it holds.
fn write_deadline(file: &File) -> std::io::Result<()> {
    use std::io::{Seek, Write};
    let mut file = file;
    file.set_len(0)?;
    file.seek(std::io::SeekFrom::Start(0))?;
    file.write_all(super::holder_deadline().to_string().as_bytes())
}

/// The deadline the lock's holder wrote; `None` before it wrote one.
fn read_deadline(file: &File) -> Option<u64> {
    use std::io::Seek;
    let mut file = file;
    let mut text = String::new();
    file.seek(std::io::SeekFrom::Start(0)).ok()?;
    file.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// A held file lock; closing the file releases it too.
struct FileLock {
    file: File,
}

#[async_trait]
impl StoreLock for FileLock {
    async fn release(self: Box<Self>) -> Result<(), Error> {
        fs4::FileExt::unlock(&self.file)
            .map_err(|e| Error::store(true, "cannot release the lock", Some(Box::new(e))))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn key() -> StoreKey {
        StoreKey::plain("https://auth.example/token", "c", "me")
    }

    fn mkfifo(path: &Path) {
        rustix::fs::mknodat(
            rustix::fs::CWD,
            path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
    }

    #[tokio::test]
    async fn special_files_neither_hang_nor_get_created() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("up42"));
        store
            .save(&key(), b"entry", Duration::from_secs(60))
            .await
            .unwrap();
        // A FIFO at the entry: ignored (and replaced by the next save), at once.
        let entry = store.entry_path(&key());
        std::fs::remove_file(&entry).unwrap();
        mkfifo(&entry);
        assert_eq!(store.load(&key()).await.unwrap(), None);
        store
            .save(&key(), b"entry", Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(store.load(&key()).await.unwrap().as_deref(), Some(&b"entry"[..]));
        // A link at the entry: not followed.
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, b"not an entry").unwrap();
        std::fs::remove_file(&entry).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &entry).unwrap();
        assert_eq!(store.load(&key()).await.unwrap(), None);
        // A FIFO at the lock: an error at once, not a hang.
        let lock = store.lock_path(&key());
        mkfifo(&lock);
        assert!(store.lock(&key(), Duration::ZERO).await.is_err());
        // A link at the lock: the file it points to is not created.
        std::fs::remove_file(&lock).unwrap();
        let victim = dir.path().join("victim");
        std::os::unix::fs::symlink(&victim, &lock).unwrap();
        assert!(store.lock(&key(), Duration::ZERO).await.is_err());
        assert!(!victim.exists());
    }

    #[tokio::test]
    async fn a_directory_others_may_write_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
        let store = FileTokenStore::new(&shared);
        let refused = store.load(&key()).await.unwrap_err();
        assert_eq!(refused.kind(), crate::ErrorKind::Store);
        assert!(!refused.is_retryable());
        assert!(
            refused.to_string().contains("open to others (mode 777)"),
            "{refused}"
        );
        assert!(
            store
                .save(&key(), b"entry", Duration::from_secs(60))
                .await
                .is_err()
        );
        assert!(store.lock(&key(), Duration::ZERO).await.is_err());
        // Another user's directory (only root can make one here).
        if rustix::process::geteuid().is_root() {
            std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o700)).unwrap();
            std::os::unix::fs::chown(&shared, Some(65534), None).unwrap();
            let refused = store.load(&key()).await.unwrap_err();
            assert!(
                refused.to_string().contains("belongs to another user"),
                "{refused}"
            );
        }
        // An entry others may read is ignored, then replaced by a private one.
        let private = FileTokenStore::new(dir.path().join("private"));
        private
            .save(&key(), b"entry", Duration::from_secs(60))
            .await
            .unwrap();
        let entry = private.entry_path(&key());
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(private.load(&key()).await.unwrap(), None);
        private
            .save(&key(), b"entry", Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(
            std::fs::metadata(&entry).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
