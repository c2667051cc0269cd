//! The error type of adapters.

/// What an adapter can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// A unique constraint refused the write (a second user with one email, a second
    /// link of one provider account).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The record to update does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The store failed (unreachable, timed out, refused the query).
    #[error("store error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl AdapterError {
    /// Wraps a store's own error.
    pub fn backend(err: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Backend(err.into())
    }
}
