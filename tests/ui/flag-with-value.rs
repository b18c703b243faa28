use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/collections", public = true)]
async fn collections(client: &impl Authenticated) -> Result<(), Error>;

fn main() {}
