//! The toolkit's tracing events tell what happened (token requests, renewals,
//! retries, resends, a readable credentials file), its spans carry
//! OpenTelemetry's HTTP client fields, and neither carries a secret.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

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
    get_order(&client, up42_testkit::ORDER_ID).await.unwrap();
    sandbox.revoke_access_tokens();
    get_order(&client, up42_testkit::ORDER_ID).await.unwrap();
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
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials.json");
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

/// A span as it closed: its name and its fields.
type ClosedSpan = (String, BTreeMap<String, String>);

/// A layer that keeps every closed span's name and fields.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<ClosedSpan>>>);

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S> Layer<S> for Spans
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        ctx.span(id).unwrap().extensions_mut().insert(fields);
    }
    fn on_record(&self, id: &tracing::span::Id, values: &tracing::span::Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let mut extensions = span.extensions_mut();
        values.record(extensions.get_mut::<Fields>().unwrap());
    }
    fn on_close(&self, id: tracing::span::Id, ctx: Context<'_, S>) {
        let span = ctx.span(&id).unwrap();
        let fields = span.extensions_mut().remove::<Fields>().unwrap_or_default();
        self.0.lock().unwrap().push((span.name().to_string(), fields.0));
    }
}

impl Spans {
    fn named(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        let spans = self.0.lock().unwrap();
        spans
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .collect()
    }
}

#[up42_endpoint(GET, "/v2/orders")]
async fn list_orders(
    client: &up42_auth::Up42Client,
    #[query("workspaceId")] workspace_id: &str,
) -> Result<serde_json::Value, Error>;

#[up42_endpoint(GET, "/v2/status/{code}", unchecked)]
async fn answer_with(client: &up42_auth::Up42Client, code: u16) -> Result<(), Error>;

#[tokio::test(flavor = "current_thread")]
async fn spans_carry_opentelemetry_fields_and_no_secret() {
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let sandbox = Sandbox::builder().user(USERNAME, PASSWORD).start().await;
    let client = sandbox
        .client_builder()
        .credentials(Credentials::new(USERNAME, PASSWORD))
        .build()
        .unwrap();
    get_order(&client, up42_testkit::ORDER_ID).await.unwrap();
    sandbox.revoke_access_tokens();
    list_orders(&client, "workspace-secret-value").await.unwrap();
    answer_with(&client, 404).await.unwrap_err();
    let token = client.access_token().await.unwrap();

    let requests = spans.named("up42.request");
    assert_eq!(requests.len(), 3, "{requests:#?}");
    let first = &requests[0];
    for (field, value) in [
        ("http.request.method", "GET"),
        ("url.template", "/v2/orders/{order_id}"),
        ("server.address", "127.0.0.1"),
        ("code.function", "get_order"),
        ("http.response.status_code", "200"),
        ("http.request.resend_count", "0"),
    ] {
        assert_eq!(
            first.get(field).map(String::as_str),
            Some(value),
            "{field}: {first:#?}"
        );
    }
    assert!(!first.contains_key("error.type"));
    // The revoked token: a 401, then one resend with a renewed token.
    assert_eq!(
        requests[1]["http.request.resend_count"], "1",
        "{:#?}",
        requests[1]
    );
    assert_eq!(requests[1]["url.template"], "/v2/orders");
    assert_eq!(requests[2]["error.type"], "404", "{:#?}", requests[2]);
    assert_eq!(requests[2]["http.response.status_code"], "404");

    let renewals = spans.named("up42.token_renewal");
    assert_eq!(renewals.len(), 2, "{renewals:#?}");
    assert_eq!(renewals[0]["grant"], "password");
    assert_eq!(renewals[1]["grant"], "refresh_token");
    for renewal in &renewals {
        assert_eq!(renewal["outcome"], "ok");
        assert!(renewal["took_ms"].parse::<u64>().is_ok(), "{renewal:#?}");
        let valid_for: u64 = renewal["valid_for_s"].parse().unwrap();
        assert!((298..=300).contains(&valid_for), "{renewal:#?}");
    }

    let everything = format!("{:?}", spans.0.lock().unwrap());
    for secret in [
        PASSWORD,
        token.secret(),
        up42_testkit::ORDER_ID,
        "workspace-secret-value",
    ] {
        assert!(
            !everything.contains(secret),
            "`{secret}` is in a span:\n{everything}"
        );
    }
}
