use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/orders/{id}/items/{id}")]
async fn get_item(client: &impl Authenticated, id: &str) -> Result<(), Error>;

fn main() {}
