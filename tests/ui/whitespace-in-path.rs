use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/my orders")]
async fn list(client: &impl Authenticated) -> Result<(), Error>;

fn main() {}
