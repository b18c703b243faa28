//! Authentication for the [UP42](https://up42.com) API, done once and right.
//!
//! UP42 hands out OAuth2 bearer tokens that live five minutes. This crate logs
//! in once, caches the token, renews it shortly before it expires (with the
//! refresh token, falling back to the password), shares one renewal between all
//! concurrent callers, and never lets a secret reach a log or an error.
//!
//! ```no_run
//! use up42_auth::{Authenticated, Credentials, Up42Client};
//!
//! # async fn run() -> Result<(), up42_auth::Error> {
//! let client = Up42Client::builder()
//!     .credentials(Credentials::discover()?) // UP42_USERNAME/UP42_PASSWORD or ~/.up42/credentials.json
//!     .build()?;
//!
//! let token = client.access_token().await?; // one login, then cached
//! let response = client
//!     .http_client()
//!     .get(client.api_url().join("/v2/orders/some-id").unwrap())
//!     .header("Authorization", token.bearer_header())
//!     .send()
//!     .await;
//! # Ok(())
//! # }
//! ```
//!
//! The pieces:
//! - [`Credentials`]: explicit, from the environment, or from the credentials file.
//! - [`Up42Client`] and its [builder](Up42ClientBuilder): the ready client.
//! - [`Authenticated`]: the trait API calls go through; implement it for your own
//!   token source and get caching from [`TokenCache`].
//! - [`AccessToken`], [`RefreshToken`], [`TokenGrant`]: secrets with redacted `Debug`.
//! - [`Error`]: one error type, with [`Error::status`], [`Error::oauth_error`] and
//!   [`Error::is_retryable`].
//!
//! For tests without an UP42 account, the `up42-testkit` crate runs a local
//! Keycloak-compatible sandbox.

#![warn(missing_docs)]

mod authenticated;
mod body;
mod cache;
mod client;
mod credentials;
mod error;
mod oauth;
mod token;

pub use authenticated::Authenticated;
pub use cache::TokenCache;
pub use client::{
    CLIENT_ID, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, DEFAULT_TOKEN_TIMEOUT, Region, USER_AGENT,
    Up42Client, Up42ClientBuilder,
};
pub use credentials::{Credentials, PASSWORD_ENV, USERNAME_ENV, default_file as default_credentials_file};
pub use error::{ApiError, Error, Operation};
pub use token::{AccessToken, RefreshToken, TokenGrant};

/// Re-exported so implementors of [`Authenticated`] need no direct dependency.
pub use async_trait::async_trait;
/// Re-exported: [`Authenticated::http_client`] returns a [`reqwest::Client`].
pub use reqwest;
/// Re-exported: [`Authenticated::api_url`] returns a [`Url`].
pub use url::{self, Url};
