use up42_auth::{up42_endpoint, Authenticated, Error, Paged};

pub struct Order {
    pub id: String,
}

#[up42_endpoint(GET, "/v2/orders", paged)]
async fn all(client: &impl Authenticated) -> Result<Vec<Order>, Error>;

#[up42_endpoint(GET, "/v2/orders", paged)]
fn each(client: &impl Authenticated) -> Paged<Order>;

fn main() {}
