use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(POST, "/v2/orders/estimate", retry = "yes")]
async fn estimate(client: &impl Authenticated) -> Result<(), Error>;

fn main() {}
