//! A short, deterministic run of the two fuzz targets in `fuzz/` (which need
//! a nightly toolchain): the path-template parser and the token-answer parser
//! never panic on hostile input.

#[path = "../up42-macros/src/path.rs"]
#[allow(dead_code)]
mod path;

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn path_templates_never_panic_and_round_trip() {
    let alphabet: Vec<char> = "/{}{}ab_1-.?#% \t\u{7}ü:@~".chars().collect();
    let mut rng = Rng(0x5eed);
    let mut accepted = 0;
    for _ in 0..100_000 {
        let len = rng.below(24);
        let template: String = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
        if let Ok(parts) = path::parse(&template) {
            accepted += 1;
            assert_eq!(path::render(&parts), template);
        }
    }
    assert!(
        accepted > 100,
        "the generator must also produce valid templates ({accepted})"
    );
}

#[test]
fn token_answers_never_panic() {
    let valid = br#"{"access_token":"eyJa","expires_in":300,"refresh_expires_in":1800,"refresh_token":"eyJr","token_type":"Bearer","not-before-policy":0,"session_state":"s","scope":"x"}"#;
    let mut rng = Rng(0xfeed);
    let mut grants = 0;
    for _ in 0..20_000 {
        let mut body = valid.to_vec();
        for _ in 0..rng.below(4) {
            match rng.below(3) {
                0 => body.truncate(rng.below(body.len() + 1)),
                1 if !body.is_empty() => {
                    let at = rng.below(body.len());
                    body[at] = rng.next() as u8;
                }
                _ => body.insert(rng.below(body.len() + 1), b"{}[]\",:0-e9"[rng.below(11)]),
            }
        }
        let status = [200, 400, 401, 404, 415, 500, 503][rng.below(7)];
        if let Ok(grant) = up42_auth::__fuzz::parse_token_answer(status, "application/json", &body) {
            grants += 1;
            assert!(!grant.expires_in().is_zero());
        }
    }
    assert!(grants > 0, "some mutations stay valid");
}
