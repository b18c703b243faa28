use up42_auth::{up42_endpoint, Authenticated};

#[up42_endpoint(GET, "/v2/orders")]
async fn list(client: &impl Authenticated);

fn main() {}
