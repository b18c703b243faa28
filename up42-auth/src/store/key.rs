//! Which entry a store keeps for an account, and the key that seals it: a
//! name that does not say whose it is, and an AEAD key derived from the
//! credentials, so that a reader of the store without the password gets
//! nothing and a writer without it can plant nothing.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::{digest, hmac, pbkdf2};

/// PBKDF2-HMAC-SHA256 rounds from a password to the key that seals its
/// entries, by default: what each guess costs someone who read an entry and
/// tries passwords against it offline. Done once per process and
/// credentials (about 30 ms on one core of 2026).
pub const SEAL_ROUNDS: u32 = 200_000;

/// The most PBKDF2 rounds a sealing key is derived with (about 1.5 s on one
/// core of 2026, once per process): more would stall every process's first
/// renewal for no gain worth it. [`Up42ClientBuilder::seal_rounds`](crate::Up42ClientBuilder::seal_rounds)
/// refuses more.
pub const MAX_SEAL_ROUNDS: u32 = 10_000_000;

/// Which account's tokens an entry holds, and how the entry is protected.
///
/// - [`StoreKey::sealed`] (what [`Up42Client`](crate::Up42Client) uses): the
///   name is derived from the credentials, password included, so it names no
///   one; entries are encrypted and authenticated (AES-256-GCM) with a key
///   derived from them, bound to the name. A changed password makes another
///   name and another key: old entries are simply never found again.
/// - [`StoreKey::plain`]: for token sources without a secret, which opt in
///   to entries a reader of the store can use, and a name anyone who guesses
///   the username can confirm.
///
/// Safe to use as a file name or a Redis key. `Debug` shows the start of the
/// name only.
#[derive(Clone)]
pub struct StoreKey {
    name: String,
    seal: Option<Arc<LessSafeKey>>,
}

/// The first bytes of a sealed entry.
const SEALED_MAGIC: &[u8] = b"up42-sealed-2\n";

