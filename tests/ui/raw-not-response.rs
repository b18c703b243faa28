use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/assets/{asset_id}", raw)]
async fn download(client: &impl Authenticated, asset_id: &str) -> Result<Vec<u8>, Error>;

fn main() {}
