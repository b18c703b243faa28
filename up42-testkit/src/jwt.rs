//! RS256-signed JWTs shaped like the ones UP42's Keycloak issues.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

/// One key pair per process: generating RSA keys is the slow part.
fn key() -> &'static RsaKeyPair {
    static KEY: OnceLock<RsaKeyPair> = OnceLock::new();
    KEY.get_or_init(|| {
        RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("RSA key generation failed")
    })
}

/// Generates the key now, so that no token request pays for it (up to a
/// second in a debug build) and trips a short client timeout.
pub(crate) fn warm_up() {
    key();
}

/// What goes into a token.
pub(crate) struct Claims<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) username: &'a str,
    pub(crate) session: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) lifetime_secs: u64,
    pub(crate) serial: u64,
}

/// A signed compact JWT.
pub(crate) fn sign(claims: &Claims<'_>) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "up42-testkit"});
    let body = json!({
        "exp": now + claims.lifetime_secs,
        "iat": now,
        "jti": format!("{:016x}-{}", claims.serial, claims.kind),
        "iss": claims.issuer,
        "aud": "account",
        "sub": claims.subject,
        "typ": claims.kind,
        "azp": "up42-api",
        "session_state": claims.session,
        "scope": "profile email",
        "preferred_username": claims.username,
        "email": claims.username,
    });
    let mut token = String::new();
    URL_SAFE_NO_PAD.encode_string(header.to_string(), &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(body.to_string(), &mut token);
    let key = key();
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        token.as_bytes(),
        &mut signature,
    )
    .expect("RSA signing failed");
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
    token
}

/// Checks a token's RS256 signature against the sandbox key.
pub(crate) fn verify(token: &str) -> bool {
    let Some((signed, signature)) = token.rsplit_once('.') else {
        return false;
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let public = aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        key().public_key().as_ref(),
    );
    public.verify(signed.as_bytes(), &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_signed_jwts() {
        let token = sign(&Claims {
            issuer: "http://127.0.0.1/realms/public",
            subject: "user-1",
            username: "me@example.com",
            session: "s",
            kind: "Bearer",
            lifetime_secs: 300,
            serial: 1,
        });
        assert!(token.starts_with("eyJ"));
        assert_eq!(token.split('.').count(), 3);
        assert!(verify(&token));
        let mut forged = token.clone();
        forged.insert(10, 'x');
        assert!(!verify(&forged));
    }
}
