//! What the sandbox remembers: its settings, the tokens it issued, and counters.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::journal::{Authorization, Recorded, redact_form};
use crate::lock::lock;
use crate::mock::Mocks;
use crate::route::Route;

/// The largest request body the journal keeps whole; a larger one is cut.
const JOURNAL_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// How the sandbox behaves; set with [`SandboxBuilder`](crate::SandboxBuilder).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The users at start; [`Store::users`] holds them while the sandbox runs.
    pub(crate) users: HashMap<String, String>,
    pub(crate) client_id: String,
    pub(crate) access_lifetime: Duration,
    /// `None`: no refresh tokens are issued.
    pub(crate) refresh_lifetime: Option<Duration>,
    /// Reusing a refresh token after it was exchanged answers `Stale token`.
    pub(crate) rotate_refresh_tokens: bool,
    /// Serve HTTPS with a certificate made at start.
    pub(crate) https: bool,
    /// The seed of the random draws of latency ranges and failure rates.
    pub(crate) seed: u64,
    /// The statuses a placed order shows, each for that many fetches, then the last.
    pub(crate) order_schedule: (Vec<(String, u32)>, String),
}

/// An order the sandbox knows, and how often it was fetched.
#[derive(Debug, Clone)]
pub(crate) struct StoredOrder {
    pub(crate) value: serde_json::Value,
    /// Fetches so far; they move a placed order along the schedule.
    pub(crate) polls: u32,
    /// Whether the status schedule applies (orders placed by the test).
    pub(crate) scheduled: bool,
}

/// Request counts, read with [`Sandbox::counters`](crate::Sandbox::counters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Every request to the token endpoint, whatever its outcome.
    pub token_requests: u64,
    /// Token requests with `grant_type=password`.
    pub password_grants: u64,
    /// Token requests with `grant_type=refresh_token`.
    pub refresh_grants: u64,
    /// Password and refresh grants the server refused (`invalid_grant`: a
    /// wrong password, a reused, expired or revoked refresh token).
    pub rejected_grants: u64,
    /// Every request to an API route (`/v2/...`, `/echo/...`, user info).
    pub api_calls: u64,
    /// API requests answered 401 because the bearer token was missing, unknown,
    /// expired or revoked.
    pub unauthorized: u64,
    /// Requests to any route that carried an `Authorization` header, valid or
    /// not: a sandbox playing a foreign host must see none.
    pub with_authorization: u64,
    /// TCP connections accepted: fewer than requests when clients reuse them.
    pub connections: u64,
    /// Requests to the storage host (signed download URLs).
    pub storage_requests: u64,
}

#[derive(Default)]
pub(crate) struct AtomicCounters {
    token_requests: AtomicU64,
    password_grants: AtomicU64,
    refresh_grants: AtomicU64,
    rejected_grants: AtomicU64,
    api_calls: AtomicU64,
    unauthorized: AtomicU64,
    with_authorization: AtomicU64,
    connections: AtomicU64,
    storage_requests: AtomicU64,
}

/// Which counter to bump.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Count {
    TokenRequest,
    PasswordGrant,
    RefreshGrant,
    RejectedGrant,
    ApiCall,
    Unauthorized,
    WithAuthorization,
    Connection,
    StorageRequest,
}

