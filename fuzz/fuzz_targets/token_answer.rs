//! Any token endpoint answer gives a grant or an error, never a panic:
//! `cargo +nightly fuzz run token_answer`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u16, &[u8])| {
    let (status, body) = input;
    let status = 100 + status % 500;
    if let Ok(grant) = up42_auth::__fuzz::parse_token_answer(status, "application/json", body) {
        assert!(!grant.expires_in().is_zero());
    }
});
