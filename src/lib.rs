//! Workspace examples and end-to-end tests live in `examples/` and `tests/`.
//! The README below is compiled as documentation, so its examples are checked.
#![doc = include_str!("../README.md")]
