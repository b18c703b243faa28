use up42_auth::{up42_endpoint, Error};

pub struct NotAClient;

#[up42_endpoint(GET, "/v2/orders")]
async fn list(client: &NotAClient) -> Result<(), Error>;

fn main() {}
