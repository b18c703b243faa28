use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/orders")]
async fn list(client: &impl Authenticated, #[query("status", flatten)] status: &[String]) -> Result<(), Error>;

fn main() {}
