use up42_auth::{up42_endpoint, Authenticated, Error};

// The catalogue knows how each list pages.
#[up42_endpoint(GET, "/v2/processing/jobs", paged)]
async fn jobs(client: &impl Authenticated) -> Result<Vec<serde_json::Value>, Error>;

#[up42_endpoint(GET, "/v2/orders", paged = "content")]
async fn orders(client: &impl Authenticated) -> Result<Vec<serde_json::Value>, Error>;

#[up42_endpoint(GET, "/v2/orders/{order_id}", paged)]
async fn order(client: &impl Authenticated, order_id: &str) -> Result<Vec<serde_json::Value>, Error>;

fn main() {}
