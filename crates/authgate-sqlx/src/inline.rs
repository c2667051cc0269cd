//! SQLite session reads on the request's own thread.
//!
//! sqlx runs each SQLite connection on a worker thread of its own: every query is handed
//! to it and its answer handed back, two thread wake-ups per read, which cost more than
//! the read itself (an indexed lookup in pages SQLite already holds: microseconds). The
//! session read of every app request is the one query that runs often enough for that
//! to matter, so on a SQLite file it runs here instead, on a few read-only connections
//! of its own, in the calling thread. It never waits: a connection that is in use, a
//! database that is busy (SQLite's busy timeout is 0 here) or any other failure sends
//! the read to the pool as before, which then decides. In WAL mode (what
//! [`SqlxAdapter::connect`](crate::SqlxAdapter::connect) sets) readers are not blocked
//! by writers, and a read sees every write committed before it started, so a session
//! deleted (signed out) before the request is never found.

use std::{
    path::PathBuf,
    sync::{Mutex, TryLockError},
    time::{Duration, Instant},
};

use authgate_core::adapter::{AdapterSession, AdapterUser};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};
use time::OffsetDateTime;

use crate::{
    db::Ts,
    sessions::{joined, SESSION_AND_USER},
};

/// Read-only connections to one SQLite file, opened when first needed.
pub(crate) struct InlineReads {
    path: PathBuf,
    connections: Vec<Mutex<Option<Connection>>>,
    /// After a connection failed to open or was closed on a failure: no new one before
    /// then (the reads go to the pool), so a lasting failure is not retried per request.
    retry_after: Mutex<Option<Instant>>,
}

/// How long a failed connection keeps the inline reads to the pool.
const RETRY_AFTER: Duration = Duration::from_secs(1);

impl std::fmt::Debug for InlineReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineReads")
            .field("connections", &self.connections.len())
            .finish_non_exhaustive()
    }
}

/// What a read found: `None` when it could not run here (the caller asks the pool).
pub(crate) type Inline = Option<Option<(AdapterSession, AdapterUser)>>;

impl InlineReads {
    /// Up to one connection per core (at most 16): as many reads as can run at once.
    pub(crate) fn new(path: PathBuf) -> Self {
        let n = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 16));
        Self {
            path,
            connections: (0..n).map(|_| Mutex::new(None)).collect(),
            retry_after: Mutex::new(None),
        }
    }

    /// The session (unexpired) of a hashed token and its user, read on this
    /// thread; `None` when it could not be (all connections in use, busy, any error).
    pub(crate) fn session_and_user(&self, token: &str) -> Inline {
        // A connection no other thread is using (a panic while one was held leaves
        // nothing half-done in it: each read is one statement).
        let mut slot = self.connections.iter().find_map(|c| match c.try_lock() {
            Ok(slot) => Some(slot),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        })?;
        if slot.is_none() {
            if self.backing_off() {
                return None;
            }
            match self.open() {
                Ok(conn) => *slot = Some(conn),
                Err(err) => {
                    tracing::debug!(error = %err, "inline SQLite read: could not open; using the pool");
                    self.back_off();
                    return None;
                }
            }
        }
        let conn = slot.as_ref()?;
        match read(conn, token) {
            Ok(found) => Some(found),
            Err(err) => {
                tracing::debug!(error = %err, "inline SQLite read failed; using the pool");
                // A connection SQLite failed on (other than being busy) is closed; a
                // fresh one opens next time. A row that does not convert says nothing
                // about the connection.
                let busy = matches!(
                    err.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                );
                if matches!(err, rusqlite::Error::SqliteFailure(..)) && !busy {
                    *slot = None;
                    self.back_off();
                }
                None
            }
        }
    }

    fn backing_off(&self) -> bool {
        let retry_after = self
            .retry_after
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        retry_after.is_some_and(|at| Instant::now() < at)
    }

    fn back_off(&self) {
        *self
            .retry_after
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(Instant::now() + RETRY_AFTER);
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::ZERO)?;
        Ok(conn)
    }
}

fn read(conn: &Connection, token: &str) -> rusqlite::Result<Option<(AdapterSession, AdapterUser)>> {
    let mut stmt = conn.prepare_cached(SESSION_AND_USER)?;
    let row = stmt
        .query_row((token, Ts::now().0.unix_timestamp()), |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<i64>>(5)?,
                row.get::<_, Option<String>>(6)?,
            ))
        })
        .optional()?;
    let Some((session_token, expires, id, name, email, email_verified, image)) = row else {
        return Ok(None);
    };
    let ts = |secs: i64| {
        OffsetDateTime::from_unix_timestamp(secs)
            .map(Ts)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    };
    let email_verified = email_verified.map(ts).transpose()?;
    Ok(Some(joined((
        session_token,
        ts(expires)?,
        id,
        name,
        email,
        email_verified,
        image,
    ))))
}

#[cfg(test)]
mod tests {
    use authgate_core::adapter::{Adapter, AdapterError, NewUser};
    use time::Duration as TimeDuration;

    use super::*;
    use crate::SqlxAdapter;

    /// A SQLite file opened with `connect` (so with inline reads), removed on drop.
    struct TempDb(PathBuf, SqlxAdapter);

    impl TempDb {
        async fn new() -> Self {
            let path = std::env::temp_dir().join(format!(
                "authgate-inline-{}.db",
                uuid::Uuid::new_v4().simple()
            ));
            let adapter = SqlxAdapter::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("connect");
            Self(path, adapter)
        }

        fn inline(&self) -> &InlineReads {
            self.1.inline.as_deref().expect("a file gets inline reads")
        }

