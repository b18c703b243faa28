//! Who a token belongs to: the token server's userinfo, beside its token
//! endpoint. The client asks it for the workspace id.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use up42_auth::auth::TokenCache;
use up42_auth::policy::RequestPolicy;
use up42_auth::{Authenticated, Up42Client, Url, up42_endpoint};

use crate::ids::WorkspaceId;
use crate::{Error, Result};

/// The logged-in user, as the token server's userinfo describes them
/// (serialized as it came, for tools that print it).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The subject: UP42 uses the workspace id.
    pub sub: WorkspaceId,
    /// The user's email address.
    pub email: Option<String>,
    /// The name the user logs in with.
    pub preferred_username: Option<String>,
    /// Whether the email address was confirmed.
    pub email_verified: Option<bool>,
    /// Claims this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where Keycloak's endpoints of the realm UP42 uses live, below the token
/// server's base URL.
const TOKEN_PATH: &str = "/realms/public/protocol/openid-connect/token";

/// The token server as the base URL of calls: the userinfo endpoint lives
/// there, beside the token endpoint, and takes the same bearer token.
struct AuthServer<'a> {
    client: &'a Up42Client,
    base: Url,
}

impl Authenticated for AuthServer<'_> {
    fn api_url(&self) -> &Url {
        &self.base
    }
    fn http_client(&self) -> &up42_auth::reqwest::Client {
        self.client.http_client()
    }
    fn token_cache(&self) -> &TokenCache {
        self.client.token_cache()
    }
    fn request_policy(&self) -> &RequestPolicy {
        self.client.request_policy()
    }
}

#[up42_endpoint(GET, "/realms/public/protocol/openid-connect/userinfo", bundled)]
async fn userinfo(server: &AuthServer<'_>) -> Result<UserInfo>;

/// The logged-in user, from the userinfo endpoint beside `client`'s token endpoint.
pub(crate) async fn user_info(client: &Up42Client) -> Result<UserInfo> {
    let token_url = client.token_url();
    let base = token_url
        .as_str()
        .strip_suffix(TOKEN_PATH)
        .and_then(|base| Url::parse(base).ok())
        .ok_or_else(|| {
            Error::config(format!(
                "the user's workspace cannot be looked up: the token URL `{token_url}` does not end in \
                 `{TOKEN_PATH}`, so where its userinfo endpoint is is unknown; give the workspace id \
                 to `ClientBuilder::workspace_id`"
            ))
        })?;
    userinfo(&AuthServer { client, base }).await
}
