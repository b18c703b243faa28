use up42_auth::{up42_endpoint, Authenticated, Error};

// Fields of `self` need a method on `&self`.
#[up42_endpoint(GET, "/v2/orders", query(workspaceId = self.id))]
async fn orders(client: &impl Authenticated) -> Result<(), Error>;

fn main() {}
