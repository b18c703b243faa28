use up42_auth::{up42_endpoint, Authenticated, Error};

// Both the path and the signature are wrong: every mistake is reported.
#[up42_endpoint(GET, "/v2/orders/{order_id")]
fn get_order(client: &impl Authenticated, order_id: &str, #[body] body: &str) -> Result<(), Error>;

fn main() {}
