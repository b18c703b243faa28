//! The endpoints declared through a renamed dependency and a façade call the
//! sandbox like any other.

use up42_renamed_dependency_test::{renamed, through_facade};
use up42_testkit::Sandbox;

#[tokio::test]
async fn renamed_and_facade_endpoints_call_the_api() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let echo = renamed(&client, "o-1", Some(true)).await.unwrap();
    assert_eq!(echo["path"], "/echo/renamed/o-1");
    assert_eq!(echo["query"], "verbose=true");
    let echo = through_facade(&client).await.unwrap();
    assert_eq!(echo["path"], "/echo/facade");
    assert_eq!(sandbox.counters().token_requests, 1);
}
