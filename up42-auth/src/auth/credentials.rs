//! Username and password: given explicitly, from the environment, or from the
//! `~/.up42/credentials.json` file.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::error::Error;

/// Environment variable holding the username (the account's e-mail address).
pub const USERNAME_ENV: &str = "UP42_USERNAME";
/// Environment variable holding the password.
pub const PASSWORD_ENV: &str = "UP42_PASSWORD";
/// The largest credentials file read (64 KiB); a real one is under 200 bytes.
const MAX_FILE_SIZE: u64 = 64 * 1024;

/// An UP42 username and password.
///
/// The password is held in a [`SecretString`]: zeroized on drop and shown as
/// `..redacted..` by `Debug`.
///
/// ```
/// use up42_auth::Credentials;
///
/// let creds = Credentials::new("me@example.com", "pa&ss=word");
/// assert_eq!(creds.username(), "me@example.com");
/// assert!(!format!("{creds:?}").contains("pa&ss"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    username: String,
    password: SecretString,
}

#[derive(Deserialize)]
struct CredentialsFile {
    username: Option<String>,
    password: Option<SecretString>,
}

impl Credentials {
    /// Credentials given explicitly.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            password: SecretString::from(password.into()),
        }
    }

    /// Reads `UP42_USERNAME` and `UP42_PASSWORD`.
    ///
    /// Fails with [`ErrorKind::CredentialsMissing`](crate::ErrorKind::CredentialsMissing) when either is unset or empty.
    pub fn from_env() -> Result<Self, Error> {
        from_lookup(|name| std::env::var(name).ok())?
            .ok_or_else(|| Error::credentials_missing(vec![env_place()]))
    }

    /// Reads a JSON file of the form `{"username": "...", "password": "..."}`,
    /// the format of `~/.up42/credentials.json`.
    ///
    /// Only a regular file of at most 64 KiB is read: a FIFO, a device or a
    /// directory is refused before it is opened (so nothing can block the
    /// read). A symbolic link (a Kubernetes secret mount links into
    /// `..data/`) is followed to a regular file of the user's only. Every way the file can be unusable
    /// (missing, not a regular file, too large, empty, not JSON, a key missing
    /// or empty) is an [`ErrorKind::CredentialsFile`](crate::ErrorKind::CredentialsFile) naming the path and the
    /// problem; the file's content never appears in the error. On Unix, a file
    /// other users can read, or a directory they can write to, is warned about.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let problem = |problem: String| file_error(path, problem, None);
        let text = read_small_regular_file(path)?;
        if text.trim().is_empty() {
            return Err(problem("the file is empty".into()));
        }
        warn_if_shared(path);
        let file: CredentialsFile = serde_json::from_str(&text).map_err(|e| {
            problem(format!(
                "it is not valid JSON of that shape ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        let username = file.username.filter(|u| !u.trim().is_empty());
        let password = file.password.filter(|p| !p.expose_secret().is_empty());
        match (username, password) {
            (Some(username), Some(password)) => Ok(Credentials { username, password }),
            (None, _) => Err(problem("the key `username` is missing or empty".into())),
            (_, None) => Err(problem("the key `password` is missing or empty".into())),
        }
    }

    /// Writes the credentials to `path` (usually
    /// [`default_credentials_file`](crate::auth::default_credentials_file)) as
    /// [`from_file`](Self::from_file) reads them. On Unix the file gets mode
    /// 0600 and a missing directory mode 0700; the file is written to a
    /// temporary file and renamed, so a reader never sees half of it. A
    /// failure is an [`ErrorKind::CredentialsFile`](crate::ErrorKind::CredentialsFile)
    /// naming the path.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let failed =
            |e: std::io::Error| file_error(path, format!("it cannot be written ({})", e.kind()), Some(e));
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        crate::private::create_dir(dir).map_err(failed)?;
        let body = serde_json::json!({"username": self.username, "password": self.password.expose_secret()});
        crate::private::write_file(dir, path, body.to_string().as_bytes()).map_err(failed)
    }

    /// Removes a credentials file that [`save`](Self::save) wrote (usually
    /// [`default_credentials_file`](crate::auth::default_credentials_file)):
    /// `Ok(true)` when it was removed, `Ok(false)` when there was none. A
    /// symbolic link is removed, not the file it points to. A failure is an
    /// [`ErrorKind::CredentialsFile`](crate::ErrorKind::CredentialsFile)
    /// naming the path.
    pub fn forget(path: impl AsRef<Path>) -> Result<bool, Error> {
        let path = path.as_ref();
        match std::fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(file_error(
                path,
                format!("it cannot be removed ({})", e.kind()),
                Some(e),
            )),
        }
    }

    /// Looks for credentials where users keep them: first `UP42_USERNAME` and
    /// `UP42_PASSWORD`, then `~/.up42/credentials.json`.
    ///
    /// Fails with [`ErrorKind::CredentialsMissing`](crate::ErrorKind::CredentialsMissing) listing every place looked at
    /// when none has them, and with [`ErrorKind::CredentialsFile`](crate::ErrorKind::CredentialsFile) when the file
    /// exists but is unusable.
    pub fn discover() -> Result<Self, Error> {
        discover_with(|name| std::env::var(name).ok(), default_file().as_deref())
    }

    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password. Handle with care: never log it.
    pub fn password(&self) -> &str {
        self.password.expose_secret()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"..redacted..")
            .finish()
    }
}

