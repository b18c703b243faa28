use up42_auth::{up42_endpoint, Error};

#[up42_endpoint(GET, "/v2/orders")]
async fn list() -> Result<(), Error>;

fn main() {}
