use up42_auth::{up42_endpoint, Authenticated, Error};

#[derive(serde::Serialize)]
struct Filter {
    anything: bool,
}

#[up42_endpoint(GET, "/v2/orders")]
async fn list(
    client: &impl Authenticated,
    #[query("workspaceID")] workspace_id: &str,
    #[query] pages: Option<u32>,
    #[query] filter: &Filter, // a struct under a key: its fields go with `#[query(flatten)]`
) -> Result<(), Error>;

fn main() {}