/// `~/.up42/credentials.json`, if a home directory is known.
pub fn default_file() -> Option<PathBuf> {
    std::env::home_dir().map(|home| home.join(".up42").join("credentials.json"))
}

fn env_place() -> String {
    format!("environment variables {USERNAME_ENV}/{PASSWORD_ENV}")
}

/// Credentials from an environment lookup; `Ok(None)` when neither variable is set.
fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Credentials>, Error> {
    let username = lookup(USERNAME_ENV).filter(|v| !v.is_empty());
    let password = lookup(PASSWORD_ENV).filter(|v| !v.is_empty());
    match (username, password) {
        (Some(username), Some(password)) => Ok(Some(Credentials::new(username, password))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(Error::config(format!(
            "{USERNAME_ENV} is set but {PASSWORD_ENV} is not; set both or neither"
        ))),
        (None, Some(_)) => Err(Error::config(format!(
            "{PASSWORD_ENV} is set but {USERNAME_ENV} is not; set both or neither"
        ))),
    }
}

/// [`Credentials::discover`] with the environment and the file location given.
pub(crate) fn discover_with(
    lookup: impl Fn(&str) -> Option<String>,
    file: Option<&Path>,
) -> Result<Credentials, Error> {
    if let Some(creds) = from_lookup(lookup)? {
        return Ok(creds);
    }
    let mut searched = vec![env_place()];
    match file {
        // `symlink_metadata`: a link (even a dangling one) is found, and refused, by `from_file`.
        Some(path) if path.symlink_metadata().is_ok() => return Credentials::from_file(path),
        Some(path) => searched.push(format!("file {}", path.display())),
        None => searched.push("~/.up42/credentials.json (no home directory is known)".into()),
    }
    Err(Error::credentials_missing(searched))
}

/// An unusable credentials file: what is wrong (never its content), and the
/// I/O error behind it if there was one.
fn file_error(path: &Path, problem: String, source: Option<std::io::Error>) -> Error {
    Error::credentials_file(path.to_path_buf(), problem, source)
}

/// The text of `path` if it is a regular file of at most [`MAX_FILE_SIZE`].
fn read_small_regular_file(path: &Path) -> Result<String, Error> {
    let unreadable =
        |e: std::io::Error| file_error(path, format!("it cannot be read ({})", e.kind()), Some(e));
    let problem = |text: String| file_error(path, text, None);
    // Checked before opening: opening a FIFO would block, a link could point anywhere.
    let meta = path.symlink_metadata().map_err(unreadable)?;
    let linked = meta.file_type().is_symlink();
    // A link (a Kubernetes secret mount links into `..data/`) is followed to
    // a regular file of the user's only.
    let meta = match linked {
        true => path.metadata().map_err(unreadable)?,
        false => meta,
    };
    let not_regular = || problem("it is not a regular file (a directory, FIFO or device)".into());
    let check = |meta: &std::fs::Metadata| {
        if !meta.is_file() {
            return Err(not_regular());
        }
        #[cfg(unix)]
        if linked {
            use std::os::unix::fs::MetadataExt;
            let me = rustix::process::geteuid().as_raw();
            if meta.uid() != me {
                return Err(problem(format!(
                    "it is a symbolic link to a file of another user (uid {}); a linked credentials \
                     file must be your own",
                    meta.uid()
                )));
            }
        }
        Ok(())
    };
    check(&meta)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, rustix::fs::OFlags::NONBLOCK.bits() as i32);
    let file = options.open(path).map_err(unreadable)?;
    // Checked again on the open file, in case the path was swapped in between.
    check(&file.metadata().map_err(unreadable)?)?;
    if meta.len() > MAX_FILE_SIZE {
        return Err(problem(format!(
            "it is {} bytes long, more than the {MAX_FILE_SIZE} bytes a credentials file can be",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(problem(format!(
            "it is more than the {MAX_FILE_SIZE} bytes a credentials file can be"
        )));
    }
    String::from_utf8(bytes).map_err(|_| problem("it is not UTF-8 text".into()))
}

/// Warns when the credentials file can be read by other users, or its
/// directory written by them (they could replace the file).
#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format_args!("{:o}", mode & 0o777),
                "the credentials file is readable by other users; run `chmod 600` on it"
            );
        }
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(meta) = dir.and_then(|d| std::fs::metadata(d).ok()) {
        let mode = meta.permissions().mode();
        if mode & 0o022 != 0 {
            tracing::warn!(
                dir = %dir.unwrap_or(path).display(),
                mode = format_args!("{:o}", mode & 0o777),
                "the credentials file's directory is writable by other users, who could replace the file; \
                 run `chmod 700` on it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    /// `content` in `credentials.json` of a new private directory, removed
    /// when the guard is dropped.
    fn temp_file(content: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.json");
        std::fs::write(&path, content).unwrap();
        (dir, path)
    }

    #[test]
    fn environment_comes_first() {
        let (_dir, file) = temp_file(r#"{"username": "file@example.com", "password": "f"}"#);
        let creds = discover_with(
            env(&[(USERNAME_ENV, "env@example.com"), (PASSWORD_ENV, "e")]),
            Some(&file),
        )
        .unwrap();
        assert_eq!(creds.username(), "env@example.com");
        assert_eq!(creds.password(), "e");
    }

    #[test]
    fn file_is_used_without_environment() {
        let (_dir, file) = temp_file(r#"{"username": "file@example.com", "password": "p&=+% ü"}"#);
        let creds = discover_with(env(&[]), Some(&file)).unwrap();
        assert_eq!(creds.username(), "file@example.com");
        assert_eq!(creds.password(), "p&=+% ü");
    }

    #[test]
    fn nothing_found_lists_every_place() {
        let nowhere = tempfile::tempdir().unwrap();
        let missing = nowhere.path().join("credentials.json");
        let err = discover_with(env(&[]), Some(&missing)).unwrap_err();
        let msg = err.to_string();
        assert!(err.kind() == ErrorKind::CredentialsMissing);
        assert!(msg.contains("UP42_USERNAME/UP42_PASSWORD"), "{msg}");
        assert!(msg.contains(&missing.display().to_string()), "{msg}");
    }

    #[test]
    fn half_set_environment_is_explained() {
        let err = discover_with(env(&[(USERNAME_ENV, "me")]), None).unwrap_err();
        assert!(err.to_string().contains("UP42_PASSWORD is not"), "{err}");
    }

    #[test]
    fn unusable_files_are_explained_without_their_content() {
        let cases = [
            ("empty", "", "the file is empty"),
            ("blank", "  \n", "the file is empty"),
            ("not-json", "username=me password=hunter2", "not valid JSON"),
            (
                "no-password",
                r#"{"username": "me@example.com"}"#,
                "`password` is missing",
            ),
            (
                "empty-user",
                r#"{"username": "", "password": "hunter2"}"#,
                "`username` is missing",
            ),
            (
                "wrong-type",
                r#"{"username": "me", "password": 42}"#,
                "not valid JSON",
            ),
        ];
        for (name, content, expected) in cases {
            let (_dir, path) = temp_file(content);
            let err = Credentials::from_file(&path).unwrap_err();
            let msg = err.to_string();
            assert!(err.kind() == ErrorKind::CredentialsFile, "{name}: {msg}");
            assert!(msg.contains(expected), "{name}: {msg}");
            assert!(msg.contains(&path.display().to_string()), "{name}: {msg}");
            assert!(!msg.contains("hunter2"), "{name} leaks the password: {msg}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn only_small_regular_files_are_read() {
        let (_dir, real) = temp_file(r#"{"username": "me@example.com", "password": "hunter2"}"#);
        let dir = real.parent().unwrap().to_path_buf();
        let huge = dir.join("huge.json");
        std::fs::write(&huge, vec![b' '; 70 * 1024]).unwrap();
        let fifo = dir.join("fifo.json");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let fifo_link = dir.join("fifo-link.json");
        std::os::unix::fs::symlink(&fifo, &fifo_link).unwrap();
        let mut cases = vec![
            (huge, "more than the 65536 bytes"),
            (dir.clone(), "not a regular file"),
        ];
        if made.is_ok_and(|s| s.success()) {
            // Would block forever if it were opened, directly or through a link.
            cases.push((fifo, "not a regular file"));
            cases.push((fifo_link, "not a regular file"));
        }
        for (path, expected) in cases {
            let err = Credentials::from_file(&path).unwrap_err();
            assert!(err.to_string().contains(expected), "{}: {err}", path.display());
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_kubernetes_secret_mount_is_read_through_its_links() {
        // `credentials.json -> ..data/credentials.json`, `..data -> ..2026_12_06`.
        let mount = tempfile::tempdir().unwrap();
        let version = mount.path().join("..2026_12_06");
        std::fs::create_dir(&version).unwrap();
        std::fs::write(
            version.join("credentials.json"),
            r#"{"username": "me@example.com", "password": "hunter2"}"#,
        )
        .unwrap();
        std::os::unix::fs::symlink("..2026_12_06", mount.path().join("..data")).unwrap();
        let file = mount.path().join("credentials.json");
        std::os::unix::fs::symlink("..data/credentials.json", &file).unwrap();
        let credentials = Credentials::from_file(&file).unwrap();
        assert_eq!(credentials.username(), "me@example.com");
        let found = discover_with(env(&[]), Some(&file)).unwrap();
        assert_eq!(found.password(), "hunter2");
        // A link to another user's file (only root can make one here).
        if rustix::process::geteuid().is_root() {
            std::os::unix::fs::chown(version.join("credentials.json"), Some(65534), None).unwrap();
            let err = Credentials::from_file(&file).unwrap_err();
            assert!(err.to_string().contains("file of another user"), "{err}");
        }
        // A dangling link: unreadable, not "missing" (it was named).
        std::fs::remove_file(version.join("credentials.json")).unwrap();
        assert!(Credentials::from_file(&file).is_err());
    }

    #[test]
    fn debug_redacts_the_password() {
        let creds = Credentials::new("me@example.com", "hunter2");
        let shown = format!("{creds:?}");
        assert!(shown.contains("me@example.com"));
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn saved_credentials_read_back_from_a_private_file() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path().join("save");
        let path = dir.join("nested").join("credentials.json");
        let credentials = Credentials::new("me@example.com", "pa\"ss");
        credentials.save(&path).unwrap();
        let back = Credentials::from_file(&path).unwrap();
        assert_eq!((back.username(), back.password()), ("me@example.com", "pa\"ss"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&dir.join("nested")), 0o700);
        }
        // Under a file, not a directory: the credentials file's error, naming it.
        let blocked = path.join("credentials.json");
        let error = credentials.save(&blocked).unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::CredentialsFile);
        assert_eq!(error.path(), Some(blocked.as_path()));
        assert!(!error.to_string().contains("pa\"ss"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn forgotten_credentials_are_gone_and_forgetting_twice_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.json");
        Credentials::new("someone@example.com", "pw").save(&path).unwrap();
        assert!(Credentials::forget(&path).unwrap());
        assert!(!path.exists());
        assert!(!Credentials::forget(&path).unwrap());
        // A directory in its place is an error naming the path.
        std::fs::create_dir(&path).unwrap();
        let error = Credentials::forget(&path).unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::CredentialsFile);
        assert!(error.to_string().contains("credentials.json"), "{error}");
    }
}
