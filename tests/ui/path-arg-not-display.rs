use up42_auth::{up42_endpoint, Authenticated, Error};

pub struct OrderId(u64);

#[up42_endpoint(GET, "/v2/orders/{order_id}")]
async fn get_order(client: &impl Authenticated, order_id: OrderId) -> Result<(), Error>;

fn main() {}