impl AtomicCounters {
    pub(crate) fn bump(&self, count: Count) {
        let counter = match count {
            Count::TokenRequest => &self.token_requests,
            Count::PasswordGrant => &self.password_grants,
            Count::RefreshGrant => &self.refresh_grants,
            Count::RejectedGrant => &self.rejected_grants,
            Count::ApiCall => &self.api_calls,
            Count::Unauthorized => &self.unauthorized,
            Count::WithAuthorization => &self.with_authorization,
            Count::Connection => &self.connections,
            Count::StorageRequest => &self.storage_requests,
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn snapshot(&self) -> Counters {
        Counters {
            token_requests: self.token_requests.load(Ordering::SeqCst),
            password_grants: self.password_grants.load(Ordering::SeqCst),
            refresh_grants: self.refresh_grants.load(Ordering::SeqCst),
            rejected_grants: self.rejected_grants.load(Ordering::SeqCst),
            api_calls: self.api_calls.load(Ordering::SeqCst),
            unauthorized: self.unauthorized.load(Ordering::SeqCst),
            with_authorization: self.with_authorization.load(Ordering::SeqCst),
            connections: self.connections.load(Ordering::SeqCst),
            storage_requests: self.storage_requests.load(Ordering::SeqCst),
        }
    }

    pub(crate) fn reset(&self) {
        for counter in [
            &self.token_requests,
            &self.password_grants,
            &self.refresh_grants,
            &self.rejected_grants,
            &self.api_calls,
            &self.unauthorized,
            &self.with_authorization,
            &self.connections,
            &self.storage_requests,
        ] {
            counter.store(0, Ordering::SeqCst);
        }
    }
}

pub(crate) struct IssuedAccess {
    pub(crate) username: String,
    pub(crate) expires_at: Instant,
}

pub(crate) struct IssuedRefresh {
    pub(crate) username: String,
    pub(crate) session: String,
    pub(crate) expires_at: Option<Instant>,
    /// Already exchanged for a newer refresh token.
    pub(crate) used: bool,
}

/// Issued tokens and what tests asked the sandbox to remember.
#[derive(Default)]
pub(crate) struct Store {
    /// Username to password.
    pub(crate) users: HashMap<String, String>,
    /// The orders, in the order they were made.
    pub(crate) orders: Vec<StoredOrder>,
    /// Asset id to what the storage host serves.
    pub(crate) assets: HashMap<String, crate::assets::Asset>,
    pub(crate) access: HashMap<String, IssuedAccess>,
    pub(crate) refresh: HashMap<String, IssuedRefresh>,
    pub(crate) ended_sessions: HashSet<String>,
    pub(crate) last_token_form: Option<Vec<(String, String)>>,
    pub(crate) serial: u64,
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    /// `http://127.0.0.1:PORT`, known once bound.
    pub(crate) base_url: String,
    pub(crate) store: Mutex<Store>,
    pub(crate) counters: AtomicCounters,
    /// Every request, in order.
    pub(crate) journal: Mutex<Vec<Recorded>>,
    /// Routes the test mounted.
    pub(crate) mocks: Mocks,
    /// `http://127.0.0.1:PORT` of the storage host, known once bound.
    pub(crate) storage_url: std::sync::OnceLock<String>,
}

impl Shared {
    /// The tokens, users, orders and assets, locked.
    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        lock(&self.store)
    }

    /// The journal, locked.
    pub(crate) fn journal(&self) -> std::sync::MutexGuard<'_, Vec<Recorded>> {
        lock(&self.journal)
    }
}

/// The outermost middleware: counts and records every request, before any
/// fault applies.
pub(crate) async fn count(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let route = Route::of(request.uri().path());
    shared.counters.bump(match route {
        Route::Token => Count::TokenRequest,
        Route::Api => Count::ApiCall,
        Route::Storage => Count::StorageRequest,
    });
    let authorization = match request.headers().contains_key(header::AUTHORIZATION) {
        false => Authorization::Absent,
        true => {
            shared.counters.bump(Count::WithAuthorization);
            match crate::keycloak::bearer_user(&shared, request.headers()) {
                Some(_) => Authorization::ValidBearer,
                None => Authorization::Invalid,
            }
        }
    };
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, JOURNAL_BODY_LIMIT)
        .await
        .unwrap_or_default();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let shown = match *name == header::AUTHORIZATION {
                true => "..redacted..".to_string(),
                false => String::from_utf8_lossy(value.as_bytes()).into_owned(),
            };
            (name.as_str().to_string(), shown)
        })
        .collect();
    let recorded = Recorded {
        route,
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers,
        authorization,
        body: match route {
            Route::Token => redact_form(&body),
            Route::Api | Route::Storage => body.to_vec(),
        },
    };
    shared.journal().push(recorded.clone());
    let mut request = Request::from_parts(parts, Body::from(body));
    // For the mounted routes, which match on what was recorded.
    request.extensions_mut().insert(recorded);
    next.run(request).await
}
