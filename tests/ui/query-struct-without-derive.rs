use up42_auth::{up42_endpoint, Authenticated, Error};

#[derive(serde::Serialize)]
struct OrderFilters {
    status: Vec<String>,
}

#[up42_endpoint(GET, "/v2/orders")]
async fn list(client: &impl Authenticated, #[query(flatten)] filters: &OrderFilters) -> Result<(), Error>;

fn main() {}
