//! The account through the typed client.

use up42_testkit::{USERNAME, WORKSPACE_ID};

use crate::fixtures::{self, archive_order};

#[tokio::test]
async fn user_info_names_the_workspace_and_the_balance_follows_orders() {
    let (_sandbox, client) = fixtures::start().await;
    let me = client.account().user_info().await.unwrap();
    assert_eq!(me.sub, WORKSPACE_ID);
    assert_eq!(me.preferred_username.as_deref(), Some(USERNAME));

    let before = client.account().balance().await.unwrap().available.amount;
    client.orders().place(&archive_order("spend")).await.unwrap();
    let after = client.account().balance().await.unwrap().available.amount;
    assert!(after < before, "{after} after {before}");
}

#[tokio::test]
async fn a_token_url_of_another_shape_asks_for_the_workspace_id() {
    let sandbox = up42_testkit::Sandbox::start().await;
    let client = up42::Client::builder()
        .credentials(up42::Credentials::new(USERNAME, up42_testkit::PASSWORD))
        .token_url(&format!("{}/custom/token", sandbox.base_url()))
        .api_url(&sandbox.api_url())
        .build()
        .unwrap();
    let error = client.workspace_id().await.unwrap_err();
    assert_eq!(error.kind(), up42::ErrorKind::Config);
    assert!(
        error.to_string().contains("ClientBuilder::workspace_id"),
        "{error}"
    );
}
