//! What every command starts from: tracing on stderr, and a client built
//! from the global options, with tokens cached between runs.

use up42::Credentials;
use up42::toolkit::{Authenticated, Up42Client, Up42ClientBuilder, store::FileTokenStore};

use crate::cli::Global;
use crate::failure::Failure;

/// What keeps the sandbox of `--sandbox` running; nothing in a build
/// without the `sandbox` feature.
#[cfg(feature = "sandbox")]
type SandboxGuard = up42_testkit::Sandbox;
#[cfg(not(feature = "sandbox"))]
type SandboxGuard = std::convert::Infallible;

/// A client, and the sandbox it talks to if `--sandbox` started one.
pub struct Session {
    pub client: Up42Client,
    /// Kept alive as long as the client needs it.
    _sandbox: Option<SandboxGuard>,
}

impl Session {
    /// The typed client on this session's client: what resource commands call.
    pub fn typed(&self) -> up42::Client {
        up42::Client::from(self.client.clone())
    }

    /// A session of `client` alone.
    pub fn new(client: Up42Client) -> Session {
        OPENED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(client.clone());
        Session {
            client,
            _sandbox: None,
        }
    }
}

/// The clients of the sessions opened: their renewals end before the process does.
static OPENED: std::sync::Mutex<Vec<Up42Client>> = std::sync::Mutex::new(Vec::new());

/// Waits for a token renewal the command started in the background to end
/// and be saved to the token cache: the process exiting under it would
/// spend a refresh token that a token server rotating them never accepts
/// again, and the next run would log in.
pub async fn settle() {
    let opened = std::mem::take(&mut *OPENED.lock().unwrap_or_else(|p| p.into_inner()));
    for client in opened {
        client.token_cache().settle().await;
    }
}

/// `-v`: a line on stderr per API request as it ends (method, path
/// template, status, resends, time) and the toolkit's notices; `-vv`: token
/// renewals (grant, outcome, time) and debug events too. Never a secret: the
/// toolkit's spans and events carry none, and paths are templates.
pub fn trace(verbose: u8) {
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::layer::SubscriberExt;
    let level = match verbose {
        0 => return,
        1 => tracing::Level::INFO,
        _ => tracing::Level::DEBUG,
    };
    let only_ours = tracing_subscriber::filter::Targets::new()
        .with_target("up42_auth", level)
        .with_target("up42", level);
    // At -v, of the spans only the requests: renewals and waits are -vv's.
    let requests_only = tracing_subscriber::filter::filter_fn(move |meta| {
        verbose > 1 || !meta.is_span() || meta.name() == "up42.request"
    });
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_span_events(FmtSpan::CLOSE)
        .compact();
    let subscriber = tracing_subscriber::registry()
        .with(layer)
        .with(only_ours)
        .with(requests_only);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The URLs and region of the global options, on a builder.
pub fn builder(global: &Global) -> Up42ClientBuilder {
    let mut builder = Up42Client::builder().region(global.region);
    if let Some(url) = &global.token_url {
        builder = builder.token_url(url);
    }
    if let Some(url) = &global.api_url {
        builder = builder.api_url(url);
    }
    builder
}

/// The client for a command: the sandbox's with `--sandbox`; otherwise one
/// with the discovered credentials and the file token store.
pub async fn open(global: &Global) -> Result<Session, Failure> {
    if global.sandbox {
        return sandbox().await;
    }
    // Discovered here rather than by the builder, which discovers them for
    // UP42's own token URLs only: `--token-url` is the user's explicit choice.
    let credentials = Credentials::discover()?;
    Ok(Session::new(
        with_store(builder(global).credentials(credentials)).build()?,
    ))
}

/// A session on a local sandbox with the demo user.
#[cfg(feature = "sandbox")]
async fn sandbox() -> Result<Session, Failure> {
    let sandbox = up42_testkit::Sandbox::start().await;
    crate::term::note!(
        "using a local sandbox at {} (demo user, nothing goes to UP42)",
        sandbox.base_url()
    );
    let client = sandbox.client_builder().build()?;
    Ok(Session {
        client,
        _sandbox: Some(sandbox),
    })
}

/// `up42 sandbox`: a sandbox on `port` (0: a free one) until the command is
/// interrupted, and the line that points other shells at it on stdout.
#[cfg(feature = "sandbox")]
pub async fn serve(port: u16) -> Result<(), Failure> {
    let sandbox = up42_testkit::Sandbox::builder()
        .port(port)
        .try_start()
        .await
        .map_err(|e| Failure::Usage(format!("--port {port}: the sandbox cannot listen on it ({e})")))?;
    // The demo user's password is the sandbox's public constant, no secret.
    crate::output::line(&format!(
        "export UP42_API_URL={} UP42_TOKEN_URL={} UP42_USERNAME={} UP42_PASSWORD={}",
        sandbox.api_url(),
        sandbox.token_url(),
        up42_testkit::USERNAME,
        up42_testkit::PASSWORD
    ))?;
    crate::term::note!(
        "sandbox running at {}: run the line above in another shell to point `up42` (or your own program) at \
         it; what you place lasts until Ctrl-C stops it",
        sandbox.base_url()
    );
    std::future::pending::<()>().await;
    Ok(())
}

/// `up42 sandbox` in a build without the sandbox: a usage error.
#[cfg(not(feature = "sandbox"))]
pub async fn serve(_port: u16) -> Result<(), Failure> {
    sandbox().await.map(|_| ())
}

/// `--sandbox` in a build without the sandbox: a usage error.
#[cfg(not(feature = "sandbox"))]
async fn sandbox() -> Result<Session, Failure> {
    Err(Failure::Usage(
        "this build of up42 has no sandbox: install it with the `sandbox` feature (on by default)"
            .to_string(),
    ))
}

/// The PBKDF2 rounds sealing the command's token store.
const CLI_SEAL_ROUNDS: u32 = 1_000;

/// The file token store, where the platform has a cache directory.
pub fn with_store(builder: Up42ClientBuilder) -> Up42ClientBuilder {
    match FileTokenStore::default_location() {
        // A run is short, and the store is private to the user, as is the
        // credentials file that holds the password itself: 1,000 rounds
        // (0.14 ms a run) seal its entries rather than a fleet's 200,000 (30 ms).
        Ok(store) => builder.token_store(store).seal_rounds(CLI_SEAL_ROUNDS),
        Err(error) => {
            tracing::info!(%error, "no token cache between runs");
            builder
        }
    }
}
