use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/orders/{oder_id}")]
async fn get_order(client: &impl Authenticated, order_id: &str) -> Result<(), Error>;

fn main() {}
