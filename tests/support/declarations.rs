//! The endpoints a crate declares: the `(METHOD, path template)` of every
//! `#[up42_endpoint]` in its sources, found by reading them (shared by the
//! tests that hold the typed client to the catalogue and the command line to
//! the typed client).

use std::collections::BTreeSet;
use std::path::Path;

/// Every `#[up42_endpoint(METHOD, "template", ...)]` declaration under `dir`
/// (its `.rs` files, recursively): a line that starts with the attribute,
/// not an example in a doc comment.
pub fn declared(dir: &Path) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(declared(&path));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue; // the guide's chapters
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset + line.len() - line.trim_start().len();
            offset += line.len();
            let Some(declaration) = text[start..].strip_prefix("#[up42_endpoint(") else {
                continue;
            };
            let (method, rest) = declaration.split_once(',').unwrap();
            // The template may sit on the next line.
            let template = rest.split('"').nth(1).unwrap();
            found.insert((method.trim().to_string(), template.to_string()));
        }
    }
    found
}
