use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/orders/{order_id}/items/{item}")]
fn get_item(client: &impl Authenticated, id: &str, #[body] body: &str) -> Result<(), Error>;

fn main() {}
