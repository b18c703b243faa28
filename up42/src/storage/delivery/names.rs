//! File names for delivered files: taken from what the server says (a signed
//! URL's `response-content-disposition`, the asset's href, its media type),
//! made safe for any file system and terminal, and told apart in a directory.

use std::collections::HashSet;

use percent_encoding::percent_decode_str;
use up42_auth::Url;

/// The longest file name written, in bytes: room is left for the prefix
/// and suffix of partial data within common 255-byte limits.
pub(super) const MAX_NAME_BYTES: usize = 200;

/// The name of the file for an asset: the signed URL's
/// `response-content-disposition` filename, else the href's last segment
/// when it looks like a file name, else `<key>.<extension of media type>`;
/// each made [`safe`].
pub(super) fn file_name(signed: Option<&Url>, href: &str, key: &str, media_type: Option<&str>) -> String {
    let from_disposition = signed.and_then(disposition_name).and_then(|name| safe(&name));
    let from_href = || {
        let path = href.split(['?', '#']).next().unwrap_or_default();
        let segment = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
        let segment = percent_decode_str(segment).decode_utf8_lossy();
        segment.contains('.').then(|| safe(&segment)).flatten()
    };
    let from_key = || {
        let stem = safe(key).unwrap_or_else(|| "file".to_string());
        format!("{stem}.{}", extension(media_type.unwrap_or_default()))
    };
    from_disposition.or_else(from_href).unwrap_or_else(from_key)
}

/// The directory of an item: its id, made [`safe`].
pub(super) fn item_dir(item: &str) -> String {
    safe(item).unwrap_or_else(|| "item".to_string())
}

/// The filename of a signed URL's `response-content-disposition`:
/// `filename*=UTF-8''…` (RFC 6266) first, else `filename="…"` or `filename=…`.
fn disposition_name(url: &Url) -> Option<String> {
    let (_, disposition) = url
        .query_pairs()
        .find(|(key, _)| key.eq_ignore_ascii_case("response-content-disposition"))?;
    let params = || {
        disposition
            .split(';')
            .map(str::trim)
            .filter_map(|p| p.split_once('='))
    };
    let extended = params().find(|(k, _)| k.trim().eq_ignore_ascii_case("filename*"));
    if let Some((_, value)) = extended
        && let Some((charset, rest)) = value.trim().split_once('\'')
        && charset.eq_ignore_ascii_case("utf-8")
        && let Some((_, encoded)) = rest.split_once('\'')
    {
        return Some(percent_decode_str(encoded).decode_utf8_lossy().into_owned());
    }
    let (_, value) = params().find(|(k, _)| k.trim().eq_ignore_ascii_case("filename"))?;
    let value = value.trim();
    Some(match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => value.to_string(),
    })
}

/// Characters no file name gets: controls, and the invisible ones that make
/// a name read differently from what it is (bidirectional overrides and
/// marks, zero-width characters, the byte-order mark).
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// Names Windows keeps for devices, whatever the extension.
const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
    "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// `name` as a file name that stays in its directory and shows as it is:
/// its last path segment only, without hidden characters, with characters
/// some systems refuse as `_`, no leading dot (nothing hidden, never `..`)
/// and no trailing dot or space, at most [`MAX_NAME_BYTES`] (the extension
/// kept). `None` when nothing is left.
pub(super) fn safe(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !hidden(*c))
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    if trimmed.is_empty() {
        return None;
    }
    let stem = trimmed.split('.').next().unwrap_or_default();
    let mut safe = match RESERVED.contains(&stem.to_ascii_lowercase().as_str()) {
        true => format!("_{trimmed}"),
        false => trimmed.to_string(),
    };
    if safe.len() > MAX_NAME_BYTES {
        safe = shortened(&safe);
    }
    Some(safe)
}

/// `name` cut to [`MAX_NAME_BYTES`] at a character boundary, its extension
/// (when short) kept.
fn shortened(name: &str) -> String {
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| ext.len() <= 16 && !ext.is_empty());
    let keep = MAX_NAME_BYTES - extension.map_or(0, |ext| ext.len() + 1);
    let mut end = keep;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let stem = name[..end].trim_end_matches(['.', ' ']);
    match extension {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem.to_string(),
    }
}

