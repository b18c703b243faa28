//! The macro's path-template parser never panics, and what it accepts
//! round-trips: `cargo +nightly fuzz run path_template`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../up42-macros/src/path.rs"]
#[allow(dead_code)]
mod path;

fuzz_target!(|template: &str| {
    if let Ok(parts) = path::parse(template) {
        assert_eq!(path::render(&parts), template);
    }
});
