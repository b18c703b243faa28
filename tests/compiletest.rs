//! Every compile error `#[up42_endpoint]` can emit, one per file in `tests/ui/`.
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test compiletest`
//! and read the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
