use up42_auth::{up42_endpoint, Authenticated, Error, Paged, Up42Client};

#[derive(serde::Deserialize)]
pub struct Order {
    pub id: String,
}

#[up42_endpoint(GET, "/v2/orders", paged)]
async fn orders(client: &impl Authenticated, #[query] page: u32) -> Result<Vec<Order>, Error>;

struct Lister {
    client: Up42Client,
    page: u32,
}

up42_auth::delegate_authenticated!(Lister => client);

impl Lister {
    #[up42_endpoint(GET, "/v2/orders", paged, query(page = self.page))]
    fn orders(&self) -> Paged<Order>;
}

fn main() {}
