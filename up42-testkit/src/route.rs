//! Which side of the sandbox a request is for: the token endpoint or the API.

/// Which side of the sandbox a request, a fault or a delay is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// The token endpoint.
    Token,
    /// Every other route: `/v2/...`, user info, echo routes.
    Api,
}

impl Route {
    /// The side `path` belongs to.
    pub(crate) fn of(path: &str) -> Route {
        if path.starts_with("/realms/") && path.ends_with("/token") {
            Route::Token
        } else {
            Route::Api
        }
    }
}
