//! What every query shares: the pool of either dialect, timestamps, error mapping.
//!
//! The SQL is written once for both dialects (`$1` placeholders work in SQLite too);
//! [`with_pool!`] compiles a method's body once per dialect, so the Rust types are
//! checked against each driver.

use authgate_core::adapter::AdapterError;
use sqlx::{
    encode::IsNull, error::BoxDynError, postgres::PgValueRef, sqlite::SqliteValueRef, Database,
    Decode, Encode, PgPool, Postgres, Sqlite, SqlitePool, Type,
};
use time::{OffsetDateTime, UtcOffset};

/// The pool, of one dialect or the other.
#[derive(Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Evaluates `$body` with `$pool` bound to the pool, whichever its dialect.
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// A database error as the adapter reports it: a unique violation (PostgreSQL 23505,
/// SQLite `SQLITE_CONSTRAINT_UNIQUE` / `_PRIMARYKEY`) is a `Conflict`, anything else a
/// `Backend` error.
pub(crate) fn db_err(err: sqlx::Error) -> AdapterError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AdapterError::Conflict(db.message().to_owned())
        }
        _ => AdapterError::backend(err),
    }
}

/// A UTC timestamp with second precision: `TIMESTAMPTZ` on PostgreSQL, Unix seconds
/// (`INTEGER`) on SQLite, so that comparisons in SQL are numeric.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ts(pub(crate) OffsetDateTime);

impl Ts {
    /// `at` truncated to the second, in UTC: what the store keeps.
    pub(crate) fn new(at: OffsetDateTime) -> Self {
        let at = at.to_offset(UtcOffset::UTC);
        Self(at.replace_nanosecond(0).unwrap_or(at))
    }

    /// The current time.
    pub(crate) fn now() -> Self {
        Self::new(OffsetDateTime::now_utc())
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> <Sqlite as Database>::TypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &<Sqlite as Database>::TypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Ts {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, Sqlite>>::encode(self.0.unix_timestamp(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Ts {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let secs = <i64 as Decode<'r, Sqlite>>::decode(value)?;
        Ok(Self(OffsetDateTime::from_unix_timestamp(secs)?))
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> <Postgres as Database>::TypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &<Postgres as Database>::TypeInfo) -> bool {
        <OffsetDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Postgres> for Ts {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<'q, Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Ts {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <OffsetDateTime as Decode<'r, Postgres>>::decode(value).map(Self::new)
    }
}
