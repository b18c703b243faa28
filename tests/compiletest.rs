//! Every compile error `#[up42_endpoint]` can emit, one per file in `tests/ui/`.
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test compiletest`
//! and read the diff.
//!
//! The `.stderr` files pin rustc's wording (and serde's, for the trait errors),
//! which drifts between releases: they run on the toolchain they were written
//! for and are skipped on any other.

#[rustversion::attr(not(stable(1.95)), ignore = "the .stderr files pin rustc 1.95's wording")]
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
