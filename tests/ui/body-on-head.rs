use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(HEAD, "/v2/orders", unchecked)]
async fn list(client: &impl Authenticated, #[body] filter: &str) -> Result<(), Error>;

fn main() {}
