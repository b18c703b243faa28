use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/orders/order_id}")]
async fn get_order(client: &impl Authenticated) -> Result<(), Error>;

fn main() {}
