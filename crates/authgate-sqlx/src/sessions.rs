//! `authgate_sessions`.

use std::collections::HashMap;

use authgate_core::adapter::{AdapterError, AdapterSession, AdapterUser, SessionRead};
use sqlx::{FromRow, Row};
use time::OffsetDateTime;

use crate::{
    db::{db_err, with_pool, Db, Ts},
    users,
};

/// A session as selected: `session_token, user_id, expires`.
type SessionRow = (String, String, Ts);

fn from_row((session_token, user_id, expires): SessionRow) -> AdapterSession {
    AdapterSession {
        session_token,
        user_id,
        expires: expires.0,
    }
}

pub(crate) async fn create(
    db: &Db,
    session: AdapterSession,
) -> Result<AdapterSession, AdapterError> {
    let expires = Ts::new(session.expires);
    with_pool!(db, |pool| {
        sqlx::query(
            "INSERT INTO authgate_sessions (session_token, user_id, expires) VALUES ($1, $2, $3)",
        )
        .bind(&session.session_token)
        .bind(&session.user_id)
        .bind(expires)
        .execute(pool)
        .await
        .map(drop)
    })
    .map_err(db_err)?;
    Ok(AdapterSession {
        expires: expires.0,
        ..session
    })
}

/// A session joined with its user, as selected.
pub(crate) type JoinedRow = (
    String,
    Ts,
    String,
    Option<String>,
    Option<String>,
    Option<Ts>,
    Option<String>,
);

/// A session, if unexpired at `$2`, joined with its user (also what the inline SQLite
/// reads run: `$n` placeholders are positional in SQLite too).
pub(crate) const SESSION_AND_USER: &str = "SELECT s.session_token, s.expires, \
     u.id, u.name, u.email, u.email_verified, u.image \
     FROM authgate_sessions s JOIN authgate_users u ON u.id = s.user_id \
     WHERE s.session_token = $1 AND s.expires > $2";

/// The session, if unexpired, and its user: one query.
pub(crate) async fn get_with_user(
    db: &Db,
    session_token: &str,
) -> Result<Option<(AdapterSession, AdapterUser)>, AdapterError> {
    let row = with_pool!(db, |pool| {
        sqlx::query_as::<_, JoinedRow>(SESSION_AND_USER)
            .bind(session_token)
            .bind(Ts::now())
            .fetch_optional(pool)
            .await
    });
    Ok(row.map_err(db_err)?.map(joined))
}

/// SQLite sessions read with one query: `IN` lists come in these sizes (the tokens
/// padded by repeating the last one), so few distinct statements are prepared and
/// cached. (PostgreSQL takes the tokens as one array parameter.)
const BATCH_SIZES: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

