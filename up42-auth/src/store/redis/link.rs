//! The connection of the Redis store: one server through a connection
//! manager, or a Redis Cluster, both made on first use and made again after
//! a failure, behind one `ConnectionLike`.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};
use tokio::sync::OnceCell;

use crate::error::Error;

/// How long one Redis command may take before the store counts as down.
pub(super) const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);

/// Where the store's commands go.
#[derive(Clone)]
pub(super) enum Link {
    /// One server (or a proxy in front of several).
    Single(ConnectionManager),
    /// A Redis Cluster: commands go to the node that owns their key's slot.
    Cluster(Arc<LazyCluster>),
}

/// A cluster connection made on first use; a failed attempt is tried again
/// at the next command.
pub(super) struct LazyCluster {
    client: ClusterClient,
    connection: OnceCell<ClusterConnection>,
}

/// A connection ready for commands.
#[derive(Clone)]
pub(super) enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl Link {
    /// One server at `url`; nothing is sent yet.
    pub(super) fn single(url: &str, shown: &str) -> Result<Link, Error> {
        // Only the error's kind, never the error: it may quote the URL, password and all.
        let client = redis::Client::open(url)
            .map_err(|e| Error::config(format!("`{shown}` is not a Redis URL ({:?})", e.kind())))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(RESPONSE_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(100));
        ConnectionManager::new_lazy_with_config(client, config)
            .map(Link::Single)
            .map_err(|e| Error::config_from(format!("the Redis connection to `{shown}` cannot be set up"), e))
    }

    /// A cluster found through any of `urls`; nothing is sent yet.
    pub(super) fn cluster(urls: &[&str], shown: &str) -> Result<Link, Error> {
        let client = ClusterClientBuilder::new(urls.iter().copied())
            .connection_timeout(RESPONSE_TIMEOUT)
            .response_timeout(RESPONSE_TIMEOUT)
            .retries(2)
            .build()
            .map_err(|e| Error::config(format!("`{shown}` are not Redis Cluster URLs ({:?})", e.kind())))?;
        Ok(Link::Cluster(Arc::new(LazyCluster {
            client,
            connection: OnceCell::new(),
        })))
    }

    /// The connection, made now if it is the first use.
    pub(super) async fn connection(&self) -> Result<Connection, redis::RedisError> {
        match self {
            Link::Single(manager) => Ok(Connection::Single(manager.clone())),
            Link::Cluster(lazy) => lazy
                .connection
                .get_or_try_init(|| lazy.client.get_async_connection())
                .await
                .cloned()
                .map(Connection::Cluster),
        }
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Single(c) => c.req_packed_command(cmd),
            Connection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Connection::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Single(c) => c.get_db(),
            Connection::Cluster(c) => c.get_db(),
        }
    }
}
