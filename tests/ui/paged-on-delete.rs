use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(DELETE, "/v2/things", paged = "items", unchecked)]
async fn delete_all(client: &impl Authenticated) -> Result<Vec<serde_json::Value>, Error>;

fn main() {}
