// Compiled with UP42_OPENAPI naming tests/ui-spec/broken-openapi.json.
use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/orders")]
async fn list(client: &impl Authenticated) -> Result<(), Error>;

fn main() {}
