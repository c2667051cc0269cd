//! The adapter on PostgreSQL, from `DATABASE_URL`: each test that needs the server
//! says why it is skipped (unset, unreachable) and passes. Tests share the database:
//! they use fresh emails and ids.

mod common;

use std::{str::FromStr, sync::Arc, time::Duration};

use authgate_core::adapter::{Adapter, AdapterError, NewUser};
use authgate_sqlx::{SqlxAdapter, MIGRATIONS_TABLE};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, PgConnection, PgPool,
};

/// `DATABASE_URL`, or `None` once the skip is said.
fn database_url() -> Option<String> {
    let url = std::env::var("DATABASE_URL").ok();
    if url.is_none() {
        eprintln!("skipped: DATABASE_URL not set");
    }
    url
}

/// A pool of the test's own, or `None` once the skip is said.
async fn pool(options: PgPoolOptions, connect: PgConnectOptions) -> Option<PgPool> {
    match options.connect_with(connect).await {
        Ok(pool) => Some(pool),
        Err(err) => {
            eprintln!("skipped: cannot connect to DATABASE_URL: {err}");
            None
        }
    }
}

/// An adapter by `connect`, migrated (several tests start at once: `migrate` takes
/// turns).
async fn adapter() -> Option<SqlxAdapter> {
    let url = database_url()?;
    let adapter = match SqlxAdapter::connect(&url).await {
        Ok(adapter) => adapter,
        Err(err) => {
            eprintln!("skipped: cannot connect to DATABASE_URL: {err}");
            return None;
        }
    };
    adapter.migrate().await.expect("migrate");
    Some(adapter)
}

async fn shared() -> Option<(Arc<dyn Adapter>, ())> {
    Some((Arc::new(adapter().await?), ()))
}

authgate_core::adapter_conformance!(optional shared());

#[tokio::test]
async fn migrating_again_is_a_no_op() {
    let Some(adapter) = adapter().await else {
        return;
    };
    let Some(url) = database_url() else { return };
    let mut conn = PgConnection::connect(&url).await.expect("connect");
    let query =
        format!("SELECT version, applied_at::text FROM {MIGRATIONS_TABLE} ORDER BY version");
    let before: Vec<(i64, String)> = sqlx::query_as(&query)
        .fetch_all(&mut conn)
        .await
        .expect("the migrations table");
    assert_eq!(before.iter().map(|(v, _)| *v).collect::<Vec<_>>(), [1]);
    let again: Vec<_> = futures_join(&adapter).await;
    assert!(again.iter().all(Result::is_ok), "{again:?}");
    let after: Vec<(i64, String)> = sqlx::query_as(&query)
        .fetch_all(&mut conn)
        .await
        .expect("the migrations table");
    assert_eq!(after, before);
}

/// `migrate` from four tasks at once.
async fn futures_join(adapter: &SqlxAdapter) -> Vec<Result<(), authgate_sqlx::Error>> {
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let adapter = adapter.clone();
            tokio::spawn(async move { adapter.migrate().await })
        })
        .collect();
    let mut done = Vec::new();
    for task in tasks {
        done.push(task.await.expect("task"));
    }
    done
}

#[tokio::test]
async fn odd_extras_round_trip() {
    let Some(adapter) = adapter().await else {
        return;
    };
    common::odd_extras_round_trip(&adapter).await;
}

/// Terminated connections (a restart, a failover) fail the calls that had them with
/// `Backend` errors; the pool then connects again. Only this test's connections are
/// terminated (by `application_name`): the others' share the database.
#[tokio::test]
async fn terminated_connections_give_backend_errors_then_recover() {
    let Some(url) = database_url() else { return };
    let name = format!("authgate-outage-{}", uuid::Uuid::new_v4().simple());
    let connect = PgConnectOptions::from_str(&url)
        .expect("DATABASE_URL")
        .application_name(&name);
    // No ping before handing out a connection: the call meets the dead one.
    let options = PgPoolOptions::new()
        .max_connections(2)
        .test_before_acquire(false);
    let Some(pool) = pool(options, connect).await else {
        return;
    };
    let adapter = SqlxAdapter::from_pg_pool(pool);
    adapter.migrate().await.expect("migrate");
    let user = common::create_user(&adapter).await;

    let mut admin = PgConnection::connect(&url).await.expect("connect");
    let terminated: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = $1 \
         AND pid <> pg_backend_pid()",
    )
    .bind(&name)
    .fetch_all(&mut admin)
    .await
    .expect("terminate");
    assert!(!terminated.is_empty() && terminated.iter().all(|t| *t));
    for _ in 0..50 {
        let left: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1")
                .bind(&name)
                .fetch_one(&mut admin)
                .await
                .expect("count");
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let err = adapter
        .get_user(&user.id)
        .await
        .expect_err("the connection is gone");
    assert!(matches!(err, AdapterError::Backend(_)), "{err:?}");
    let mut found = None;
    for _ in 0..20 {
        match adapter.get_user(&user.id).await {
            Ok(got) => {
                found = Some(got);
                break;
            }
            Err(AdapterError::Backend(_)) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(found, Some(Some(user)), "the adapter works again");
}

/// No server at all: every call is a `Backend` error, none panics.
#[tokio::test]
async fn an_unreachable_server_gives_backend_errors() {
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy("postgres://authgate:s3cret@127.0.0.1:1/none")
        .expect("a lazy pool");
    let adapter = SqlxAdapter::from_pg_pool(pool);
    let err = adapter.get_user("x").await.expect_err("no server");
    assert!(matches!(err, AdapterError::Backend(_)), "{err:?}");
    let err = adapter
        .create_user(NewUser::default())
        .await
        .expect_err("no server");
    assert!(matches!(err, AdapterError::Backend(_)), "{err:?}");
    assert!(adapter.migrate().await.is_err());
}

#[tokio::test]
async fn debug_shows_no_password() {
    let pool = PgPoolOptions::new()
        .connect_lazy("postgres://authgate:s3cret@db.example:6543/app")
        .expect("a lazy pool");
    let debug = format!("{:?}", SqlxAdapter::from_pg_pool(pool));
    assert!(!debug.contains("s3cret"), "{debug}");
    for part in ["postgres", "db.example", "6543", "app", "authgate"] {
        assert!(debug.contains(part), "{part} in {debug}");
    }
}