        async fn session(&self, user_id: &str, expires_in: TimeDuration) -> String {
            let session = AdapterSession {
                session_token: uuid::Uuid::new_v4().simple().to_string(),
                user_id: user_id.to_owned(),
                expires: OffsetDateTime::now_utc() + expires_in,
            };
            self.1
                .create_session(session)
                .await
                .expect("session")
                .session_token
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

    async fn user(db: &TempDb) -> AdapterUser {
        db.1.create_user(NewUser {
            name: Some("Ada \"the\" Countess".into()),
            email: Some("ada@example.com".into()),
            email_verified: Some(OffsetDateTime::now_utc()),
            image: Some("https://example.com/ada.png".into()),
            ..NewUser::default()
        })
        .await
        .expect("user")
    }

    #[tokio::test]
    async fn reads_what_the_pool_reads() {
        let db = TempDb::new().await;
        let user = user(&db).await;
        let token = db.session(&user.id, TimeDuration::hours(1)).await;
        let pooled = crate::sessions::get_with_user(&db.1.db, &token)
            .await
            .expect("pooled read");
        assert!(pooled.is_some());
        assert_eq!(db.inline().session_and_user(&token), Some(pooled));
        // Expired, unknown, deleted: found absent here, not sent to the pool.
        let expired = db.session(&user.id, -TimeDuration::minutes(1)).await;
        assert_eq!(db.inline().session_and_user(&expired), Some(None));
        assert_eq!(db.inline().session_and_user("unknown"), Some(None));
        db.1.delete_session(&token).await.expect("delete");
        assert_eq!(db.inline().session_and_user(&token), Some(None));
        assert_eq!(db.1.get_session_and_user(&token).await.expect("read"), None);
        assert!(
            !db.1.gathers_session_reads(),
            "inline reads are not gathered"
        );
    }

    #[tokio::test]
    async fn every_connection_in_use_sends_the_read_to_the_pool() {
        let db = TempDb::new().await;
        let user = user(&db).await;
        let token = db.session(&user.id, TimeDuration::hours(1)).await;
        let held: Vec<_> = db
            .inline()
            .connections
            .iter()
            .map(|c| c.lock().expect("lock"))
            .collect();
        assert_eq!(db.inline().session_and_user(&token), None);
        let (session, found) =
            db.1.get_session_and_user(&token)
                .await
                .expect("read")
                .expect("found by the pool");
        assert_eq!((session.session_token, found.id), (token, user.id));
        drop(held);
    }

    #[tokio::test]
    async fn an_unreadable_row_fails_through_the_pool() {
        let db = TempDb::new().await;
        let user = user(&db).await;
        let token = db.session(&user.id, TimeDuration::hours(1)).await;
        crate::db::with_pool!(&db.1.db, |pool| {
            sqlx::query("UPDATE authgate_sessions SET expires = 'soon' WHERE session_token = $1")
                .bind(&token)
                .execute(pool)
                .await
                .map(drop)
        })
        .expect("update");
        assert_eq!(db.inline().session_and_user(&token), None);
        let err =
            db.1.get_session_and_user(&token)
                .await
                .expect_err("unreadable");
        assert!(matches!(err, AdapterError::Backend(_)), "{err:?}");
        // The connection is kept for the next read.
        let other = db.session(&user.id, TimeDuration::hours(1)).await;
        assert!(matches!(
            db.inline().session_and_user(&other),
            Some(Some(_))
        ));
    }

    #[tokio::test]
    async fn a_busy_database_sends_the_read_to_the_pool_at_once() {
        // `connect` sets WAL, where a writer never blocks readers: a rollback-journal
        // file, whose exclusive lock does, shows what a busy database does here.
        let path = std::env::temp_dir().join(format!(
            "authgate-inline-busy-{}.db",
            uuid::Uuid::new_v4().simple()
        ));
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Delete);
        let pool = sqlx::SqlitePool::connect_with(options).await.expect("open");
        let db = TempDb(path.clone(), SqlxAdapter::from_sqlite_pool(pool));
        db.1.migrate().await.expect("migrate");
        let user = user(&db).await;
        let token = db.session(&user.id, TimeDuration::hours(1)).await;
        let inline = InlineReads::new(path);
        assert!(matches!(inline.session_and_user(&token), Some(Some(_))));
        let locker = Connection::open(&db.0).expect("open");
        locker.execute_batch("BEGIN EXCLUSIVE;").expect("lock");
        assert_eq!(inline.session_and_user(&token), None, "busy: no wait");
        assert!(
            inline.connections[0].lock().expect("slot").is_some(),
            "kept"
        );
        locker.execute_batch("COMMIT;").expect("unlock");
        assert!(
            matches!(inline.session_and_user(&token), Some(Some(_))),
            "the same connection reads again once the lock is gone"
        );
    }

    #[tokio::test]
    async fn only_plain_file_urls_read_inline() {
        let db = TempDb::new().await;
        assert!(db.inline().path.is_absolute());
        let with_params = SqlxAdapter::connect(&format!("sqlite://{}?mode=rwc", db.0.display()))
            .await
            .expect("connect");
        assert!(with_params.inline.is_none(), "parameters: through the pool");
        let memory = SqlxAdapter::connect("sqlite::memory:")
            .await
            .expect("connect");
        assert!(memory.inline.is_none(), "in memory: through the pool");
    }

    #[test]
    fn a_file_that_cannot_be_opened_is_not_retried_on_every_read() {
        let missing = std::env::temp_dir().join(format!(
            "authgate-inline-missing-{}/x.db",
            uuid::Uuid::new_v4().simple()
        ));
        let inline = InlineReads::new(missing);
        assert_eq!(inline.session_and_user("t"), None, "to the pool");
        assert!(inline.backing_off(), "not retried for a while");
        assert_eq!(inline.session_and_user("t"), None);
    }
}
