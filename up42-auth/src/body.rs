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
    let raise = match (operation, status.is_success()) {
        (Operation::ApiRequest, true) => "; `Up42ClientBuilder::max_response_size` raises the limit",
        _ => "",
    };
    Error::malformed(
        operation,
        crate::error::display_url(url),
        status,
        format!(
            "the body is larger than the {} KiB accepted here{raise}",
            limit / 1024
        ),
        String::new(),
    )
}

/// The start of `body` as printable text: lossily decoded, control characters
/// replaced, cut at a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| {
            if c.is_control() || is_format(c) || is_separator(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out.trim().to_string()
}

/// The Unicode line and paragraph separators (U+2028, U+2029): not control
/// characters, yet terminals and log viewers break lines at them, so one
/// could forge a second line of output.
fn is_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// Invisible Unicode format characters (category Cf) that can disguise text
/// in a terminal or a log: bidirectional overrides and isolates (U+202E and
/// friends), zero-width characters, the byte-order mark, tag characters.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
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

    #[test]
    fn excerpt_breaks_no_line() {
        assert_eq!(excerpt("one\u{2028}two\u{2029}three".as_bytes()), "one two three");
    }

    #[test]
    fn excerpt_strips_invisible_format_characters() {
        let spoof = "invoice\u{202E}fdp.exe\u{200B}\u{2066}x\u{FEFF}";
        assert_eq!(excerpt(spoof.as_bytes()), "invoice fdp.exe  x");
    }
}
