use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(PATCH, "/v2/orders/{order_id}", content_type = "application/merge-patch+json")]
async fn touch(client: &impl Authenticated, order_id: &str) -> Result<(), Error>;

fn main() {}
