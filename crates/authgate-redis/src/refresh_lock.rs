//! [`RedisRefreshLock`]: token refreshes single flight across app instances.

use std::time::Duration;

use async_trait::async_trait;
use authgate_core::{Error, ErrorCode, RefreshLock};
use redis::aio::ConnectionManager;

use crate::scripts;

/// The [`RefreshLock`] of `TokenRefresher::shared` on Redis: `SET NX PX` locks
/// (released only by their owner, in a script) and published outcomes with a TTL, under
/// `<prefix>refresh:`.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use authgate_core::{presets, TokenRefresher};
/// use authgate_redis::RedisAdapter;
///
/// let redis = RedisAdapter::connect("redis://127.0.0.1:6379").await?;
/// let refresher = TokenRefresher::new(presets::google("id", "secret"))?
///     .shared(Arc::new(redis.refresh_lock()));
/// # let _ = refresher;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RedisRefreshLock {
    conn: ConnectionManager,
    prefix: String,
}

fn backend(e: redis::RedisError) -> Error {
    Error::auth(ErrorCode::AdapterError, format!("Redis refresh lock: {e}"))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl RedisRefreshLock {
    /// A lock on this connection, its keys under `prefix`.
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            conn,
            prefix: prefix.into(),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

#[async_trait]
impl RefreshLock for RedisRefreshLock {
    async fn acquire(&self, key: &str, owner: &str, ttl: Duration) -> Result<bool, Error> {
        let set: Option<String> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(owner)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(backend)?;
        Ok(set.is_some())
    }

    async fn release(&self, key: &str, owner: &str) -> Result<(), Error> {
        let _: i64 = scripts::RELEASE_LOCK
            .key(self.key(key))
            .arg(owner)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn publish(&self, key: &str, outcome: &str, ttl: Duration) -> Result<(), Error> {
        redis::cmd("SET")
            .arg(self.key(key))
            .arg(outcome)
            .arg("PX")
            .arg(millis(ttl))
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(backend)
    }

    async fn published(&self, key: &str) -> Result<Option<String>, Error> {
        redis::cmd("GET")
            .arg(self.key(key))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(backend)
    }
}
