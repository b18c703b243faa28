use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(POST, "/v2/orders")]
async fn place(client: &impl Authenticated, #[body] a: &str, #[body] b: &str) -> Result<(), Error>;

fn main() {}
