//! [`SqlxAdapter`]: opening the database.

use std::{fmt, str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    postgres::{PgPool, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions},
};

use crate::{db::Db, inline::InlineReads, migrate, Error};

/// How long a SQLite connection waits for another's write lock before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An [`Adapter`](authgate_core::adapter::Adapter) on SQLite or PostgreSQL. Cheap to
/// clone (it holds a connection pool).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), authgate_sqlx::Error> {
/// use std::sync::Arc;
/// use authgate_core::adapter::Adapter;
///
/// let adapter: Arc<dyn Adapter> = Arc::new(authgate_sqlx::SqlxAdapter::connect("sqlite::memory:").await?);
/// # let _ = adapter;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SqlxAdapter {
    pub(crate) db: Db,
    /// Session reads on the request's thread (a SQLite file opened by `connect`).
    pub(crate) inline: Option<Arc<InlineReads>>,
}

impl SqlxAdapter {
    /// Connects to a database by URL:
    ///
    /// - `sqlite://path/to/file.db` (created if missing) or `sqlite::memory:`: the
    ///   embedded default. Migrated here, before this returns. Each connection has
    ///   foreign keys on, the WAL journal and a busy timeout of 5 s. An in-memory
    ///   database lives in one connection, kept open as long as the adapter. On a
    ///   file, the session read of app requests (`get_session_and_user`) runs on the
    ///   calling thread, on a few read-only connections of the adapter's own, instead
    ///   of being handed to sqlx's worker thread and back: an indexed lookup of a few
    ///   microseconds that never waits (a busy database, a connection in use or any
    ///   failure sends it to the pool as before). It would block the thread only for
    ///   a disk read of pages the OS does not have cached. (Not for a URL with
    ///   parameters, `?mode=...` and the like: those reads go through the pool.)
    /// - `postgres://user:password@host/db`: not migrated here; call
    ///   [`migrate`](Self::migrate) (from the app's start-up or deployment).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), authgate_sqlx::Error> {
    /// // `auth.db` in the working directory: created, then migrated, on the first run.
    /// let adapter = authgate_sqlx::SqlxAdapter::connect("sqlite://auth.db").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let scheme = url.split_once(':').map_or(url, |(scheme, _)| scheme);
        match scheme {
            "sqlite" => {
                let pool = sqlite_pool(url).await?;
                let inline = inline_reads(url, &pool);
                let adapter = Self {
                    inline,
                    ..Self::from_sqlite_pool(pool)
                };
                adapter.migrate().await?;
                Ok(adapter)
            }
            "postgres" | "postgresql" => Ok(Self::from_pg_pool(
                // No ping before every checkout: that doubled the round trips of the one
                // query a session read makes. A connection the server dropped fails its
                // query (`Backend`, a 503 for that request) and leaves the pool.
                PgPoolOptions::new()
                    .test_before_acquire(false)
                    .connect(url)
                    .await?,
            )),
            _ => Err(Error::UnsupportedScheme(scheme.to_owned())),
        }
    }

    /// An adapter on the app's SQLite pool. Call [`migrate`](Self::migrate) before
    /// use; the pool's connections need foreign keys on (sqlx's default), or deleting
    /// a user leaves its accounts and sessions. Every query goes through the pool
    /// (session reads are gathered, not run on the calling thread as with
    /// [`connect`](Self::connect)).
    pub fn from_sqlite_pool(pool: SqlitePool) -> Self {
        Self {
            db: Db::Sqlite(pool),
            inline: None,
        }
    }

    /// An adapter on the app's PostgreSQL pool. Call [`migrate`](Self::migrate) before
    /// use.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), authgate_sqlx::Error> {
    /// let pool = authgate_sqlx::sqlx::PgPool::connect("postgres://app@db.internal/app").await?;
    /// let adapter = authgate_sqlx::SqlxAdapter::from_pg_pool(pool);
    /// adapter.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_pg_pool(pool: PgPool) -> Self {
        Self {
            db: Db::Postgres(pool),
            inline: None,
        }
    }

    /// Creates or updates authgate's tables (`authgate_*`): applies the embedded
    /// migrations the database lacks, in one transaction, and records them in
    /// [`MIGRATIONS_TABLE`](crate::MIGRATIONS_TABLE), never in the app's
    /// `_sqlx_migrations`. Idempotent, and safe when several app instances start at
    /// once (they take turns).
    pub async fn migrate(&self) -> Result<(), Error> {
        migrate::run(&self.db).await
    }
}

/// A SQLite pool for `url`. An in-memory database lives only as long as a connection
/// to it: one connection, never closed for idleness or age.
async fn sqlite_pool(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(SQLITE_BUSY_TIMEOUT);
    let pool = if in_memory(url) {
        SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        SqlitePoolOptions::new().test_before_acquire(false)
    };
    pool.connect_with(options).await
}

/// Inline session reads for a SQLite file named by a plain URL. Not for an in-memory or
/// unnamed (temporary) database, nor for a URL with parameters (a `vfs=` or
/// `immutable=` would open the file differently from the pool). The path is made
/// absolute now: the inline connections open lazily, after the app may have changed
/// its working directory.
fn inline_reads(url: &str, pool: &SqlitePool) -> Option<Arc<InlineReads>> {
    let options = pool.connect_options();
    let filename = options.get_filename();
    if in_memory(url) || url.contains('?') || filename.as_os_str().is_empty() {
        return None;
    }
    let path = std::fs::canonicalize(filename).unwrap_or_else(|_| filename.to_owned());
    Some(Arc::new(InlineReads::new(path)))
}

/// Whether a SQLite URL names an in-memory database.
fn in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// The dialect and where the database is; never the password.
impl fmt::Debug for SqlxAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("SqlxAdapter");
        match &self.db {
            Db::Sqlite(pool) => out
                .field("dialect", &"sqlite")
                .field("filename", &pool.connect_options().get_filename())
                .field("inline_session_reads", &self.inline.is_some()),
            Db::Postgres(pool) => {
                let options = pool.connect_options();
                out.field("dialect", &"postgres")
                    .field("host", &options.get_host())
                    .field("port", &options.get_port())
                    .field("database", &options.get_database())
                    .field("username", &options.get_username())
            }
        };
        out.finish()
    }
}
