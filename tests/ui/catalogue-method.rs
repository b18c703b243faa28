use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(DELETE, "/v2/orders/{order_id}")]
async fn delete_order(client: &impl Authenticated, order_id: &str) -> Result<(), Error>;

fn main() {}
