//! A crate that depends on `up42-auth` under the name `auth`, and re-exports
//! it from a façade module. Its endpoints compile only if `#[up42_endpoint]`
//! finds the runtime under those names.

use auth::{Error, Up42Client, up42_endpoint};

/// The façade: how an SDK built on the toolkit may re-export it.
pub mod facade {
    pub use auth as up42;
}

/// Found through the renamed dependency in `Cargo.toml`.
#[up42_endpoint(GET, "/echo/renamed/{id}")]
pub async fn renamed(client: &Up42Client, id: &str) -> Result<serde_json::Value, Error>;

/// Found through the façade, named with the `crate` option.
#[up42_endpoint(GET, "/echo/facade", crate = "crate::facade::up42")]
pub async fn through_facade(client: &Up42Client) -> Result<serde_json::Value, Error>;
