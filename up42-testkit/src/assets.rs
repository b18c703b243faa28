//! Assets and their downloads: `POST /v2/assets/{id}/download-url` answers a
//! signed URL on a second, token-less storage host, which serves the bytes:
//! given ones, or a large generated file streamed without being held in
//! memory, optionally cut off part-way.

use std::sync::{Arc, OnceLock};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::orders::not_found;
use crate::state::Shared;

/// The bytes a stored asset serves.
#[derive(Clone)]
pub(crate) enum Asset {
    /// These bytes.
    Bytes(Bytes),
    /// `len` bytes of [`generated_asset`], the connection closed after
    /// `cut_after` of them if set.
    Generated { len: u64, cut_after: Option<u64> },
}

/// The length of the pattern generated assets repeat: a prime, so that no
/// chunk size lines up with it and a misplaced chunk shows.
const PATTERN_LEN: usize = 65_521;
/// How much of a generated asset one chunk of the answer carries.
const CHUNK: usize = 64 * 1024;

fn pattern() -> &'static [u8] {
    static PATTERN: OnceLock<Vec<u8>> = OnceLock::new();
    PATTERN.get_or_init(|| {
        let mut rng = fastrand::Rng::with_seed(0x5eed_a55e7);
        (0..PATTERN_LEN).map(|_| rng.u8(..)).collect()
    })
}

/// `len` bytes of a generated asset, starting at `offset`: what the storage
/// host serves for [`Sandbox::add_generated_asset`](crate::Sandbox::add_generated_asset),
/// for checking a download piece by piece.
pub fn generated_asset(offset: u64, len: usize) -> Vec<u8> {
    let pattern = pattern();
    let mut out = Vec::with_capacity(len);
    let mut at = (offset % PATTERN_LEN as u64) as usize;
    while out.len() < len {
        let take = (len - out.len()).min(PATTERN_LEN - at);
        out.extend_from_slice(&pattern[at..at + take]);
        at = 0;
    }
    out
}

/// `POST /v2/assets/{asset_id}/download-url`: a signed URL on the storage host.
pub(crate) async fn download_url(
    State(shared): State<Arc<Shared>>,
    Path(asset_id): Path<String>,
) -> Response {
    if !shared.store().assets.contains_key(&asset_id) {
        return not_found("Asset", &asset_id);
    }
    let storage = shared.storage_url.get().map(String::as_str).unwrap_or_default();
    let url = format!("{storage}/storage/{asset_id}?X-Signature=sandbox-signature");
    Json(json!({"url": url})).into_response()
}

/// `GET /storage/{asset_id}` on the storage host: the bytes, no token needed.
pub(crate) async fn storage(State(shared): State<Arc<Shared>>, Path(asset_id): Path<String>) -> Response {
    let asset = shared.store().assets.get(&asset_id).cloned();
    let octets = [(header::CONTENT_TYPE, "application/octet-stream")];
    match asset {
        Some(Asset::Bytes(bytes)) => (octets, bytes).into_response(),
        Some(Asset::Generated { len, cut_after }) => {
            let length = [(header::CONTENT_LENGTH, len.to_string())];
            (octets, length, Body::from_stream(generated(len, cut_after))).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The chunks of a generated asset; an error where it is cut off, which
/// closes the connection short of the announced length.
fn generated(
    len: u64,
    cut_after: Option<u64>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let end = cut_after.map_or(len, |cut| cut.min(len));
    futures_util::stream::unfold(0u64, move |sent| async move {
        if sent >= len {
            return None;
        }
        if sent >= end {
            let cut = std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "cut off");
            // One error, then the end: `len` is never reached.
            return Some((Err(cut), len));
        }
        let take = (end - sent).min(CHUNK as u64);
        let chunk = Bytes::from(generated_asset(sent, take as usize));
        Some((Ok(chunk), sent + take))
    })
}
