//! Files only their owner may read: a directory created with mode 0700 and
//! files written with mode 0600, atomically (a temporary file in the same
//! directory, renamed over the target). The credentials file and the file
//! token store use them.

use std::io::Write;
use std::path::Path;

/// Creates `dir` and its missing parents, with mode 0700 on Unix; an
/// existing directory is left as it is.
pub(crate) fn create_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes `bytes` to `path` in `dir` through a temporary file (mode 0600 on
/// Unix, as tempfile creates it), flushed to disk, then renamed over `path`.
pub(crate) fn write_file(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temporary = tempfile::Builder::new().prefix(".up42-").tempfile_in(dir)?;
    temporary.write_all(bytes)?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}
