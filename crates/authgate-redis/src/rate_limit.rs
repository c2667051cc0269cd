//! [`RedisRateLimitStore`]: rate limit counts in Redis, so every app instance counts
//! against the same limits.

use std::time::Duration;

use async_trait::async_trait;
use authgate_core::{
    rate_limit::{Hit, RateLimitStore},
    Error, ErrorCode,
};
use redis::aio::ConnectionManager;
use time::OffsetDateTime;

use crate::scripts;

/// Counts in Redis: one key per limited subject (`<prefix>ratelimit:<subject>`), an
/// `INCR` and a `PEXPIRE` on the first attempt, in one script (the window is Redis's
/// own clock).
///
/// ```no_run
/// # async fn run() -> Result<(), authgate_core::adapter::AdapterError> {
/// use std::time::Duration;
/// use authgate_core::rate_limit::RateLimits;
/// use authgate_redis::RedisAdapter;
///
/// let adapter = RedisAdapter::connect("redis://127.0.0.1:6379").await?;
/// let limits = RateLimits::new(adapter.rate_limit_store())
///     .email_per_address(3, Duration::from_secs(600));
/// # let _ = limits;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RedisRateLimitStore {
    conn: ConnectionManager,
    prefix: String,
}

impl RedisRateLimitStore {
    /// A store on this connection, its keys under `prefix` (then `ratelimit:`).
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            conn,
            prefix: prefix.into(),
        }
    }
}

#[async_trait]
impl RateLimitStore for RedisRateLimitStore {
    async fn hit(&self, key: &str, window: Duration, _now: OffsetDateTime) -> Result<Hit, Error> {
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        let (count, ttl_ms): (u64, i64) = scripts::RATE_LIMIT_HIT
            .key(format!("{}ratelimit:{key}", self.prefix))
            .arg(window_ms)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(|e| Error::auth(ErrorCode::AdapterError, format!("Redis rate limit: {e}")))?;
        Ok(Hit {
            count,
            reset_in: Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0)),
        })
    }
}
