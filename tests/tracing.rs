//! The toolkit's tracing events tell what happened (token requests, renewals,
//! retries, resends, a readable credentials file) and never carry a secret.

use std::io::Write;
use std::sync::{Arc, Mutex};

use up42_auth::{Authenticated, Credentials, Error, up42_endpoint};
use up42_testkit::{Fault, Route, Sandbox, USERNAME};

const PASSWORD: &str = "tr@ce-Me&If=You+Can";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[up42_endpoint(GET, "/v2/orders/{order_id}")]
async fn get_order(client: &up42_auth::Up42Client, order_id: &str) -> Result<serde_json::Value, Error>;

#[tokio::test(flavor = "current_thread")]
async fn events_name_what_happened_and_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sandbox = Sandbox::builder().user(USERNAME, PASSWORD).start().await;
    let client = sandbox
        .client_builder()
        .credentials(Credentials::new(USERNAME, PASSWORD))
        .build()
        .unwrap();
    let mut secrets = vec![PASSWORD.to_string()];

    // A token request that is retried once.
    sandbox.inject(Route::Token, Fault::status(503), 1);
    secrets.push(client.access_token().await.unwrap().secret().to_string());
    // An API call that is retried once, then one that gets a 401 and a resend.
    sandbox.inject(Route::Api, Fault::status(503), 1);
    get_order(&client, "o-1").await.unwrap();
    sandbox.revoke_access_tokens();
    get_order(&client, "o-2").await.unwrap();
    secrets.push(client.access_token().await.unwrap().secret().to_string());
    let refresh_form = sandbox.last_token_form().unwrap();
    secrets.extend(
        refresh_form
            .into_iter()
            .filter(|(k, _)| k == "refresh_token")
            .map(|(_, v)| v),
    );
    // A wrong password.
    let wrong = sandbox
        .client_builder()
        .credentials(Credentials::new(USERNAME, "wr0ng-Secret"))
        .build()
        .unwrap();
    wrong.access_token().await.unwrap_err();
    secrets.push("wr0ng-Secret".into());
    // A credentials file that others can read.
    let dir = std::env::temp_dir().join(format!("up42-tracing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials.json");
    std::fs::write(
        &file,
        format!(r#"{{"username": "{USERNAME}", "password": "{PASSWORD}"}}"#),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    Credentials::from_file(&file).unwrap();

    let log = captured.text();
    for expected in [
        "requesting a token",
        "token request failed; retrying",
        "API request failed; retrying",
        "the API rejected the token; resending once",
        "access token renewed",
        "grant=\"refresh_token\"",
    ] {
        assert!(log.contains(expected), "missing `{expected}` in:\n{log}");
    }
    #[cfg(unix)]
    assert!(log.contains("readable by other users"), "{log}");
    assert_eq!(secrets.len(), 5, "{} secrets collected", secrets.len());
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "a secret leaked into the log:\n{log}"
        );
    }
}
