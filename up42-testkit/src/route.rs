//! Which side of the sandbox a request is for: the token endpoint or the API.

/// Which side of the sandbox a request, a fault or a delay is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// The token endpoint.
    Token,
    /// The API routes: `/v2/...`, user info, echo routes, mounted routes.
    Api,
    /// The storage host that signed download URLs point at (no token).
    Storage,
}

impl Route {
    /// The side `path` belongs to.
    pub(crate) fn of(path: &str) -> Route {
        if path.starts_with("/realms/") && path.ends_with("/token") {
            Route::Token
        } else if path.starts_with("/storage/") {
            Route::Storage
        } else {
            Route::Api
        }
    }
}
