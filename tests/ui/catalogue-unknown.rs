use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/satellites/{satellite_id}/orbits")]
async fn orbits(client: &impl Authenticated, satellite_id: &str) -> Result<(), Error>;

fn main() {}
