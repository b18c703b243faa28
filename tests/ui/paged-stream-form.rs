use up42_auth::{up42_endpoint, Authenticated, Paged};

#[derive(serde::Deserialize)]
pub struct Order {
    pub id: String,
}

// The stream form is a plain `fn`.
#[up42_endpoint(GET, "/v2/orders", paged)]
async fn orders(client: &impl Authenticated) -> Paged<Order>;

// A `Paged<T>` needs the `paged` option.
#[up42_endpoint(GET, "/v2/orders")]
fn unpaged(client: &impl Authenticated) -> Paged<Order>;

fn main() {}
