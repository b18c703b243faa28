//! Request counts: what the sandbox saw, for tests to assert on.

use std::sync::atomic::{AtomicU64, Ordering};

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
    /// Bytes of file data sent: asset bodies, from the storage host or the
    /// API host, whole or in part, cut or not.
    pub asset_bytes: u64,
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
    asset_bytes: AtomicU64,
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
    AssetBytes,
}

impl AtomicCounters {
    pub(crate) fn bump(&self, count: Count) {
        self.add(count, 1);
    }

    pub(crate) fn add(&self, count: Count, n: u64) {
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
            Count::AssetBytes => &self.asset_bytes,
        };
        counter.fetch_add(n, Ordering::SeqCst);
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
            asset_bytes: self.asset_bytes.load(Ordering::SeqCst),
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
            &self.asset_bytes,
        ] {
            counter.store(0, Ordering::SeqCst);
        }
    }
}
