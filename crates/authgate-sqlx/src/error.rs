//! The error of connecting and migrating (the adapter's methods fail with
//! [`AdapterError`](authgate_core::adapter::AdapterError)).

/// What [`SqlxAdapter::connect`](crate::SqlxAdapter::connect) and
/// [`SqlxAdapter::migrate`](crate::SqlxAdapter::migrate) can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL is neither `sqlite:` nor `postgres:` / `postgresql:` (the scheme is given,
    /// never the URL, which may hold a password).
    #[error("unsupported database URL scheme {0:?}: expected sqlite: or postgres:")]
    UnsupportedScheme(String),
    /// A migration failed; it was rolled back with the others of its run.
    #[error("migration {version} ({description}) failed: {source}")]
    Migration {
        /// Its version.
        version: i64,
        /// What it does.
        description: &'static str,
        /// Why it failed.
        #[source]
        source: sqlx::Error,
    },
    /// The database failed (unreachable, refused the connection, ...).
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}
