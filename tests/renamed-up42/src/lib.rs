//! A crate that depends on `up42` under the name `u` and on nothing else of
//! the toolkit. Its endpoints compile only if `#[up42_endpoint]` finds the
//! runtime through `u`: generated code names `::u::__private_…`.

use u::Error;
use u::toolkit::Up42Client;

/// The attribute reached through the renamed dependency's path.
#[u::toolkit::up42_endpoint(GET, "/v2/orders/{order_id}")]
pub async fn get_order(client: &Up42Client, order_id: &str) -> Result<serde_json::Value, Error>;

/// The attribute imported by name.
use u::toolkit::up42_endpoint;

/// A paged list, every page collected.
#[up42_endpoint(GET, "/v2/orders", paged)]
pub async fn orders(client: &Up42Client, #[query] size: Option<u32>) -> u::Result<Vec<serde_json::Value>>;
