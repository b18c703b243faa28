//! A local, Keycloak-compatible UP42 sandbox for tests and examples.
//!
//! [`Sandbox::start`] binds `127.0.0.1` on a free port and serves, on a task of
//! the current tokio runtime, UP42 as UP42's own SDK reads it:
//!
//! - **Auth**: the token endpoint at the real realm path
//!   (`/realms/public/protocol/openid-connect/token`) with Keycloak's answers
//!   for both public clients (`up42-api`, `up42-sdk`): password and refresh
//!   grants, RS256-signed JWTs, and every documented error (wrong password,
//!   unknown client, missing or unsupported grant, wrong media type, unknown
//!   realm, expired, revoked or reused refresh tokens); `userinfo`, whose
//!   `sub` is the caller's workspace id.
//! - **Orders**: the paged list with UP42's filters, estimate and placement
//!   (a bad feature of the AOI fails alone, as an `errors` entry), fetches
//!   that move placed orders along a status schedule
//!   ([`SandboxBuilder::order_status_schedule`]) and deliver fulfilled ones
//!   into storage, merge-patch updates, cancellation, coverage, the order
//!   schema of a data product.
//! - **Tasking**: quotations and feasibility studies that UP42 "uploads"
//!   while a tasking order is observed ([`SandboxBuilder::tasking_upload_after`]),
//!   and the user's decisions that move the order on.
//! - **Glossary** (public) and **catalog**: collections with providers, data
//!   products and integrations; archive search on a host (next links POSTed
//!   again, 422 in the legacy envelope), quicklooks, and the STAC entry point
//!   `/v2/catalog/`.
//! - **Storage**: the STAC API at `/v2/assets/stac/` (landing page,
//!   collections and items with token paging, item updates, deletion, search
//!   with a CQL2-JSON filter, queryables), assets with absolute hrefs, and
//!   `download-url` answering a signed URL on a second, token-less storage
//!   host ([`Sandbox::add_asset`], [`Sandbox::add_generated_asset`]) that
//!   names each file, honours `Range` and `If-Range` against an `ETag`
//!   (`206`, `416`), sends `Content-MD5` or `x-goog-hash` when asked, and
//!   cuts, corrupts, refuses ranges or caps bandwidth by [`AssetRules`].
//! - **Processing**: processes with their EULAs and prices, validation (400
//!   `schema-error`, 422 `errors`), cost, execution of jobs that move through
//!   UP42's lower-case statuses ([`SandboxBuilder::job_status_schedule`]) to
//!   results in storage, the jobs list with next links.
//! - **Budgets and account**: budgets with usage, budget settings, the
//!   credit balance.
//! - **Errors** in each family's shape; unknown ids are 404s.
//!
//! Every sandbox starts with the same documented world: see [`seed`]. Each
//! user sees only their own account's resources.
//!
//! For testing the toolkit itself there are echo routes, `ANY /echo/...`
//! (bearer-checked) and `ANY /public/echo/...`, answering with the method,
//! raw path, raw query, headers and body received; `ANY /redirect/{*to}`, a
//! `307` to `/{to}`; and `ANY /v2/status/{code}`, which answers `code` with
//! an UP42 error body.
//!
//! Tests mount routes of their own ([`Mock`], ahead of the built-in fake and
//! bearer-checked unless public, with expected call counts checked on drop),
//! read the [journal](Sandbox::journal) of every request and the [`Counters`],
//! revoke tokens, change a password, inject faults, and set latency and
//! failure rates that a seed replays.
//!
//! The sandbox runs its own server (hyper under axum) rather than building on
//! `wiremock`, whose API its mounted routes follow: a fault must be able to
//! close a connection without answering, the token endpoint must answer
//! exactly as Keycloak does, and every route, mounted ones included, checks
//! bearer tokens against the tokens that endpoint issued.
//!
//! ```
//! use up42_auth::Authenticated;
//! use up42_testkit::Sandbox;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), up42_auth::Error> {
//! let sandbox = Sandbox::start().await;
//! let client = sandbox.client()?; // an Up42Client pointed at the sandbox
//! for _ in 0..100 {
//!     client.access_token().await?;
//! }
//! assert_eq!(sandbox.counters().token_requests, 1);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]
// Handlers return their early answers (a 404, a 400) as `Err(Response)`: one
// per request on a test server, where the size of the `Err` costs nothing.
#![allow(clippy::result_large_err)]

// The handle, its builder, and how requests reach the handlers.
mod builder;
mod router;
mod sandbox;
mod server;
// In front of the handlers: counting, recording, faults, bearer checks, mounted routes.
mod counters;
mod faults;
mod journal;
mod middleware;
mod mock;
mod route;
// The token endpoint and its tokens.
mod jwt;
mod keycloak;
mod tls;
// The world: its data, its seed, UP42's shapes, and one handler module per resource.
mod assets;
mod lock;
mod resources;
pub mod seed;
mod shapes;
mod stac;
mod state;

pub use assets::{AssetRules, Checksums, generated_asset};
pub use builder::SandboxBuilder;
pub use counters::Counters;
pub use faults::Fault;
pub use journal::{Authorization, Recorded};
pub use mock::{Mock, Respond, Step};
pub use route::Route;
pub use sandbox::Sandbox;
pub use seed::{ORDER_COUNT, ORDER_ID, WORKSPACE_ID};

/// The username of the sandbox's default user, who owns the [`seed`]ed world.
pub const USERNAME: &str = "sandbox@up42.example";
/// The password of the sandbox's default user.
pub const PASSWORD: &str = "sandbox-password";
