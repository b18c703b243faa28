use up42_auth::{up42_endpoint, Error, Up42Client};

struct Order {
    client: Up42Client,
    id: String,
    workspace: String,
}

up42_auth::delegate_authenticated!(Order => client);

impl Order {
    #[up42_endpoint(GET, "/v2/orders/{order_id}", path(order = self.id))]
    async fn misspelt(&self) -> Result<(), Error>;

    #[up42_endpoint(GET, "/v2/orders/{order_id}", path(order_id = self.id))]
    async fn twice(&self, order_id: &str) -> Result<(), Error>;

    #[up42_endpoint(GET, "/v2/orders", query(workspaceId = self.workspace))]
    async fn key_twice(&self, #[query("workspaceId")] workspace: &str) -> Result<(), Error>;

    #[up42_endpoint(GET, "/v2/orders", query(workspace = self.workspace))]
    async fn unknown_key(&self) -> Result<(), Error>;
}

fn main() {}
