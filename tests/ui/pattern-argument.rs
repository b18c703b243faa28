use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/orders/{id}")]
async fn get_order(client: &impl Authenticated, (id, _): (&str, u8)) -> Result<(), Error>;

fn main() {}
