use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(PATCH, "/v2/orders/{order_id}", content_type = "merge patch")]
async fn update(client: &impl Authenticated, order_id: &str, #[body] patch: &serde_json::Value) -> Result<(), Error>;

fn main() {}
