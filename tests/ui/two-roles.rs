use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(POST, "/v2/orders", unchecked)]
async fn place(client: &impl Authenticated, #[query] #[body] order: &str) -> Result<(), Error>;

fn main() {}
