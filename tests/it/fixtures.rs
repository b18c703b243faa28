//! What the typed-client tests share: a sandbox with a typed client on it,
//! and orders to place.

use up42::Client;
use up42::orders::NewOrder;
use up42_testkit::{Sandbox, SandboxBuilder};

/// A sandbox with its default world, and a typed client of its demo user.
pub async fn start() -> (Sandbox, Client) {
    with(Sandbox::builder()).await
}

/// A sandbox built by `builder`, and a typed client of its demo user.
pub async fn with(builder: SandboxBuilder) -> (Sandbox, Client) {
    let sandbox = builder.start().await;
    let client = Client::from(sandbox.client().expect("the sandbox's client builds"));
    (sandbox, client)
}

/// An archive order of one scene over Berlin, named `name`.
pub fn archive_order(name: &str) -> NewOrder {
    serde_json::from_value(up42_testkit::seed::archive_order_request(name))
        .expect("the seed's order request reads")
}

/// A tasking order over Berlin, named `name`; with `feasibility`, of a
/// product that starts with a feasibility study.
pub fn tasking_order(name: &str, feasibility: bool) -> NewOrder {
    serde_json::from_value(up42_testkit::seed::tasking_order_request(name, feasibility))
        .expect("the seed's order request reads")
}

/// The queries of the API requests the sandbox saw for `path`, in order.
pub fn queries(sandbox: &Sandbox, path: &str) -> Vec<String> {
    sandbox
        .journal_of(up42_testkit::Route::Api)
        .into_iter()
        .filter(|r| r.path == path)
        .map(|r| r.query.unwrap_or_default())
        .collect()
}

/// Waits for an order with pauses of a millisecond: the sandbox moves
/// orders on per look, not per second.
pub async fn settle(client: &Client, id: impl Into<up42::ids::OrderId>) -> up42::orders::OrderOutcome {
    client
        .orders()
        .wait(id)
        .every(std::time::Duration::from_millis(1))
        .max_interval(std::time::Duration::from_millis(2))
        .await
        .expect("the wait ends")
}

/// Every item of a list, or the test fails.
pub async fn all<Q: up42::list::ListQuery>(list: up42::List<Q>) -> Vec<Q::Item> {
    use futures_util::TryStreamExt;
    list.items().try_collect().await.unwrap()
}
