//! The checks a delivered file must pass: every checksum the item declares
//! (STAC `file:checksum`, a multihash) or the answer sends (`Content-MD5`,
//! `x-goog-hash`), computed over the bytes as they are written, and the
//! declared size.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::Digest as _;
use up42_auth::reqwest::header::HeaderMap;

/// A digest algorithm a check can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Algorithm {
    Sha256,
    Sha512,
    Md5,
    Crc32c,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha512 => "SHA-512",
            Algorithm::Md5 => "MD5",
            Algorithm::Crc32c => "CRC32C",
        }
    }
}

/// A digest the file must have, and who said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Expected {
    pub(super) algorithm: Algorithm,
    pub(super) digest: Vec<u8>,
    /// `file:checksum`, `Content-MD5`, `x-goog-hash`.
    pub(super) source: &'static str,
}

/// The digest of a STAC `file:checksum`: a multihash in hex (code, length,
/// digest). `None` for an algorithm not checked here or a malformed value.
pub(super) fn multihash(hex: &str) -> Option<Expected> {
    let bytes = decode_hex(hex)?;
    // Codes below 0x80 are one byte of varint; MD5's 0xd5 is two (0xd5 0x01).
    let (algorithm, rest) = match bytes.as_slice() {
        [0x12, rest @ ..] => (Algorithm::Sha256, rest),
        [0x13, rest @ ..] => (Algorithm::Sha512, rest),
        [0xd5, 0x01, rest @ ..] => (Algorithm::Md5, rest),
        _ => return None,
    };
    let (&len, digest) = rest.split_first()?;
    (digest.len() == len as usize).then(|| Expected {
        algorithm,
        digest: digest.to_vec(),
        source: "file:checksum",
    })
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let hex = hex.trim();
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// Lower-case hex of `bytes`.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The checksums an answer sends: `x-goog-hash` (`crc32c=`, `md5=`, in one
/// header or several) is the whole object's; `Content-MD5` is the body's,
/// so it counts only when the body is the whole file.
pub(super) fn announced(headers: &HeaderMap, whole: bool) -> Vec<Expected> {
    let mut expected = Vec::new();
    let values = headers
        .get_all("x-goog-hash")
        .iter()
        .filter_map(|v| v.to_str().ok());
    for part in values.flat_map(|v| v.split(',')) {
        let (name, value) = part.trim().split_once('=').unwrap_or_default();
        let algorithm = match name.trim() {
            "md5" => Algorithm::Md5,
            "crc32c" => Algorithm::Crc32c,
            _ => continue,
        };
        if let Ok(digest) = STANDARD.decode(value.trim()) {
            expected.push(Expected {
                algorithm,
                digest,
                source: "x-goog-hash",
            });
        }
    }
    let content_md5 = headers.get("content-md5").and_then(|v| v.to_str().ok());
    if let Some(Ok(digest)) = content_md5.filter(|_| whole).map(|v| STANDARD.decode(v.trim())) {
        expected.push(Expected {
            algorithm: Algorithm::Md5,
            digest,
            source: "Content-MD5",
        });
    }
    expected
}

/// The digests of a file being written: SHA-256 always (the report and the
/// manifest carry it), the others when a check needs them.
pub(super) struct Hashers {
    sha256: digest::Context,
    sha512: Option<digest::Context>,
    md5: Option<md5::Md5>,
    crc32c: Option<u32>,
}

impl Hashers {
    /// Hashers for SHA-256 and for every algorithm `expected` names.
    pub(super) fn new(expected: &[Expected]) -> Hashers {
        let needs = |algorithm| expected.iter().any(|e| e.algorithm == algorithm);
        Hashers {
            sha256: digest::Context::new(&digest::SHA256),
            sha512: needs(Algorithm::Sha512).then(|| digest::Context::new(&digest::SHA512)),
            md5: needs(Algorithm::Md5).then(md5::Md5::new),
            crc32c: needs(Algorithm::Crc32c).then_some(0),
        }
    }

    /// Adds the next bytes of the file.
    pub(super) fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        if let Some(sha512) = &mut self.sha512 {
            sha512.update(bytes);
        }
        if let Some(md5) = &mut self.md5 {
            md5.update(bytes);
        }
        if let Some(crc) = &mut self.crc32c {
            *crc = crc32c::crc32c_append(*crc, bytes);
        }
    }

    /// Checks every expected digest; answers the SHA-256 in hex, or what
    /// did not match.
    pub(super) fn verify(self, expected: &[Expected]) -> Result<String, String> {
        let sha256 = self.sha256.finish().as_ref().to_vec();
        let sha512 = self.sha512.map(|c| c.finish().as_ref().to_vec());
        let md5 = self.md5.map(|m| m.finalize().to_vec());
        let crc32c = self.crc32c.map(|c| c.to_be_bytes().to_vec());
        for check in expected {
            let got = match check.algorithm {
                Algorithm::Sha256 => Some(&sha256),
                Algorithm::Sha512 => sha512.as_ref(),
                Algorithm::Md5 => md5.as_ref(),
                Algorithm::Crc32c => crc32c.as_ref(),
            };
            if got != Some(&check.digest) {
                return Err(format!(
                    "its {} is {}, not the {} that {} declares",
                    check.algorithm.name(),
                    got.map_or_else(|| "unknown".to_string(), |g| hex(g)),
                    hex(&check.digest),
                    check.source
                ));
            }
        }
        Ok(hex(&sha256))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multihashes_name_their_algorithm_and_length() {
        let sha = multihash(&format!("1220{}", "ab".repeat(32))).unwrap();
        assert_eq!((sha.algorithm, sha.digest.len()), (Algorithm::Sha256, 32));
        let md5 = multihash(&format!("d50110{}", "cd".repeat(16))).unwrap();
        assert_eq!((md5.algorithm, md5.digest.len()), (Algorithm::Md5, 16));
        assert_eq!(multihash("1220abcd"), None, "a short digest");
        assert_eq!(multihash("zz"), None);
        assert_eq!(
            multihash(&format!("1114{}", "00".repeat(20))),
            None,
            "SHA-1 is not checked"
        );
    }

    #[test]
    fn goog_hash_is_the_objects_and_content_md5_the_bodys() {
        let mut headers = HeaderMap::new();
        headers.append("x-goog-hash", "crc32c=n03x6A==".parse().unwrap());
        headers.append("x-goog-hash", "md5=Ojk9c3dhfxgoKVVHYwFbHQ==".parse().unwrap());
        headers.append("content-md5", "Ojk9c3dhfxgoKVVHYwFbHQ==".parse().unwrap());
        assert_eq!(announced(&headers, true).len(), 3);
        let partial = announced(&headers, false);
        assert_eq!(partial.len(), 2);
        assert!(partial.iter().all(|e| e.source == "x-goog-hash"));
    }

    #[test]
    fn a_wrong_byte_fails_every_algorithm_and_says_which() {
        let data = b"the bytes of a scene";
        let expected = |data: &[u8]| {
            let mut all = Hashers::new(&[]);
            all.update(data);
            let sha = all.verify(&[]).unwrap();
            vec![
                multihash(&format!("1220{sha}")).unwrap(),
                Expected {
                    algorithm: Algorithm::Md5,
                    digest: md5::Md5::digest(data).to_vec(),
                    source: "Content-MD5",
                },
                Expected {
                    algorithm: Algorithm::Crc32c,
                    digest: crc32c::crc32c(data).to_be_bytes().to_vec(),
                    source: "x-goog-hash",
                },
            ]
        };
        let checks = expected(data);
        let mut good = Hashers::new(&checks);
        good.update(&data[..5]);
        good.update(&data[5..]);
        assert!(good.verify(&checks).is_ok());
        for check in &checks {
            let mut bad = Hashers::new(&checks);
            bad.update(b"the bytes of a scenE");
            let message = bad.verify(std::slice::from_ref(check)).unwrap_err();
            assert!(message.contains(check.source), "{message}");
        }
    }
}
