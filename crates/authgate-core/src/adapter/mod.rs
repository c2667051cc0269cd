//! Database adapters: where users, accounts, sessions and verification tokens live when
//! the app has a database (Auth.js's adapters). One trait, [`Adapter`], object-safe so
//! the engine holds an `Arc<dyn Adapter>`; a memory adapter here ([`MemoryAdapter`]); the
//! SQL and Redis ones in `authgate-sqlx` and `authgate-redis`. Every adapter passes the
//! conformance suite in `testing` (feature `adapter-tests`).
//!
//! Session and verification tokens reach an adapter already hashed (SHA-256): a
//! leaked table holds no usable token.

mod error;
mod memory;
mod model;
#[cfg(feature = "adapter-tests")]
pub mod testing;
mod timed;

use async_trait::async_trait;
use time::OffsetDateTime;

pub use crate::json_in::{flat_object, FlatValue};
pub use error::AdapterError;
pub use memory::MemoryAdapter;
pub use model::{
    AdapterAccount, AdapterSession, AdapterUser, NewUser, UserUpdate, VerificationToken,
};
pub(crate) use timed::Timed;

/// One answer of [`Adapter::get_sessions_and_users`]: the session and its user when the
/// session exists and has not expired, or this token's own error (a record that cannot
/// be read fails its own read, not the others of the batch).
pub type SessionRead = Result<Option<(AdapterSession, AdapterUser)>, AdapterError>;

/// A store of users, accounts, sessions and verification tokens: Auth.js's adapter
/// methods, plus what session management needs (list and delete a user's sessions) and
/// an atomic "create the user and link the account".
///
/// Rules every adapter keeps (the conformance suite checks them): new user ids are
/// random (UUID v4), never sequential, unless the caller gives one; at most one user per email and one link per
/// `(provider, provider_account_id)`, also under concurrent writes (the loser gets
/// [`AdapterError::Conflict`]); `use_verification_token` returns a token at most once;
/// expired sessions and tokens are never returned as valid by `get_session_and_user`
/// and `use_verification_token`; deleting a user deletes its accounts and sessions.
#[async_trait]
pub trait Adapter: Send + Sync + 'static {
    /// Creates a user, with the given id or a new random one (UUID v4).
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser, AdapterError>;
    /// Creates a user and links an account to it, in one transaction: both or neither.
    /// `account.user_id` is ignored (the new user's id is used).
    async fn create_user_with_account(
        &self,
        user: NewUser,
        account: AdapterAccount,
    ) -> Result<AdapterUser, AdapterError>;
    /// A user by id.
    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>, AdapterError>;
    /// A user by email (exact match; the engine lowercases emails).
    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>, AdapterError>;
    /// The user linked to a provider account.
    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>, AdapterError>;
    /// Updates a user's fields; `NotFound` when there is no such user.
    async fn update_user(&self, id: &str, update: UserUpdate) -> Result<AdapterUser, AdapterError>;
    /// Deletes a user, its accounts and its sessions (nothing when there is none).
    async fn delete_user(&self, id: &str) -> Result<(), AdapterError>;
    /// Links an account to a user.
    async fn link_account(&self, account: AdapterAccount) -> Result<(), AdapterError>;
    /// Replaces a linked account's fields (refreshed tokens); `NotFound` when unknown.
    async fn update_account(&self, account: AdapterAccount) -> Result<(), AdapterError>;
    /// The accounts linked to a user.
    async fn list_accounts(&self, user_id: &str) -> Result<Vec<AdapterAccount>, AdapterError>;
    /// Unlinks an account (nothing when it is not linked).
    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<(), AdapterError>;
    /// Stores a session.
    async fn create_session(&self, session: AdapterSession)
        -> Result<AdapterSession, AdapterError>;
    /// A session and its user, if the session exists and has not expired.
    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>, AdapterError>;
    /// Whether session reads that arrive while one is in flight should be gathered and
    /// read with one [`Adapter::get_sessions_and_users`] call. Default `false` (each read
    /// goes to [`Adapter::get_session_and_user`] on its own); an adapter that answers a
    /// batch in one round trip says `true` (the SQL and Redis adapters do).
    fn gathers_session_reads(&self) -> bool {
        false
    }
    /// [`Adapter::get_session_and_user`] for several sessions at once, one answer per
    /// token, in order (a token may appear more than once); used for gathered reads (see
    /// [`Adapter::gathers_session_reads`]). The outer error is a failed call (every read
    /// of the batch fails); an inner one fails only its own token's read (a record that
    /// cannot be parsed). The default asks one by one.
    async fn get_sessions_and_users(
        &self,
        session_tokens: &[String],
    ) -> Result<Vec<SessionRead>, AdapterError> {
        let mut found = Vec::with_capacity(session_tokens.len());
        for token in session_tokens {
            found.push(self.get_session_and_user(token).await);
        }
        Ok(found)
    }
    /// Moves a session's expiry; `None` when there is no such session or it has expired
    /// (an expired session is absent: it is not brought back).
    async fn update_session(
        &self,
        session_token: &str,
        expires: OffsetDateTime,
    ) -> Result<Option<AdapterSession>, AdapterError>;
    /// Deletes a session, returning it (`None` when there was none).
    async fn delete_session(
        &self,
        session_token: &str,
    ) -> Result<Option<AdapterSession>, AdapterError>;
    /// A user's unexpired sessions, soonest expiry first.
    async fn list_sessions(&self, user_id: &str) -> Result<Vec<AdapterSession>, AdapterError>;
    /// Deletes a user's sessions, except `keep` (a hashed token) if given; returns how
    /// many unexpired ones were deleted (expired ones may be deleted too, uncounted).
    async fn delete_sessions(&self, user_id: &str, keep: Option<&str>)
        -> Result<u64, AdapterError>;
    /// Stores a verification token.
    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken, AdapterError>;
    /// A verification token, if it exists and has not expired, without using it up (for
    /// a confirm page that a mail scanner may fetch).
    async fn find_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError>;
    /// Takes a verification token: returns it and deletes it, at most once even under
    /// concurrent calls; an expired token is deleted and not returned.
    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError>;
}
