//! Where tokens come from and how they are kept: [`Credentials`](crate::Credentials)
//! and where they are found, the [`TokenSource`] seam (UP42's Keycloak, or a
//! source of your own), the [`TokenCache`] that every call takes its token
//! from, and the secrets themselves ([`AccessToken`], [`RefreshToken`],
//! [`TokenGrant`]), redacted in `Debug`.

pub(crate) mod cache;
pub(crate) mod credentials;
pub(crate) mod oauth;
pub(crate) mod source;
pub(crate) mod token;

pub use cache::{TokenCache, TokenFuture};
pub use credentials::{PASSWORD_ENV, USERNAME_ENV, default_file as default_credentials_file};
pub use source::TokenSource;
pub use token::{AccessToken, RefreshToken, TokenGrant};
