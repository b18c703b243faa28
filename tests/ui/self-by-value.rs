use up42_auth::{up42_endpoint, Error};

struct Api;

impl Api {
    #[up42_endpoint(GET, "/v2/orders")]
    async fn list(self) -> Result<(), Error>;
}

fn main() {}
