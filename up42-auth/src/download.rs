//! Downloads that do not buffer: a response's body streamed to a file in
//! chunks, through a temporary file renamed into place only when complete,
//! with progress reports; and signed URLs fetched without the token.

use std::fmt;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncWriteExt, BufWriter};
use url::Url;

use crate::authenticated::Authenticated;
use crate::endpoint::{Endpoint, Paging, Request, Retry, send_to};
use crate::error::{Error, Operation, Timing, display_url};

/// How much of a download is buffered before it is written: memory stays at
/// this, whatever the file's size.
const WRITE_BUFFER: usize = 1024 * 1024;

/// How far a download has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes written so far.
    pub bytes: u64,
    /// The size of the whole file, when the server said it (`Content-Length`).
    pub total: Option<u64>,
}

/// A download: the body of an answer, written to a file as it arrives.
///
/// Make one from the answer of a `raw` endpoint ([`Download::new`]), or from
/// a URL ([`Download::get`]): a signed URL from UP42's
/// `POST /v2/assets/{id}/download-url` is on a storage host, so it is fetched
/// without the token.
///
/// ```no_run
/// use serde::Deserialize;
/// use up42_auth::{Download, Error, Up42Client, up42_endpoint};
///
/// #[derive(Deserialize)]
/// pub struct SignedUrl {
///     pub url: String,
/// }
///
/// #[up42_endpoint(POST, "/v2/assets/{asset_id}/download-url")]
/// pub async fn download_url(client: &Up42Client, asset_id: &str) -> Result<SignedUrl, Error>;
///
/// # async fn run(client: Up42Client) -> Result<(), Error> {
/// let signed = download_url(&client, "asset-id").await?;
/// let bytes = Download::get(&client, &signed.url)
///     .await?
///     .progress(|p| eprint!("\r{} of {:?} bytes", p.bytes, p.total))
///     .to_file("scene.tif")
///     .await?;
/// println!("\n{bytes} bytes written");
/// # Ok(()) }
/// ```
///
/// For the body as a stream of chunks instead, take the response back with
/// [`into_response`](Self::into_response) and call its `bytes_stream()`.
pub struct Download<'a> {
    response: reqwest::Response,
    progress: Option<Box<dyn FnMut(Progress) + Send + 'a>>,
}

/// A download URL on the API's origin: the token goes with it.
static ON_API: Endpoint = download_endpoint(false);
/// A download URL elsewhere (a storage host): no token.
static ELSEWHERE: Endpoint = download_endpoint(true);

const fn download_endpoint(public: bool) -> Endpoint {
    Endpoint {
        method: reqwest::Method::GET,
        template: None,
        function: "Download::get",
        path: &[],
        public,
        retry: Retry::IfIdempotent,
        raw: true,
        paging: Paging::None,
        timeout: None,
        content_type: None,
    }
}

impl<'a> Download<'a> {
    /// A download of `response`'s body: the answer of a `raw` endpoint.
    pub fn new(response: reqwest::Response) -> Self {
        Download {
            response,
            progress: None,
        }
    }

    /// Sends a `GET` for `url` and gets ready to download the answer. The
    /// bearer token goes with it only if `url` is on the API's origin: a
    /// signed URL on a storage host gets no `Authorization` header (it would
    /// hand the token to a third party), nor do the hosts it redirects to.
    /// The status is checked and transient failures retried, as for any call;
    /// the body is bounded by the read timeout only.
    pub async fn get(client: &(impl Authenticated + ?Sized), url: &str) -> Result<Download<'a>, Error> {
        let url = Url::parse(url).map_err(|e| {
            Error::invalid_argument(
                "url".to_string(),
                format!("`{}` is not a URL ({e})", crate::error::display_url_text(url)),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::invalid_argument(
                "url".to_string(),
                format!("`{}` is not an http(s) URL", display_url(&url)),
            ));
        }
        let endpoint = match crate::redirect::same_origin(&url, client.api_url()) {
            true => &ON_API,
            false => &ELSEWHERE,
        };
        let response = send_to(client, &Request::new(endpoint), url).await?;
        Ok(Download::new(response))
    }

    /// Calls `report` after each chunk written, with the bytes so far and
    /// the total when known.
    pub fn progress(mut self, report: impl FnMut(Progress) + Send + 'a) -> Self {
        self.progress = Some(Box::new(report));
        self
    }

    /// The size of the file, when the server said it.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The response, body unread: `bytes_stream()` gives its chunks as they arrive.
    pub fn into_response(self) -> reqwest::Response {
        self.response
    }

