//! The adapter on SQLite: the conformance suite on a file and in memory, migrations,
//! connection options, errors.

mod common;

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use authgate_core::adapter::{Adapter, AdapterError, AdapterSession, NewUser};
use authgate_sqlx::{Error, SqlxAdapter, MIGRATIONS_TABLE};
use sqlx::{migrate::Migrator, sqlite::SqliteConnectOptions, SqlitePool};

/// A SQLite file under the temporary directory, removed (with its WAL files) on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!(
            "authgate-sqlx-{}.db",
            uuid::Uuid::new_v4().simple()
        )))
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }

    /// A pool of the app's own on the file.
    async fn pool(&self) -> SqlitePool {
        let options = SqliteConnectOptions::new()
            .filename(&self.0)
            .create_if_missing(true);
        SqlitePool::connect_with(options).await.expect("open")
    }

    /// The app's pool and a migrated adapter on it.
    async fn adapter_on_pool(&self) -> (SqlitePool, SqlxAdapter) {
        let pool = self.pool().await;
        let adapter = SqlxAdapter::from_sqlite_pool(pool.clone());
        adapter.migrate().await.expect("migrate");
        (pool, adapter)
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

async fn on_file() -> Option<(Arc<dyn Adapter>, TempDb)> {
    let db = TempDb::new();
    let adapter = SqlxAdapter::connect(&db.url()).await.expect("connect");
    Some((Arc::new(adapter), db))
}

mod file {
    authgate_core::adapter_conformance!(optional super::on_file());
}

mod memory {
    authgate_core::adapter_conformance!(async {
        std::sync::Arc::new(
            authgate_sqlx::SqlxAdapter::connect("sqlite::memory:")
                .await
                .expect("connect"),
        )
    });
}

/// `(version, applied_at)` of a migrations table.
async fn versions(pool: &SqlitePool, table: &str) -> Vec<(i64, String)> {
    let column = if table == MIGRATIONS_TABLE {
        "applied_at"
    } else {
        "installed_on"
    };
    sqlx::query_as(&format!(
        "SELECT version, CAST({column} AS TEXT) FROM {table} ORDER BY version"
    ))
    .fetch_all(pool)
    .await
    .expect("the migrations table")
}

/// The app's own migrations, run with sqlx's migrator.
async fn app_migrator(dir: &Path) -> Migrator {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(
        dir.join("20240101000000_app.sql"),
        "CREATE TABLE app_things (id INTEGER PRIMARY KEY);",
    )
    .expect("write");
    Migrator::new(dir).await.expect("the app's migrations")
}

#[tokio::test]
async fn migrations_are_recorded_apart_from_the_apps() {
    assert_eq!(MIGRATIONS_TABLE, "_authgate_migrations");
    let db = TempDb::new();
    let dir = std::env::temp_dir().join(format!("authgate-sqlx-app-{}", uuid::Uuid::new_v4()));
    let app = app_migrator(&dir).await;
    let pool = db.pool().await;

    app.run(&pool).await.expect("the app migrates first");
    let adapter = SqlxAdapter::from_sqlite_pool(pool.clone());
    adapter.migrate().await.expect("authgate migrates");
    app.run(&pool)
        .await
        .expect("the app migrates again: its table has only its versions");

    let app_versions: Vec<i64> = versions(&pool, "_sqlx_migrations")
        .await
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert_eq!(app_versions, [20240101000000]);
    let ours: Vec<i64> = versions(&pool, MIGRATIONS_TABLE)
        .await
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert_eq!(ours, [1]);
    sqlx::query("INSERT INTO app_things (id) VALUES (1)")
        .execute(&pool)
        .await
        .expect("the app's table");
    adapter
        .create_user(NewUser::default())
        .await
        .expect("authgate's tables");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_app_migrates_after_authgate() {
    let db = TempDb::new();
    let dir = std::env::temp_dir().join(format!("authgate-sqlx-app-{}", uuid::Uuid::new_v4()));
    let app = app_migrator(&dir).await;
    let adapter = SqlxAdapter::connect(&db.url()).await.expect("connect");
    let pool = db.pool().await;
    app.run(&pool).await.expect("the app's migrator");
    assert_eq!(versions(&pool, "_sqlx_migrations").await.len(), 1);
    adapter.migrate().await.expect("again");
    assert_eq!(versions(&pool, MIGRATIONS_TABLE).await.len(), 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn migrating_again_is_a_no_op() {
    let db = TempDb::new();
    let adapter = SqlxAdapter::connect(&db.url()).await.expect("connect");
    let user = common::create_user(&adapter).await;
    let pool = db.pool().await;
    let before = versions(&pool, MIGRATIONS_TABLE).await;
    adapter.migrate().await.expect("twice");
    adapter.migrate().await.expect("three times");
    assert_eq!(versions(&pool, MIGRATIONS_TABLE).await, before);
    assert_eq!(adapter.get_user(&user.id).await.expect("get"), Some(user));
}

#[tokio::test]
async fn the_file_is_created_migrated_and_kept() {
    let db = TempDb::new();
    assert!(!db.0.exists());
    let email = common::unique_email();
    {
        // `connect` (and so `migrate`) can run in a spawned task.
        let url = db.url();
        let adapter = tokio::spawn(async move { SqlxAdapter::connect(&url).await })
            .await
            .expect("task")
            .expect("connect");
        adapter
            .create_user(common::new_user(&email))
            .await
            .expect("create_user");
    }
    assert!(db.0.exists());
    let again = SqlxAdapter::connect(&db.url()).await.expect("reopen");
    assert!(again
        .get_user_by_email(&email)
        .await
        .expect("get")
        .is_some());
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&db.pool().await)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn token_fields_have_their_columns() {
    let db = TempDb::new();
    let adapter = SqlxAdapter::connect(&db.url()).await.expect("connect");
    let account = common::odd_extras_round_trip(&adapter).await;
    let row: (Option<String>, Option<String>, Option<i64>, String) = sqlx::query_as(
        "SELECT access_token, token_type, expires_at, extra FROM authgate_accounts \
         WHERE provider = $1 AND provider_account_id = $2",
    )
    .bind(&account.provider)
    .bind(&account.provider_account_id)
    .fetch_one(&db.pool().await)
    .await
    .expect("the row");
    assert_eq!(
        row,
        (
            Some("at-2".into()),
            Some("bearer".into()),
            Some(1_900_000_000),
            "{}".into()
        )
    );
}

#[tokio::test]
async fn odd_extras_round_trip_in_memory() {
    let adapter = SqlxAdapter::connect("sqlite::memory:")
        .await
        .expect("connect");
    common::odd_extras_round_trip(&adapter).await;
}

/// A new session of `user_id`, valid for an hour: its token.
async fn session_of(adapter: &SqlxAdapter, user_id: &str) -> String {
    let session = AdapterSession {
        session_token: uuid::Uuid::new_v4().simple().to_string(),
        user_id: user_id.to_owned(),
        expires: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    adapter
        .create_session(session)
        .await
        .expect("session")
        .session_token
}

#[tokio::test]
async fn an_unreadable_row_fails_only_its_own_read_of_a_batch() {
    let db = TempDb::new();
    let (pool, adapter) = db.adapter_on_pool().await;
    let user = adapter.create_user(NewUser::default()).await.expect("user");
    let mut tokens = Vec::new();
    for _ in 0..4 {
        tokens.push(session_of(&adapter, &user.id).await);
    }
    // SQLite does not enforce column types: an expiry that is text, and one no date can
    // hold.
    for (token, expires) in [
        (&tokens[1], "'soon'".to_owned()),
        (&tokens[2], "1000000000000000".to_owned()),
    ] {
        sqlx::query(&format!(
            "UPDATE authgate_sessions SET expires = {expires} WHERE session_token = $1"
        ))
        .bind(token)
        .execute(&pool)
        .await
        .expect("update");
    }
    // And a user whose name is a BLOB (which SQLite's JSON functions refuse).
    let blob = adapter.create_user(NewUser::default()).await.expect("user");
    tokens.push(session_of(&adapter, &blob.id).await);
    sqlx::query("UPDATE authgate_users SET name = X'00ff' WHERE id = $1")
        .bind(&blob.id)
        .execute(&pool)
        .await
        .expect("update");
    let found = adapter
        .get_sessions_and_users(&tokens)
        .await
        .expect("the call itself succeeds");
    let id = |i: usize| match &found[i] {
        Ok(Some((s, u))) => (s.session_token.clone(), u.id.clone()),
        other => panic!("read {i}: {other:?}"),
    };
    assert_eq!(id(0), (tokens[0].clone(), user.id.clone()));
    assert!(found[1].is_err(), "text expiry: {:?}", found[1]);
    assert!(found[2].is_err(), "expiry out of range: {:?}", found[2]);
    assert_eq!(id(3), (tokens[3].clone(), user.id.clone()));
    assert!(found[4].is_err(), "a BLOB name: {:?}", found[4]);
    // Read alone, each fails the same way.
    for token in [&tokens[1], &tokens[2], &tokens[4]] {
        assert!(adapter.get_session_and_user(token).await.is_err());
    }
}

#[tokio::test]
async fn a_closed_pool_gives_backend_errors() {
    let db = TempDb::new();
    let (pool, adapter) = db.adapter_on_pool().await;
    pool.close().await;
    let err = adapter
        .create_user(NewUser::default())
        .await
        .expect_err("closed");
    assert!(matches!(err, AdapterError::Backend(_)), "{err:?}");
    let err = adapter.get_user("x").await.expect_err("closed");
    assert!(matches!(err, AdapterError::Backend(_)), "{err:?}");
}

#[tokio::test]
async fn other_schemes_are_refused_without_their_password() {
    let err = SqlxAdapter::connect("mysql://root:hunter2@db/app")
        .await
        .expect_err("mysql");
    assert!(
        matches!(&err, Error::UnsupportedScheme(s) if s == "mysql"),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("hunter2"));
}

#[tokio::test]
async fn debug_names_the_file() {
    let db = TempDb::new();
    let adapter = SqlxAdapter::connect(&db.url()).await.expect("connect");
    let debug = format!("{adapter:?}");
    assert!(debug.contains("sqlite"), "{debug}");
    assert!(
        debug.contains(
            &db.0
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned()
        ),
        "{debug}"
    );
}
