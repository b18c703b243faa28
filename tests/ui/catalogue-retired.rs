use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(POST, "/workspaces/{workspace_id}/orders")]
async fn place(client: &impl Authenticated, workspace_id: &str) -> Result<(), Error>;

fn main() {}