    /// Writes the body to `path` as it arrives and returns its size. Memory
    /// stays flat (a 1 MiB write buffer) whatever the size. The bytes go to
    /// a temporary file in the same directory, which is flushed to disk and
    /// renamed to `path` only when the body is complete: a failed download
    /// leaves no partial file at `path` (an existing one is replaced only on
    /// success), and the temporary file is removed, also when the future is
    /// dropped (a timeout, Ctrl-C handled by the program). The file is
    /// created readable and writable by its owner only.
    ///
    /// A link is followed: its target is replaced, the link stays. A path
    /// that is not a regular file (a FIFO, a device, `/dev/stdout`) is
    /// written directly, never replaced by a file.
    pub async fn to_file(self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let given = path.as_ref();
        let is_link = std::fs::symlink_metadata(given).is_ok_and(|m| m.file_type().is_symlink());
        // A dangling link is replaced like a missing file.
        let resolved = match is_link {
            true => std::fs::canonicalize(given).ok(),
            false => None,
        };
        let path = resolved.as_deref().unwrap_or(given);
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => {
                let error =
                    std::io::Error::new(std::io::ErrorKind::IsADirectory, "a directory; name a file in it");
                return Err(io_error("write", given)(error));
            }
            Ok(metadata) if !metadata.is_file() => {
                let file = tokio::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .await
                    .map_err(io_error("open", given))?;
                let mut out = BufWriter::with_capacity(WRITE_BUFFER, file);
                return self.copy_to(&mut out, given).await;
            }
            _ => {}
        }
        let io = |action| io_error(action, path);
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let temporary = tempfile::Builder::new()
            .prefix(".up42-download-")
            .tempfile_in(&dir)
            .map_err(io("create a temporary file next to"))?;
        let file = temporary
            .as_file()
            .try_clone()
            .map_err(io("create a temporary file next to"))?;
        let mut out = BufWriter::with_capacity(WRITE_BUFFER, tokio::fs::File::from_std(file));
        let bytes = self.copy_to(&mut out, path).await?;
        out.get_ref().sync_all().await.map_err(io("write"))?;
        drop(out);
        temporary
            .persist(path)
            .map_err(|e| io("rename the finished download to")(e.error))?;
        Ok(bytes)
    }

    /// Writes the body to `out` as it arrives (standard output, a socket, a
    /// buffer) and returns its size; `out` is flushed at the end. An error
    /// while writing names `name` (`stdout`, say).
    ///
    /// ```no_run
    /// # async fn run(download: up42_auth::Download<'_>) -> Result<(), up42_auth::Error> {
    /// let bytes = download.to_writer(&mut tokio::io::stdout(), "stdout").await?;
    /// eprintln!("{bytes} bytes");
    /// # Ok(()) }
    /// ```
    pub async fn to_writer<W: tokio::io::AsyncWrite + Unpin>(
        self,
        out: &mut W,
        name: &str,
    ) -> Result<u64, Error> {
        self.copy_to(out, Path::new(name)).await
    }

    /// Copies the body into `out`, reporting progress; checks that it is
    /// complete, then flushes `out`.
    async fn copy_to<W: AsyncWriteExt + Unpin>(mut self, out: &mut W, path: &Path) -> Result<u64, Error> {
        let url = self.response.url().clone();
        let total = self.response.content_length();
        let timing = self.response.extensions().get::<Timing>().copied();
        let mut bytes = 0u64;
        loop {
            let chunk = self
                .response
                .chunk()
                .await
                .map_err(|e| Error::transport(Operation::ApiRequest, &url, e).timed(timing.as_ref()))?;
            let Some(chunk) = chunk else { break };
            out.write_all(&chunk).await.map_err(io_error("write", path))?;
            bytes += chunk.len() as u64;
            if let Some(report) = &mut self.progress {
                report(Progress { bytes, total });
            }
        }
        if let Some(total) = total.filter(|total| *total != bytes) {
            return Err(Error::malformed(
                Operation::ApiRequest,
                display_url(&url),
                self.response.status(),
                format!("the body ended after {bytes} of the {total} bytes announced"),
                String::new(),
            ));
        }
        out.flush().await.map_err(io_error("write", path))?;
        Ok(bytes)
    }
}

/// The error for a failed file operation on `path`.
fn io_error<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(std::io::Error) -> Error + 'p {
    move |source| Error::io(action, path.to_path_buf(), source)
}

impl fmt::Debug for Download<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("url", &display_url(self.response.url()))
            .field("status", &self.response.status())
            .field("content_length", &self.response.content_length())
            .field("progress", &self.progress.is_some())
            .finish()
    }
}
