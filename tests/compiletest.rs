//! Every compile error `#[up42_endpoint]` can emit, one per file in `tests/ui/`
//! (and, with a broken OpenAPI document, in `tests/ui-spec/`). Regenerate the
//! expected output with `TRYBUILD=overwrite cargo test --test compiletest` and
//! read the diff.
//!
//! The `.stderr` files pin rustc's wording (and serde's, for the trait errors),
//! which drifts between releases: they run on the toolchain they were written
//! for and are skipped on any other.

#[rustversion::attr(not(stable(1.95)), ignore = "the .stderr files pin rustc 1.95's wording")]
#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
    // One test in this binary, run after the others: the compiler processes
    // trybuild starts inherit the variable.
    let broken = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ui-spec/broken-openapi.json");
    // SAFETY: the only test of this binary; no other thread reads the environment.
    unsafe { std::env::set_var("UP42_OPENAPI", broken) };
    trybuild::TestCases::new().compile_fail("tests/ui-spec/*.rs");
}
