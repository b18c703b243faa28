//! Downloads that do not buffer: a response's body streamed to a file in
//! chunks, through a temporary file renamed into place only when complete,
//! with progress reports; and signed URLs fetched without the token.

use std::fmt;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncWriteExt, BufWriter};
use url::Url;

use crate::authenticated::Authenticated;
use crate::endpoint::{DownloadLimit, Endpoint, Paging, Request, Retry, send_to};
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
    /// The byte of the file the body starts at: 0, or a `206`'s range start.
    start: u64,
    /// Bytes of the body read so far.
    read: u64,
    /// The `Content-Length`, taken before the body is read (reqwest's
    /// shrinks as it is).
    length: Option<u64>,
    /// The client's `max_download_size` and the call's time limit, which the
    /// answer carries: read once, not for every chunk.
    limit: Option<u64>,
    timing: Option<Timing>,
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
        let extensions = response.extensions();
        Download {
            length: response.content_length(),
            limit: extensions.get::<DownloadLimit>().and_then(|l| l.0),
            timing: extensions.get::<Timing>().copied(),
            response,
            progress: None,
            start: 0,
            read: 0,
        }
    }

    /// Sends a `GET` for `url` and gets ready to download the answer. The
    /// bearer token goes with it only if `url` is on the API's origin: a
    /// signed URL on a storage host gets no `Authorization` header (it would
    /// hand the token to a third party), nor do the hosts it redirects to.
    /// The status is checked and transient failures retried, as for any call;
    /// the body is bounded by the read timeout only.
    pub async fn get(client: &(impl Authenticated + ?Sized), url: &str) -> Result<Download<'a>, Error> {
        let (request, url) = download_request(client, url)?;
        let response = send_to(client, &request, url).await?;
        Ok(Download::new(response))
    }

    /// Like [`get`](Self::get), asking only for the bytes from `offset` on
    /// (`Range: bytes=offset-`), and only if the file is still the one
    /// `validator` names (`If-Range`: an `ETag` or `Last-Modified` value from
    /// the answer that began it, see [`validator`](Self::validator)): how a
    /// cut download resumes. The server decides: [`start`](Self::start) is
    /// `offset` when it sent the rest, 0 when it sent the whole file (it
    /// ignores ranges, or the file changed). A server that cannot serve from
    /// `offset` (the file got shorter) answers `416`, an
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) error: start again from 0.
    pub async fn get_from(
        client: &(impl Authenticated + ?Sized),
        url: &str,
        offset: u64,
        validator: Option<&str>,
    ) -> Result<Download<'a>, Error> {
        let (mut request, url) = download_request(client, url)?;
        if offset > 0 {
            request.header("range", &format_args!("bytes={offset}-"))?;
            if let Some(validator) = validator {
                request.header("if-range", &validator)?;
            }
        }
        let response = send_to(client, &request, url).await?;
        let mut download = Download::new(response);
        if download.response.status() == reqwest::StatusCode::PARTIAL_CONTENT {
            download.start = match content_range(download.response.headers()) {
                Some((start, _)) if start == offset => start,
                _ => {
                    return Err(download.malformed(format!(
                        "the server answered 206 to a request from byte {offset} without a `Content-Range` that starts there"
                    )));
                }
            };
        }
        Ok(download)
    }

    /// Calls `report` after each chunk written, with the bytes so far and
    /// the total when known.
    pub fn progress(mut self, report: impl FnMut(Progress) + Send + 'a) -> Self {
        self.progress = Some(Box::new(report));
        self
    }

    /// The size of the body, when the server said it (`Content-Length`).
    pub fn content_length(&self) -> Option<u64> {
        self.length
    }

    /// The byte of the file the body starts at: 0 for the whole file, the
    /// offset asked for when [`get_from`](Self::get_from) got the rest (`206`).
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The size of the whole file when the server said it: a `206`'s
    /// `Content-Range` total, else the `Content-Length`.
    pub fn file_size(&self) -> Option<u64> {
        match self.response.status() {
            reqwest::StatusCode::PARTIAL_CONTENT => {
                content_range(self.response.headers()).and_then(|(_, total)| total)
            }
            _ => self.length,
        }
    }

    /// What names this version of the file for [`get_from`](Self::get_from)'s
    /// `If-Range`: a strong `ETag`, else `Last-Modified`; `None` when the
    /// server sent neither (a resume then cannot tell a changed file).
    pub fn validator(&self) -> Option<&str> {
        let header = |name| self.response.headers().get(name).and_then(|v| v.to_str().ok());
        header(reqwest::header::ETAG)
            .filter(|tag| !tag.starts_with("W/"))
            .or_else(|| header(reqwest::header::LAST_MODIFIED))
    }

    /// The answer's headers: checksums (`Content-MD5`, `x-goog-hash`), the
    /// `Content-Disposition`, ...
    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        self.response.headers()
    }

    /// The next piece of the body as it arrives; `None` at its end, once the
    /// announced length was read (a body cut short is an
    /// [`ErrorKind::MalformedResponse`](crate::ErrorKind::MalformedResponse) error). Progress is
    /// reported, and the client's
    /// [`max_download_size`](crate::Up42ClientBuilder::max_download_size) enforced, as for
    /// [`to_file`](Self::to_file): this is the loop it runs, for writers
    /// that do more with the bytes (hash them, say).
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, Error> {
        let limit = self.limit;
        if self.read == 0
            && let (Some(limit), Some(size)) = (limit, self.file_size())
            && size > limit
        {
            return Err(self.too_large(limit));
        }
        let chunk = self.response.chunk().await.map_err(|e| {
            Error::transport(Operation::ApiRequest, self.response.url(), e).timed(self.timing.as_ref())
        })?;
        let Some(chunk) = chunk else {
            return match self.length.filter(|total| *total != self.read) {
                Some(total) => Err(self.malformed(format!(
                    "the body ended after {} of the {total} bytes announced",
                    self.read
                ))),
                None => Ok(None),
            };
        };
        self.read += chunk.len() as u64;
        if let Some(limit) = limit.filter(|limit| self.start + self.read > *limit) {
            return Err(self.too_large(limit));
        }
        let (bytes, total) = (self.read, self.length);
        if let Some(report) = &mut self.progress {
            report(Progress { bytes, total });
        }
        Ok(Some(chunk))
    }

    fn malformed(&self, message: String) -> Error {
        Error::malformed(
            Operation::ApiRequest,
            display_url(self.response.url()),
            self.response.status(),
            message,
            String::new(),
        )
    }

    fn too_large(&self, limit: u64) -> Error {
        self.malformed(format!(
            "the file is larger than the {limit} bytes allowed; `Up42ClientBuilder::max_download_size` raises the limit"
        ))
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
        while let Some(chunk) = self.chunk().await? {
            out.write_all(&chunk).await.map_err(io_error("write", path))?;
        }
        out.flush().await.map_err(io_error("write", path))?;
        Ok(self.read)
    }
}

/// The request of a download of `url`: with the token only on the API's origin.
fn download_request(client: &(impl Authenticated + ?Sized), url: &str) -> Result<(Request, Url), Error> {
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
    Ok((Request::new(endpoint), url))
}

/// A `Content-Range: bytes START-END/TOTAL`'s start and total (`None` for `*`).
fn content_range(headers: &reqwest::header::HeaderMap) -> Option<(u64, Option<u64>)> {
    let value = headers.get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let start = range.split_once('-')?.0.trim().parse().ok()?;
    Some((start, total.trim().parse().ok()))
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
