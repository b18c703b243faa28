//! A crate that depends on `up42-auth` under the name `auth`, and re-exports
//! it from a façade module. Its endpoints compile only if `#[up42_endpoint]`
//! finds the runtime under those names. They are sandbox routes UP42 does not
//! have: `up42-openapi.json` at the crate root declares them, merged over the
//! bundled catalogue.

use auth::{Error, Up42Client, up42_endpoint};

/// The façade: how an SDK built on the toolkit may re-export it.
pub mod facade {
    pub use auth as up42;
}

/// Found through the renamed dependency in `Cargo.toml`.
#[up42_endpoint(GET, "/echo/renamed/{id}")]
pub async fn renamed(
    client: &Up42Client,
    id: &str,
    #[query] verbose: Option<bool>, // listed in up42-openapi.json
) -> Result<serde_json::Value, Error>;

/// Found through the façade, named with the `crate` option.
#[up42_endpoint(GET, "/echo/facade", crate = "crate::facade::up42")]
pub async fn through_facade(client: &Up42Client) -> Result<serde_json::Value, Error>;
