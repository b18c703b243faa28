use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/orders/{a}-{b}")]
async fn get(client: &impl Authenticated, a: &str, b: &str) -> Result<(), Error>;

fn main() {}
