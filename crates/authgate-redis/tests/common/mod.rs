//! What the Redis test files share: the server at `REDIS_URL` (or a printed reason to
//! skip), adapters under random key prefixes, and the clean-up of their keys.

use std::{future::Future, time::Duration};

use authgate_redis::{redis, RedisAdapter};
use redis::aio::ConnectionManager;

/// Runs `test` with the server at `REDIS_URL`, then deletes every key that the test's
/// adapters wrote (also when it failed), then fails as it did. Without a server, prints
/// why and returns.
pub(crate) async fn with_redis<F, Fut>(test: F)
where
    F: FnOnce(TestRedis) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(redis) = TestRedis::from_env().await else {
        return;
    };
    let outcome = tokio::spawn(test(redis.clone())).await;
    // A second try when the first met a dropped connection (the manager reconnects).
    for _ in 0..2 {
        if redis.clean_up().await.is_ok() {
            break;
        }
    }
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// The test server, with a connection of the test's own (to look at keys), and the
/// space of this test's key prefixes.
#[derive(Clone)]
pub(crate) struct TestRedis {
    pub(crate) url: String,
    pub(crate) conn: ConnectionManager,
    space: String,
}

impl TestRedis {
    async fn from_env() -> Option<Self> {
        let Ok(url) = std::env::var("REDIS_URL") else {
            eprintln!("skipped: REDIS_URL not set");
            return None;
        };
        // One quick try, so that an unreachable server skips without the manager's retries.
        let probe = async {
            let client = redis::Client::open(url.as_str())?;
            client.get_multiplexed_async_connection().await?;
            ConnectionManager::new(client).await
        };
        let conn = match tokio::time::timeout(Duration::from_secs(5), probe).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(err)) => {
                eprintln!("skipped: Redis at REDIS_URL ({url}) unreachable: {err}");
                return None;
            }
            Err(_) => {
                eprintln!("skipped: Redis at REDIS_URL ({url}) did not answer in 5 s");
                return None;
            }
        };
        let space = format!("authgate-test:{}:", uuid::Uuid::new_v4().simple());
        Some(Self { url, conn, space })
    }

    /// A key prefix of its own (none starts another), cleaned up after the test.
    pub(crate) fn new_prefix(&self) -> String {
        format!("{}{}:", self.space, uuid::Uuid::new_v4().simple())
    }

    /// An adapter from [`RedisAdapter::connect`] under a new prefix.
    pub(crate) async fn adapter(&self) -> RedisAdapter {
        RedisAdapter::connect(&self.url)
            .await
            .expect("connect")
            .with_prefix(self.new_prefix())
    }

    async fn clean_up(&self) -> redis::RedisResult<()> {
        let keys = self.keys(&self.space).await?;
        if keys.is_empty() {
            return Ok(());
        }
        redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut self.conn.clone())
            .await
    }

    /// Every key under `prefix` (`SCAN`).
    pub(crate) async fn keys(&self, prefix: &str) -> redis::RedisResult<Vec<String>> {
        let mut conn = self.conn.clone();
        let mut keys = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{prefix}*"))
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await?;
            keys.extend(batch);
            if next == 0 {
                return Ok(keys);
            }
            cursor = next;
        }
    }
}
