use up42_auth::{up42_endpoint, Authenticated, Error};

#[up42_endpoint(GET, "/v2/collections", timeout = "30 parsecs")]
async fn unit(client: &impl Authenticated) -> Result<(), Error>;

#[up42_endpoint(GET, "/v2/collections", timeout = "0s")]
async fn zero(client: &impl Authenticated) -> Result<(), Error>;

#[up42_endpoint(GET, "/v2/collections", timeout = 30)]
async fn number(client: &impl Authenticated) -> Result<(), Error>;

fn main() {}
