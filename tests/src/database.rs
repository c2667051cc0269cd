//! Database sessions through the demo: the stores to run on (memory and SQLite always;
//! PostgreSQL and Redis from `DATABASE_URL` / `REDIS_URL`, skipped with a printed reason
//! when unset or unreachable) and servers in the demo's database mode.

use std::sync::Arc;

use authgate::{
    adapter::{Adapter, MemoryAdapter},
    email::DevSender,
    AuthConfig, AuthConfigBuilder, Email,
};

use crate::{spawn_custom, Framework, Server, SECRET};

/// A store to run a database test on.
pub struct Store {
    /// `memory`, `sqlite`, `postgres` or `redis`.
    pub name: &'static str,
    /// The adapter.
    pub adapter: Arc<dyn Adapter>,
    /// PostgreSQL is one database for every test of this binary: tests that sign in the
    /// demo's users (fixed ids) take turns on it.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// The turn to use the shared PostgreSQL database.
async fn postgres_turn() -> tokio::sync::OwnedMutexGuard<()> {
    static LOCK: std::sync::OnceLock<Arc<tokio::sync::Mutex<()>>> = std::sync::OnceLock::new();
    Arc::clone(LOCK.get_or_init(Arc::default))
        .lock_owned()
        .await
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every store this machine has: memory, a fresh SQLite file, and PostgreSQL and Redis
/// when their URLs are set and they answer.
pub async fn stores() -> Vec<Store> {
    let mut out = vec![Store {
        name: "memory",
        adapter: Arc::new(MemoryAdapter::new()),
        _turn: None,
    }];
    let file = std::env::temp_dir().join(format!("authgate-e2e-{}.db", uuid_like()));
    match authgate_demo::connect_store(&format!("sqlite://{}", file.display())).await {
        Ok(adapter) => out.push(Store {
            name: "sqlite",
            adapter,
            _turn: None,
        }),
        Err(err) => panic!("SQLite must always work: {err}"),
    }
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => match authgate_demo::connect_store(&url).await {
            Ok(adapter) => {
                let turn = postgres_turn().await;
                // The demo's users have fixed ids; what an earlier run (or a load test)
                // left of them on this shared database goes first.
                for id in ["1", "2", "3", "4"] {
                    if let Err(err) = adapter.delete_user(id).await {
                        eprintln!("cleaning demo user {id} on PostgreSQL: {err}");
                    }
                }
                out.push(Store {
                    name: "postgres",
                    adapter,
                    _turn: Some(turn),
                });
            }
            Err(err) => eprintln!("skipped: PostgreSQL at DATABASE_URL: {err}"),
        },
        _ => eprintln!("skipped: PostgreSQL (DATABASE_URL not set)"),
    }
    match std::env::var("REDIS_URL") {
        Ok(url) => match authgate::redis::RedisAdapter::connect(&url).await {
            Ok(adapter) => out.push(Store {
                name: "redis",
                adapter: Arc::new(adapter.with_prefix(format!("authgate-e2e:{}:", uuid_like()))),
                _turn: None,
            }),
            Err(err) => eprintln!("skipped: Redis at REDIS_URL: {err}"),
        },
        Err(_) => eprintln!("skipped: Redis (REDIS_URL not set)"),
    }
    out
}

fn uuid_like() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Serves the demo in database mode on `adapter`, its config adjusted by `tweak`; its
/// email provider only logs links.
pub async fn spawn_database(
    fw: Framework,
    adapter: Arc<dyn Adapter>,
    tweak: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> Server {
    spawn_email(fw, adapter, Email::new(DevSender::new()), tweak).await
}

/// Serves the demo in database mode on `adapter` with this `email` provider, its config
/// adjusted by `tweak`.
pub async fn spawn_email(
    fw: Framework,
    adapter: Arc<dyn Adapter>,
    email: Email,
    tweak: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> Server {
    spawn_custom(fw, move |url| {
        tweak(authgate_demo::configure_database(
            AuthConfig::builder().secret(SECRET).url(url),
            adapter,
            email,
        ))
    })
    .await
}