/// The sessions, if unexpired, and their users, one answer per token in order: one query
/// per 64 tokens. On SQLite the rows come back as one JSON array in one row: sqlx hands
/// SQLite rows over from its worker thread one at a time, which would cost a thread
/// hand-off per session and undo the gathering.
pub(crate) async fn get_many_with_user(
    db: &Db,
    session_tokens: &[String],
) -> Result<Vec<SessionRead>, AdapterError> {
    // Per token: its row, or the error of a row that could not be read (that token's
    // read fails, the others go on).
    let mut found: Found = HashMap::with_capacity(session_tokens.len());
    for chunk in session_tokens.chunks(64) {
        match db {
            Db::Sqlite(pool) => {
                let Some(last) = chunk.last() else { continue };
                let size = BATCH_SIZES
                    .iter()
                    .copied()
                    .find(|&n| n >= chunk.len())
                    .unwrap_or(chunk.len());
                let list: Vec<String> = (2..size + 2).map(|i| format!("${i}")).collect();
                // A BLOB (which `json_array` refuses) makes its row the token alone:
                // that read fails, not the query.
                let sql = format!(
                    "SELECT json_group_array(CASE WHEN 'blob' IN (typeof(s.expires), \
                     typeof(u.id), typeof(u.name), typeof(u.email), \
                     typeof(u.email_verified), typeof(u.image)) \
                     THEN json_array(s.session_token) \
                     ELSE json_array(s.session_token, s.expires, \
                     u.id, u.name, u.email, u.email_verified, u.image) END) \
                     FROM authgate_sessions s JOIN authgate_users u ON u.id = s.user_id \
                     WHERE s.expires > $1 AND s.session_token IN ({})",
                    list.join(", ")
                );
                let mut query = sqlx::query_as::<_, (String,)>(&sql).bind(Ts::now());
                for token in chunk.iter().chain(std::iter::repeat(last)).take(size) {
                    query = query.bind(token);
                }
                let (json,) = query.fetch_one(pool).await.map_err(db_err)?;
                sqlite_rows(&json, &mut found)?;
            }
            Db::Postgres(pool) => {
                // One statement for every batch size: the tokens as one array.
                let query = sqlx::query(
                    "SELECT s.session_token, s.expires, \
                     u.id, u.name, u.email, u.email_verified, u.image \
                     FROM authgate_sessions s JOIN authgate_users u ON u.id = s.user_id \
                     WHERE s.expires > $1 AND s.session_token = ANY($2)",
                )
                .bind(Ts::now())
                .bind(chunk);
                for row in query.fetch_all(pool).await.map_err(db_err)? {
                    let token: String = row.try_get(0).map_err(db_err)?;
                    let joined = JoinedRow::from_row(&row)
                        .map(joined)
                        .map_err(|e| e.to_string());
                    found.insert(token, joined);
                }
            }
        }
    }
    // A token's row is moved into its answer, and copied only for a token that comes
    // again later in the batch (one browser's parallel requests).
    Ok(session_tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let again = session_tokens[i + 1..].contains(t);
            let row = if again {
                found.get(t).cloned()
            } else {
                found.remove(t)
            };
            match row {
                None => Ok(None),
                Some(Ok(joined)) => Ok(Some(joined)),
                Some(Err(message)) => Err(AdapterError::backend(message)),
            }
        })
        .collect())
}

/// What a batch read found, per session token: its session and user, or why its row
/// could not be read.
type Found = HashMap<String, Result<(AdapterSession, AdapterUser), String>>;

/// A joined row as the adapter's session and user.
pub(crate) fn joined(
    (session_token, expires, id, name, email, email_verified, image): JoinedRow,
) -> (AdapterSession, AdapterUser) {
    let user = users::from_row((id, name, email, email_verified, image));
    (from_row((session_token, user.id.clone(), expires)), user)
}

/// A row of SQLite's `json_group_array` (times are Unix seconds there).
type JsonRow = (
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

/// Reads the rows of SQLite's `json_group_array` into `found`. The whole array is
/// parsed at once; should that fail (a column holding what its type does not allow:
/// SQLite does not enforce types), row by row, so only the bad rows' reads fail. A row
/// with a BLOB in a column comes as its token alone, and fails its read too.
fn sqlite_rows(json: &str, found: &mut Found) -> Result<(), AdapterError> {
    let rows: Vec<JsonRow> = match serde_json::from_str(json) {
        Ok(rows) => rows,
        Err(_) => {
            let rows: Vec<serde_json::Value> =
                serde_json::from_str(json).map_err(AdapterError::backend)?;
            for row in rows {
                let token = row
                    .get(0)
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| AdapterError::backend("session row without a token"))?
                    .to_owned();
                let read = if row.as_array().is_some_and(|row| row.len() == 1) {
                    Err("a column of the session or its user holds a BLOB".to_owned())
                } else {
                    serde_json::from_value::<JsonRow>(row).map_err(|e| e.to_string())
                }
                .and_then(|row| from_json_row(row).map_err(|e| e.to_string()));
                found.insert(token, read);
            }
            return Ok(());
        }
    };
    for row in rows {
        let token = row.0.clone();
        found.insert(token, from_json_row(row).map_err(|e| e.to_string()));
    }
    Ok(())
}

