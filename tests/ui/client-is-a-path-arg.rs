use up42_auth::{up42_endpoint, Error};

#[up42_endpoint(GET, "/v2/orders/{order_id}")]
async fn get_order(order_id: &str) -> Result<(), Error>;

fn main() {}