/// The usual extension of a media type (`bin` when unknown).
fn extension(media_type: &str) -> &'static str {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "image/tiff" => "tif",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/jp2" => "jp2",
        "application/json" => "json",
        "application/geo+json" => "geojson",
        "application/xml" | "text/xml" => "xml",
        "application/zip" => "zip",
        "application/pdf" => "pdf",
        "application/x-netcdf" | "application/netcdf" => "nc",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/csv" => "csv",
        _ => "bin",
    }
}

/// The names taken in one directory, compared without case (two names that
/// differ only in case are one file on macOS and Windows).
#[derive(Debug, Default)]
pub(super) struct Taken(HashSet<String>);

impl Taken {
    /// Marks `name` taken.
    pub(super) fn take(&mut self, name: &str) {
        self.0.insert(name.to_lowercase());
    }

    /// `name` if free, else `name` with the asset's key added to its stem
    /// (`scene-twin-b.tif`), else with a number too; marked taken.
    pub(super) fn claim(&mut self, name: String, key: &str) -> String {
        let (stem, ext) = match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => (stem.to_string(), format!(".{ext}")),
            _ => (name.clone(), String::new()),
        };
        let key = safe(key).unwrap_or_default();
        let candidates = std::iter::once(name)
            .chain(std::iter::once(format!("{stem}-{key}{ext}")))
            .chain((2..).map(|n| format!("{stem}-{key}-{n}{ext}")));
        for candidate in candidates {
            let candidate = match candidate.len() > MAX_NAME_BYTES {
                true => shortened(&candidate),
                false => candidate,
            };
            if self.0.insert(candidate.to_lowercase()) {
                return candidate;
            }
        }
        unreachable!("the numbered candidates never run out")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(disposition: &str) -> Url {
        let mut url = Url::parse("https://storage.example/o?X-Sig=s").unwrap();
        url.query_pairs_mut()
            .append_pair("response-content-disposition", disposition);
        url
    }

    #[test]
    fn names_come_from_the_disposition_then_the_href_then_the_key() {
        let url = signed("attachment; filename=\"IMG_PHR_1.tif\"");
        assert_eq!(
            file_name(Some(&url), "https://x/v2/assets/a1", "image", None),
            "IMG_PHR_1.tif"
        );
        let url = signed("attachment; filename*=UTF-8''caf%C3%A9%20map.json");
        assert_eq!(file_name(Some(&url), "", "m", None), "café map.json");
        assert_eq!(
            file_name(None, "https://x/data/scene%201.tif?sig=1", "image", None),
            "scene 1.tif"
        );
        assert_eq!(
            file_name(
                None,
                "https://x/v2/assets/a55e7000",
                "image",
                Some("image/tiff; application=geotiff")
            ),
            "image.tif"
        );
        assert_eq!(
            file_name(None, "https://x/v2/assets/a1", "../..", Some("image/jpeg")),
            "file.jpg"
        );
    }

    #[test]
    fn hostile_names_stay_in_their_directory_and_show_as_they_are() {
        assert_eq!(safe("../../escape.tif").unwrap(), "escape.tif");
        assert_eq!(safe("/etc/passwd").unwrap(), "passwd");
        assert_eq!(safe("C:\\Windows\\evil.dll").unwrap(), "evil.dll");
        assert_eq!(safe("red\u{1b}[31m\u{7}.tif").unwrap(), "red[31m.tif");
        assert_eq!(safe("photo\u{202e}fit.exe").unwrap(), "photofit.exe");
        assert_eq!(safe(".hidden.json").unwrap(), "hidden.json");
        assert_eq!(safe("a:b?.tif").unwrap(), "a_b_.tif");
        assert_eq!(safe("CON.txt").unwrap(), "_CON.txt");
        assert_eq!(safe("trailing. ").unwrap(), "trailing");
        for nothing in ["..", ".", "", "/", "\u{202e}", " . "] {
            assert_eq!(safe(nothing), None, "{nothing:?}");
        }
        let long = format!("{}é.tif", "a".repeat(300));
        let cut = safe(&long).unwrap();
        assert!(cut.len() <= MAX_NAME_BYTES && cut.ends_with(".tif"), "{cut}");
    }

    #[test]
    fn twins_are_told_apart_by_their_key_then_a_number() {
        let mut taken = Taken::default();
        assert_eq!(taken.claim("scene.tif".into(), "a"), "scene.tif");
        assert_eq!(taken.claim("Scene.TIF".into(), "b"), "Scene-b.TIF");
        assert_eq!(taken.claim("scene.tif".into(), "b"), "scene-b-2.tif");
        taken.take("readme");
        assert_eq!(taken.claim("README".into(), "x"), "README-x");
    }
}
