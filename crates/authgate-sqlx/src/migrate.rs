//! The embedded migrations, one list per dialect, tracked in [`MIGRATIONS_TABLE`]: a
//! table of authgate's own, so that they never mix with the app's migrations (sqlx's
//! `_sqlx_migrations`, whose `Migrator` would refuse versions it does not know).

use sqlx::Executor;

use crate::{
    db::{with_pool, Db},
    Error,
};

/// The table that records which of authgate's migrations a database has.
pub const MIGRATIONS_TABLE: &str = "_authgate_migrations";

/// One step of the schema.
struct Migration {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

/// How one dialect migrates.
struct Dialect {
    /// Starts the transaction all the migrations of one run share.
    begin: &'static str,
    /// Then makes concurrent runs take turns.
    lock: Option<&'static str>,
    migrations: &'static [Migration],
}

/// SQLite: `BEGIN IMMEDIATE` takes the write lock at once (another process waits out
/// the busy timeout instead of failing to upgrade a read lock).
const SQLITE: Dialect = Dialect {
    begin: "BEGIN IMMEDIATE",
    lock: None,
    migrations: &[Migration {
        version: 1,
        description: "users, accounts, sessions, verification tokens",
        sql: include_str!("../migrations/sqlite/0001_init.sql"),
    }],
};

/// PostgreSQL: DDL is transactional too; a transaction-scoped advisory lock (key:
/// "authgate" in ASCII) serializes app instances starting at once.
const POSTGRES: Dialect = Dialect {
    begin: "BEGIN",
    lock: Some("SELECT pg_advisory_xact_lock(7022647185714017381)"),
    migrations: &[Migration {
        version: 1,
        description: "users, accounts, sessions, verification tokens",
        sql: include_str!("../migrations/postgres/0001_init.sql"),
    }],
};

/// Applies the migrations the database lacks, all in one transaction.
pub(crate) async fn run(db: &Db) -> Result<(), Error> {
    let dialect = match db {
        Db::Sqlite(_) => &SQLITE,
        Db::Postgres(_) => &POSTGRES,
    };
    with_pool!(db, |pool| async {
        let mut tx = pool.begin_with(dialect.begin).await?;
        if let Some(lock) = dialect.lock {
            tx.execute(lock).await?;
        }
        tx.execute(
            "CREATE TABLE IF NOT EXISTS _authgate_migrations (\
             version BIGINT NOT NULL PRIMARY KEY, \
             description TEXT NOT NULL, \
             applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        )
        .await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _authgate_migrations")
            .fetch_all(&mut *tx)
            .await?;
        for step in dialect.migrations {
            if applied.contains(&step.version) {
                continue;
            }
            tx.execute(step.sql)
                .await
                .map_err(|source| Error::Migration {
                    version: step.version,
                    description: step.description,
                    source,
                })?;
            sqlx::query("INSERT INTO _authgate_migrations (version, description) VALUES ($1, $2)")
                .bind(step.version)
                .bind(step.description)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
    .await)
}
