use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/orders")]
async fn list(client: &impl Authenticated, #[query(comma, "orderIds")] ids: &[&str]) -> Result<(), Error>;

fn main() {}
