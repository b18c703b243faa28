use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/processing/jobs", paged = 3)]
async fn jobs(client: &impl Authenticated) -> Result<Vec<serde_json::Value>, Error>;

#[up42_endpoint(GET, "/v2/processing/jobs", paged, paged = "jobs")]
async fn twice(client: &impl Authenticated) -> Result<Vec<serde_json::Value>, Error>;

fn main() {}
