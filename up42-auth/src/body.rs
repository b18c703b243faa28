//! Reading answers with a size limit, and showing a short excerpt of them.

use url::Url;

use crate::error::{Error, Operation};

/// The most bytes read from a token answer or an error body.
pub(crate) const SMALL_BODY_LIMIT: usize = 64 * 1024;
/// The most characters of a body quoted in an error.
const EXCERPT_CHARS: usize = 300;

/// Reads at most `limit` bytes of `response`'s body; a longer body is an error,
/// so a broken or hostile server cannot exhaust memory.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
    operation: Operation,
    url: &Url,
) -> Result<Vec<u8>, Error> {
    let status = response.status();
    if response.content_length().is_some_and(|len| len > limit as u64) {
        return Err(too_large(operation, url, status, limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Error::transport(operation, url, e))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large(operation, url, status, limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(operation: Operation, url: &Url, status: reqwest::StatusCode, limit: usize) -> Error {
    Error::MalformedResponse {
        operation,
        url: crate::error::display_url(url),
        status,
        reason: format!("the body is larger than the {} KiB accepted here", limit / 1024),
        body_excerpt: String::new(),
    }
}

/// The start of `body` as printable text: lossily decoded, control characters
/// replaced, cut at a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_short_printable_and_lossy() {
        assert_eq!(excerpt(b"{\"a\":\n1}"), "{\"a\": 1}");
        assert_eq!(excerpt(&[0xff, b'o', b'k']), "\u{fffd}ok");
        let long = "ü".repeat(1000);
        let cut = excerpt(long.as_bytes());
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
