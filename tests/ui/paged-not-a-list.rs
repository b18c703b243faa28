use up42_auth::{up42_endpoint, Authenticated, Error};

#[derive(serde::Deserialize)]
pub struct Order {
    pub id: String,
}

// `paged` lists with `GET`, decodes each page, and returns the items.
#[up42_endpoint(POST, "/v2/orders", paged)]
async fn place(client: &impl Authenticated) -> Result<Vec<Order>, Error>;

#[up42_endpoint(GET, "/v2/orders", paged, raw)]
async fn raw_pages(client: &impl Authenticated) -> Result<Vec<Order>, Error>;

#[up42_endpoint(GET, "/v2/orders", paged)]
async fn one(client: &impl Authenticated) -> Result<Order, Error>;

fn main() {}