/// A JSON row as the adapter's session and user.
fn from_json_row(
    (token, expires, id, name, email, verified, image): JsonRow,
) -> Result<(AdapterSession, AdapterUser), AdapterError> {
    let at = |secs: i64| {
        OffsetDateTime::from_unix_timestamp(secs)
            .map(Ts)
            .map_err(AdapterError::backend)
    };
    Ok(joined((
        token,
        at(expires)?,
        id,
        name,
        email,
        verified.map(at).transpose()?,
        image,
    )))
}

/// Runs `sql`, which returns `session_token, user_id, expires` of at most one session;
/// `$1` is the session token and `$2`, if given, a time.
async fn one(
    db: &Db,
    sql: &str,
    session_token: &str,
    at: Option<OffsetDateTime>,
) -> Result<Option<AdapterSession>, AdapterError> {
    let row = with_pool!(db, |pool| {
        let query = sqlx::query_as::<_, SessionRow>(sql).bind(session_token);
        match at {
            Some(at) => query.bind(Ts::new(at)),
            None => query,
        }
        .fetch_optional(pool)
        .await
    });
    Ok(row.map_err(db_err)?.map(from_row))
}

/// Moves an unexpired session's expiry (an expired one is absent: `None`).
pub(crate) async fn update(
    db: &Db,
    session_token: &str,
    expires: OffsetDateTime,
) -> Result<Option<AdapterSession>, AdapterError> {
    let row = with_pool!(db, |pool| {
        sqlx::query_as::<_, SessionRow>(
            "UPDATE authgate_sessions SET expires = $2 WHERE session_token = $1 AND expires > $3 \
             RETURNING session_token, user_id, expires",
        )
        .bind(session_token)
        .bind(Ts::new(expires))
        .bind(Ts::now())
        .fetch_optional(pool)
        .await
    });
    Ok(row.map_err(db_err)?.map(from_row))
}

pub(crate) async fn delete(
    db: &Db,
    session_token: &str,
) -> Result<Option<AdapterSession>, AdapterError> {
    one(
        db,
        "DELETE FROM authgate_sessions WHERE session_token = $1 \
         RETURNING session_token, user_id, expires",
        session_token,
        None,
    )
    .await
}

/// The user's unexpired sessions, soonest expiry first.
pub(crate) async fn list(db: &Db, user_id: &str) -> Result<Vec<AdapterSession>, AdapterError> {
    let rows = with_pool!(db, |pool| {
        sqlx::query_as::<_, SessionRow>(
            "SELECT session_token, user_id, expires FROM authgate_sessions \
             WHERE user_id = $1 AND expires > $2 ORDER BY expires, session_token",
        )
        .bind(user_id)
        .bind(Ts::now())
        .fetch_all(pool)
        .await
    });
    Ok(rows.map_err(db_err)?.into_iter().map(from_row).collect())
}

/// Deletes the user's sessions but `keep`; returns how many.
pub(crate) async fn delete_all(
    db: &Db,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64, AdapterError> {
    // Expired rows go too, but only live sessions are counted (as `list_sessions` shows
    // them, and as Redis, where expired sessions are already gone, counts).
    let expires: Vec<Ts> = with_pool!(db, |pool| {
        sqlx::query_scalar::<_, Ts>(
            "DELETE FROM authgate_sessions \
             WHERE user_id = $1 AND ($2 IS NULL OR session_token <> $2) RETURNING expires",
        )
        .bind(user_id)
        .bind(keep)
        .fetch_all(pool)
        .await
    })
    .map_err(db_err)?;
    let now = Ts::now().0;
    Ok(expires.iter().filter(|at| at.0 > now).count() as u64)
}