/// A digest of `parts`, each prefixed by its length so that no two lists of
/// parts run together into the same bytes.
fn digest_of(parts: &[&str]) -> digest::Digest {
    let mut context = digest::Context::new(&digest::SHA256);
    for part in parts {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part.as_bytes());
    }
    context.finish()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl StoreKey {
    /// The key of `username`'s tokens from `token_url` for `client_id`,
    /// sealed with `secret` (the password): entries are encrypted and
    /// authenticated with a key derived from all four ([`SEAL_ROUNDS`] of
    /// PBKDF2-HMAC-SHA256), and the name is derived from them too.
    ///
    /// ```
    /// use up42_auth::store::StoreKey;
    ///
    /// let url = "https://auth.up42.com/realms/public/protocol/openid-connect/token";
    /// let key = StoreKey::sealed(url, "up42-api", "me@example.com", "my password");
    /// assert_eq!(key.as_str().len(), 64);
    /// assert!(key.is_sealed());
    /// // Another password, another entry: the old one is never read again.
    /// assert_ne!(key, StoreKey::sealed(url, "up42-api", "me@example.com", "new password"));
    /// ```
    pub fn sealed(token_url: &str, client_id: &str, username: &str, secret: &str) -> StoreKey {
        StoreKey::sealed_with_rounds(token_url, client_id, username, secret, SEAL_ROUNDS)
    }

    /// [`sealed`](Self::sealed) with `rounds` of PBKDF2 instead of
    /// [`SEAL_ROUNDS`] (at least 1,000, at most [`MAX_SEAL_ROUNDS`]): fewer for short-lived processes
    /// whose store only the user can read (the `up42` command uses 1,000
    /// for its file store). Processes share entries only when they derive
    /// with the same rounds.
    pub fn sealed_with_rounds(
        token_url: &str,
        client_id: &str,
        username: &str,
        secret: &str,
        rounds: u32,
    ) -> StoreKey {
        let salt = digest_of(&["up42 token store", token_url, client_id, username]);
        let mut master = [0u8; 32];
        let rounds = NonZeroU32::new(rounds.clamp(1_000, MAX_SEAL_ROUNDS)).expect("not zero");
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            rounds,
            salt.as_ref(),
            secret.as_bytes(),
            &mut master,
        );
        let master = hmac::Key::new(hmac::HMAC_SHA256, &master);
        let name = hmac::sign(&master, b"up42 token store: entry name");
        let sealing = hmac::sign(&master, b"up42 token store: entry key");
        let sealing = UnboundKey::new(&AES_256_GCM, sealing.as_ref()).expect("a 32-byte key");
        StoreKey {
            name: hex(name.as_ref()),
            seal: Some(Arc::new(LessSafeKey::new(sealing))),
        }
    }

    /// The key of `username`'s tokens from `token_url` for `client_id`, with
    /// plain entries: whoever reads the store can use the tokens in them, and
    /// whoever writes it can plant tokens of their own. The name is a SHA-256
    /// digest of the three. For a [`TokenSource`](crate::auth::TokenSource)
    /// that has no secret to seal with, and whose store only trusted parties
    /// reach.
    ///
    /// ```
    /// use up42_auth::store::StoreKey;
    ///
    /// let url = "https://vault.internal/token";
    /// let key = StoreKey::plain(url, "my-client", "service-account");
    /// assert!(!key.is_sealed());
    /// assert_ne!(key, StoreKey::plain(url, "my-client", "another-account"));
    /// ```
    pub fn plain(token_url: &str, client_id: &str, username: &str) -> StoreKey {
        StoreKey {
            name: hex(digest_of(&[token_url, client_id, username]).as_ref()),
            seal: None,
        }
    }

    /// The entry's name: 64 lowercase hexadecimal characters.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// Whether entries under this key are encrypted and authenticated.
    pub fn is_sealed(&self) -> bool {
        self.seal.is_some()
    }

    /// The bytes a store keeps for `record`: sealed (nonce, ciphertext and
    /// tag, bound to the name) or, for a plain key, the record itself.
    pub(crate) fn seal(&self, record: Vec<u8>) -> Vec<u8> {
        let Some(key) = &self.seal else {
            return record;
        };
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).expect("the system's random numbers");
        let mut sealed = record;
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(self.name.as_bytes()),
            &mut sealed,
        )
        .expect("an entry is far below AES-GCM's limit");
        [SEALED_MAGIC, &nonce, &sealed].concat()
    }

    /// The record in stored bytes, or why there is none to use (never
    /// quoting the bytes: they may hold tokens).
    pub(crate) fn open(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let sealed = bytes.strip_prefix(SEALED_MAGIC);
        match (&self.seal, sealed) {
            (None, None) => Ok(bytes.to_vec()),
            (None, Some(_)) => Err("a sealed entry, but the key is plain".into()),
            (Some(_), None) => Err("not sealed: planted or written by another version".into()),
            (Some(key), Some(sealed)) => {
                if sealed.len() < NONCE_LEN {
                    return Err("a sealed entry, truncated".into());
                }
                let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
                let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| "a bad nonce")?;
                let mut ciphertext = ciphertext.to_vec();
                let opened = key
                    .open_in_place(nonce, Aad::from(self.name.as_bytes()), &mut ciphertext)
                    .map_err(|_| {
                        "sealed with other credentials, changed, or moved from another key".to_string()
                    })?;
                Ok(opened.to_vec())
            }
        }
    }
}

impl PartialEq for StoreKey {
    fn eq(&self, other: &StoreKey) -> bool {
        self.name == other.name && self.is_sealed() == other.is_sealed()
    }
}

impl Eq for StoreKey {}

impl std::hash::Hash for StoreKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_sealed() { "sealed" } else { "plain" };
        write!(f, "StoreKey({}…, {kind})", &self.name[..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_entries_open_only_with_their_key() {
        let url = "https://auth.example/token";
        let mine = StoreKey::sealed(url, "c", "me", "pw");
        let bytes = mine.seal(b"{\"tokens\":1}".to_vec());
        assert!(!bytes.windows(6).any(|w| w == b"tokens"), "encrypted");
        assert_eq!(mine.open(&bytes).unwrap(), b"{\"tokens\":1}");
        // Another password, another account, or a plain key: nothing.
        for other in [
            StoreKey::sealed(url, "c", "me", "pw2"),
            StoreKey::sealed(url, "c", "you", "pw"),
        ] {
            assert_ne!(other.as_str(), mine.as_str());
            assert!(other.open(&bytes).is_err());
        }
        assert!(StoreKey::plain(url, "c", "me").open(&bytes).is_err());
        // A changed byte anywhere, or a plain record planted under the key.
        for at in [SEALED_MAGIC.len(), bytes.len() - 1, bytes.len() / 2] {
            let mut changed = bytes.clone();
            changed[at] ^= 1;
            assert!(mine.open(&changed).is_err(), "byte {at}");
        }
        assert!(mine.open(b"{\"tokens\":1}").unwrap_err().contains("not sealed"));
        assert!(mine.open(&bytes[..SEALED_MAGIC.len() + 3]).is_err());
        // Each sealing draws a new nonce.
        assert_ne!(mine.seal(b"x".to_vec()), mine.seal(b"x".to_vec()));
        assert!(!format!("{mine:?}").contains(mine.as_str()));
    }
}
