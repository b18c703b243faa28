//! Endpoints declared through `up42` under another name call the sandbox
//! like any other.

use up42_renamed_up42_test::{get_order, orders};
use up42_testkit::{ORDER_ID, Sandbox};

#[tokio::test]
async fn endpoints_through_renamed_up42_call_the_api() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let order = get_order(&client, ORDER_ID).await.unwrap();
    assert_eq!(order["id"], ORDER_ID);
    let all = orders(&client, Some(1)).await.unwrap();
    assert!(all.iter().any(|order| order["id"] == ORDER_ID));
    assert_eq!(sandbox.counters().token_requests, 1);
}
