use up42_auth::{up42_endpoint, Authenticated, Error};

pub struct NewOrder;

#[up42_endpoint(POST, "/v2/orders")]
async fn place(client: &impl Authenticated, #[body] order: &NewOrder) -> Result<(), Error>;

fn main() {}
