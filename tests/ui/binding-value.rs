use up42_auth::{up42_endpoint, Error, Up42Client};

struct Workspace {
    client: Up42Client,
    id: String,
}

up42_auth::delegate_authenticated!(Workspace => client);

impl Workspace {
    // Only fields of `self`, written `name = self.field`.
    #[up42_endpoint(GET, "/v2/orders", query(workspaceId = id))]
    async fn not_a_field(&self) -> Result<(), Error>;

    #[up42_endpoint(GET, "/v2/orders", query(self.id))]
    async fn no_name(&self) -> Result<(), Error>;

    #[up42_endpoint(GET, "/v2/orders/{order_id}", path("order_id" = self.id))]
    async fn quoted_placeholder(&self) -> Result<(), Error>;

    // A field that does not exist is rustc's error, at the field.
    #[up42_endpoint(GET, "/v2/orders", query(workspaceId = self.workspace))]
    async fn missing_field(&self) -> Result<(), Error>;
}

fn main() {}
