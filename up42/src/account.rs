//! The account: who is logged in ([`UserInfo`]) and the credits left
//! ([`Balance`]).

use serde::{Deserialize, Serialize};
use std::future::Future;
use up42_auth::up42_endpoint;

use crate::Result;
use crate::client::Client;
pub use crate::identity::UserInfo;

/// The account's credits.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Balance {
    /// What can be spent.
    pub available: Amount,
}

/// A number of credits.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Amount {
    /// How many.
    pub amount: i64,
    /// Of what (`CREDIT`).
    pub unit: String,
}

impl Client {
    /// The account: the logged-in user and the credit balance.
    pub fn account(&self) -> Account {
        Account { client: self.clone() }
    }
}

/// The account, from [`Client::account`].
#[derive(Debug, Clone)]
pub struct Account {
    client: Client,
}

impl Account {
    /// The logged-in user (`GET …/openid-connect/userinfo` on the token server).
    pub fn user_info(&self) -> impl Future<Output = Result<UserInfo>> + Send + 'static {
        let client = self.client.clone();
        async move { crate::identity::user_info(client.toolkit()).await }
    }

    /// The credits the account has left (`GET /v2/payments/balances`).
    pub fn balance(&self) -> impl Future<Output = Result<Balance>> + Send + 'static {
        let client = self.client.clone();
        async move { balance(&client).await }
    }
}

#[up42_endpoint(GET, "/v2/payments/balances", bundled)]
async fn balance(client: &Client) -> Result<Balance>;
