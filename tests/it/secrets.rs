//! No password or token reaches `Debug` or `Display` output of any public type.

use std::time::Duration;

use up42_auth::{
    Authenticated, Credentials, Error, Up42Client,
    auth::{RefreshToken, TokenGrant},
};
use up42_testkit::{Sandbox, USERNAME};

const PASSWORD: &str = "s3cret-P@ss&word";

fn assert_clean(shown: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!shown.contains(secret), "secret `{secret}` leaked into: {shown}");
    }
}

#[tokio::test]
async fn debug_output_of_every_public_type_is_redacted() {
    let sandbox = Sandbox::builder().user(USERNAME, PASSWORD).start().await;
    let credentials = Credentials::new(USERNAME, PASSWORD);
    let builder = sandbox.client_builder().credentials(credentials.clone());
    let builder_shown = format!("{builder:?}");
    let client: Up42Client = builder.build().unwrap();

    let token = client.access_token().await.unwrap();
    assert!(token.bearer_header().is_sensitive());
    // The sandbox's refresh token, as the client received it.
    let refresh = sandbox_refresh_token(&sandbox).await;
    let grant = TokenGrant::new(token.secret(), Duration::from_secs(300))
        .with_refresh_token(refresh.clone(), Some(Duration::from_secs(1800)));

    let wrong = sandbox
        .client_builder()
        .credentials(Credentials::new(USERNAME, PASSWORD.repeat(2)))
        .build()
        .unwrap();
    let error: Error = wrong.access_token().await.unwrap_err();

    let shown = [
        format!("{credentials:?}"),
        builder_shown,
        format!("{client:?}"),
        format!("{:?}", client.token_cache()),
        format!("{token:?}"),
        format!("{:?}", token.bearer_header()),
        format!("{:?}", RefreshToken::new(refresh.clone())),
        format!("{grant:?}"),
        format!("{error:?}"),
        error.to_string(),
        format!("{sandbox:?}"),
    ];
    for text in &shown {
        assert_clean(text, &[PASSWORD, token.secret(), &refresh]);
    }
    assert!(shown[2].contains(USERNAME), "Debug still says who: {}", shown[2]);
}

async fn sandbox_refresh_token(sandbox: &Sandbox) -> String {
    let form = [
        ("grant_type", "password"),
        ("username", USERNAME),
        ("password", PASSWORD),
        ("client_id", "up42-api"),
    ];
    let body: serde_json::Value = reqwest::Client::new()
        .post(sandbox.token_url())
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["refresh_token"].as_str().unwrap().to_string()
}
