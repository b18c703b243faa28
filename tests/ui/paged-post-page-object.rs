use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(POST, "/v2/assets/stac/search", paged)]
async fn search(client: &impl Authenticated, #[body] search: &serde_json::Value) -> Result<Vec<serde_json::Value>, Error>;

fn main() {}
