use serde::Serialize;
use up42_auth::{up42_endpoint, Authenticated, Error, Query};

#[derive(Serialize, Query)]
#[serde(rename_all = "camelCase")]
struct OrderFilters {
    workspace_id: Option<String>,
    stauts: Vec<String>,
}

#[derive(Serialize, Query)]
struct Paging {
    page: u32,
}

#[up42_endpoint(GET, "/v2/orders")]
async fn list(client: &impl Authenticated, #[query(flatten)] filters: &OrderFilters) -> Result<(), Error>;

// `page` is the paged endpoint's own key.
#[up42_endpoint(GET, "/v2/orders", paged)]
async fn all(client: &impl Authenticated, #[query(flatten)] paging: &Paging) -> Result<Vec<()>, Error>;

fn main() {}
