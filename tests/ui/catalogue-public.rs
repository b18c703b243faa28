use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/orders", public)]
async fn list(client: &impl Authenticated) -> Result<(), Error>;

fn main() {}
