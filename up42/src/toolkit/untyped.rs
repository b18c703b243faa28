//! The endpoints of UP42's catalogue this crate has no typed method for,
//! and why. Every other endpoint of the catalogue has one (a test walks the
//! catalogue to keep it so).
//!
//! Any of them is one declaration away, on `&Client`:
//!
//! ```
//! use up42::Client;
//! use up42::toolkit::up42_endpoint;
//!
//! /// The events a webhook can be told about.
//! #[up42_endpoint(GET, "/webhooks/events")]
//! async fn webhook_events(client: &Client) -> up42::Result<serde_json::Value>;
//! ```

/// An endpoint without a typed method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Untyped {
    /// The HTTP method.
    pub method: &'static str,
    /// The path, as the catalogue writes it.
    pub path: &'static str,
    /// Why it has no typed method.
    pub reason: &'static str,
}

const WEBHOOKS: &str = "webhooks: dropped from UP42's official SDK in 3.0 and answered in a legacy \
                        `{data, error}` envelope; not yet typed (priority 2)";
const LEGACY_ASSETS: &str = "the legacy asset API, replaced by STAC storage (`Client::storage`); \
                             not yet typed (priority 2)";

/// The endpoints without a typed method.
pub const UNTYPED: &[Untyped] = &[
    Untyped {
        method: "POST",
        path: "/realms/public/protocol/openid-connect/token",
        reason: "the token exchange: `up42-auth` does it, with caching and renewal, under every call",
    },
    Untyped {
        method: "GET",
        path: "/v2/catalog/",
        reason: "the new STAC catalog of UP42's 4.x SDK, whose children are not documented yet; \
                 `Client::catalog` searches the hosts (priority 2)",
    },
    Untyped {
        method: "GET",
        path: "/v2/assets",
        reason: LEGACY_ASSETS,
    },
    Untyped {
        method: "GET",
        path: "/v2/assets/{asset_id}/metadata",
        reason: LEGACY_ASSETS,
    },
    Untyped {
        method: "POST",
        path: "/v2/assets/{asset_id}/metadata",
        reason: LEGACY_ASSETS,
    },
    Untyped {
        method: "GET",
        path: "/webhooks/events",
        reason: WEBHOOKS,
    },
    Untyped {
        method: "GET",
        path: "/workspaces/{workspace-id}/webhooks",
        reason: WEBHOOKS,
    },
    Untyped {
        method: "POST",
        path: "/workspaces/{workspace-id}/webhooks",
        reason: WEBHOOKS,
    },
    Untyped {
        method: "GET",
        path: "/workspaces/{workspace-id}/webhooks/{webhook-id}",
        reason: WEBHOOKS,
    },
    Untyped {
        method: "PUT",
        path: "/workspaces/{workspace-id}/webhooks/{webhook-id}",
        reason: WEBHOOKS,
    },
    Untyped {
        method: "DELETE",
        path: "/workspaces/{workspace-id}/webhooks/{webhook-id}",
        reason: WEBHOOKS,
    },
    Untyped {
        method: "POST",
        path: "/workspaces/{workspace_id}/webhooks/{webhook_id}/tests",
        reason: WEBHOOKS,
    },
];
