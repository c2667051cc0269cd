//! The [`Adapter`] methods, each in the file of its table.

use authgate_core::adapter::{
    Adapter, AdapterAccount, AdapterError, AdapterSession, AdapterUser, NewUser, SessionRead,
    UserUpdate, VerificationToken,
};
use time::OffsetDateTime;

use crate::{accounts, sessions, tokens, users, SqlxAdapter};

#[async_trait::async_trait]
impl Adapter for SqlxAdapter {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser, AdapterError> {
        users::create(&self.db, user).await
    }

    async fn create_user_with_account(
        &self,
        user: NewUser,
        account: AdapterAccount,
    ) -> Result<AdapterUser, AdapterError> {
        accounts::create_user_with(&self.db, user, account).await
    }

    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>, AdapterError> {
        users::get(&self.db, id).await
    }

    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>, AdapterError> {
        users::get_by_email(&self.db, email).await
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>, AdapterError> {
        users::get_by_account(&self.db, provider, provider_account_id).await
    }

    async fn update_user(&self, id: &str, update: UserUpdate) -> Result<AdapterUser, AdapterError> {
        users::update(&self.db, id, update).await
    }

    async fn delete_user(&self, id: &str) -> Result<(), AdapterError> {
        users::delete(&self.db, id).await
    }

    async fn link_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        accounts::link(&self.db, account).await
    }

    async fn update_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        accounts::update(&self.db, account).await
    }

    async fn list_accounts(&self, user_id: &str) -> Result<Vec<AdapterAccount>, AdapterError> {
        accounts::list(&self.db, user_id).await
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<(), AdapterError> {
        accounts::unlink(&self.db, provider, provider_account_id).await
    }

    async fn create_session(
        &self,
        session: AdapterSession,
    ) -> Result<AdapterSession, AdapterError> {
        sessions::create(&self.db, session).await
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>, AdapterError> {
        if let Some(found) = self
            .inline
            .as_ref()
            .and_then(|inline| inline.session_and_user(session_token))
        {
            return Ok(found);
        }
        sessions::get_with_user(&self.db, session_token).await
    }

    /// Reads are gathered, except those that run on the request's thread (a SQLite
    /// file): those cost less than a hand-over.
    fn gathers_session_reads(&self) -> bool {
        self.inline.is_none()
    }

    async fn get_sessions_and_users(
        &self,
        session_tokens: &[String],
    ) -> Result<Vec<SessionRead>, AdapterError> {
        sessions::get_many_with_user(&self.db, session_tokens).await
    }

    async fn update_session(
        &self,
        session_token: &str,
        expires: OffsetDateTime,
    ) -> Result<Option<AdapterSession>, AdapterError> {
        sessions::update(&self.db, session_token, expires).await
    }

    async fn delete_session(
        &self,
        session_token: &str,
    ) -> Result<Option<AdapterSession>, AdapterError> {
        sessions::delete(&self.db, session_token).await
    }

    async fn list_sessions(&self, user_id: &str) -> Result<Vec<AdapterSession>, AdapterError> {
        sessions::list(&self.db, user_id).await
    }

    async fn delete_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u64, AdapterError> {
        sessions::delete_all(&self.db, user_id, keep).await
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken, AdapterError> {
        tokens::create(&self.db, token).await
    }

    async fn find_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        tokens::find(&self.db, identifier, token).await
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        tokens::take(&self.db, identifier, token).await
    }
}
