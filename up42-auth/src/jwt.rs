//! What a JWT access token says of itself: its account and its times, read
//! from its claims without verifying them (the token server vouches for
//! them to the API, not to us), for judging tokens found in a shared store.

/// The claims of a JWT access token (its payload, unverified: the token
/// server vouches for them to the API, not to us); `None` for another token.
fn jwt_claims(token: &str) -> Option<serde_json::Value> {
    use base64::Engine as _;
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&json).ok()
}

/// The account a JWT access token names: its `preferred_username`, else its
/// `email`; `None` for a token that is not a JWT or names none.
pub(crate) fn token_account(token: &str) -> Option<String> {
    let claims = jwt_claims(token)?;
    ["preferred_username", "email"]
        .iter()
        .find_map(|name| claims[name].as_str().map(str::to_string))
}

/// When a JWT access token was issued and how long it lives, in wall-clock
/// milliseconds, by the token server's clock (`iat`, `exp`); `None` for a
/// token without both, or with `exp` not after `iat`.
pub(crate) fn token_times(token: &str) -> Option<(u64, u64)> {
    let claims = jwt_claims(token)?;
    let (iat, exp) = (claims["iat"].as_u64()?, claims["exp"].as_u64()?);
    (exp > iat).then(|| (iat.saturating_mul(1000), (exp - iat).saturating_mul(1000)))
}
