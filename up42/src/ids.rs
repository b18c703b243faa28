//! Ids as types of their own: an [`OrderId`] cannot be passed where a
//! [`JobId`] belongs.
//!
//! Each id is a string UP42 chose (most are UUIDs, some are names); the
//! client never parses it. Every id has `Display`, `AsRef<str>`,
//! `From<&str>`, `From<String>` and `From<&Self>`, so a method that takes
//! `impl Into<OrderId>` takes a string literal, a `String`, an `OrderId` or a
//! reference to one:
//!
//! ```
//! use up42::ids::OrderId;
//!
//! let id = OrderId::from("0f2c1a6e-0000-4000-8000-000000000001");
//! assert_eq!(id.to_string(), "0f2c1a6e-0000-4000-8000-000000000001");
//! assert_eq!(id, "0f2c1a6e-0000-4000-8000-000000000001");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as UP42 writes it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id's text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_string())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                $name(id.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    )*};
}

ids! {
    /// A workspace: where orders, jobs and deliveries belong. The
    /// `sub` of the logged-in user's userinfo ([`Client::workspace_id`](crate::Client::workspace_id)).
    WorkspaceId;
    /// An UP42 account, which holds workspaces.
    AccountId;
    /// An order, archive or tasking.
    OrderId;
    /// A data product: a collection offered by a provider under given terms, the thing that is ordered.
    DataProductId;
    /// A budget that orders and jobs draw credits from.
    BudgetId;
    /// A tasking quotation.
    QuotationId;
    /// A tasking feasibility study.
    FeasibilityStudyId;
    /// One option of a feasibility study.
    FeasibilityOptionId;
    /// A processing job.
    JobId;
    /// A processing process (`detection-ships-airbus`, `pansharpening`, ...).
    ProcessId;
    /// A licence agreement (EULA) a process or product needs accepted.
    EulaId;
    /// A glossary collection, by its name (`phr`, `spot`, ...).
    CollectionName;
    /// A catalog host: the provider whose archive a search goes to (`oneatlas`, ...).
    HostName;
    /// A scene of a catalog search: an image in a provider's archive.
    SceneId;
    /// A STAC collection in storage: one delivery or one job's results.
    StacCollectionId;
    /// A STAC item in storage.
    StacItemId;
    /// A stored asset: a file that can be downloaded.
    AssetId;
}
