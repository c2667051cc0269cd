//! [`Timed`]: the configured adapter with a time limit on each store call
//! (`AuthConfigBuilder::store_timeout`), so that a hung server or network fails a
//! request (503 on an app route, `null` from `GET /session`, `error=Configuration` on a
//! sign-in) instead of holding it. A call given up is dropped, and may or may not have
//! taken effect: a SQL transaction in it rolls back unless it had committed, a Redis
//! script runs whole or not at all.

use std::{future::Future, sync::Arc, time::Duration};

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    Adapter, AdapterAccount, AdapterError, AdapterSession, AdapterUser, NewUser, SessionRead,
    UserUpdate, VerificationToken,
};

/// A store call, given up after `limit` (zero: no limit) with a `Backend` error.
async fn within<T>(
    limit: Duration,
    call: impl Future<Output = Result<T, AdapterError>>,
) -> Result<T, AdapterError> {
    if limit.is_zero() {
        return call.await;
    }
    tokio::time::timeout(limit, call).await.unwrap_or_else(|_| {
        Err(AdapterError::backend(format!(
            "the store did not answer within {limit:?}"
        )))
    })
}

/// An adapter whose every call is limited to `limit`.
pub(crate) struct Timed {
    inner: Arc<dyn Adapter>,
    limit: Duration,
}

impl Timed {
    /// `inner` with each call limited to `limit`; `inner` itself when `limit` is zero.
    pub(crate) fn wrap(inner: Arc<dyn Adapter>, limit: Duration) -> Arc<dyn Adapter> {
        if limit.is_zero() {
            return inner;
        }
        Arc::new(Self { inner, limit })
    }
}

#[async_trait]
impl Adapter for Timed {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser, AdapterError> {
        within(self.limit, self.inner.create_user(user)).await
    }

    async fn create_user_with_account(
        &self,
        user: NewUser,
        account: AdapterAccount,
    ) -> Result<AdapterUser, AdapterError> {
        within(
            self.limit,
            self.inner.create_user_with_account(user, account),
        )
        .await
    }

    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>, AdapterError> {
        within(self.limit, self.inner.get_user(id)).await
    }

    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>, AdapterError> {
        within(self.limit, self.inner.get_user_by_email(email)).await
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>, AdapterError> {
        let call = self
            .inner
            .get_user_by_account(provider, provider_account_id);
        within(self.limit, call).await
    }

    async fn update_user(&self, id: &str, update: UserUpdate) -> Result<AdapterUser, AdapterError> {
        within(self.limit, self.inner.update_user(id, update)).await
    }

    async fn delete_user(&self, id: &str) -> Result<(), AdapterError> {
        within(self.limit, self.inner.delete_user(id)).await
    }

    async fn link_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        within(self.limit, self.inner.link_account(account)).await
    }

    async fn update_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        within(self.limit, self.inner.update_account(account)).await
    }

    async fn list_accounts(&self, user_id: &str) -> Result<Vec<AdapterAccount>, AdapterError> {
        within(self.limit, self.inner.list_accounts(user_id)).await
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<(), AdapterError> {
        let call = self.inner.unlink_account(provider, provider_account_id);
        within(self.limit, call).await
    }

    async fn create_session(
        &self,
        session: AdapterSession,
    ) -> Result<AdapterSession, AdapterError> {
        within(self.limit, self.inner.create_session(session)).await
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>, AdapterError> {
        within(self.limit, self.inner.get_session_and_user(session_token)).await
    }

    fn gathers_session_reads(&self) -> bool {
        self.inner.gathers_session_reads()
    }

    async fn get_sessions_and_users(
        &self,
        session_tokens: &[String],
    ) -> Result<Vec<SessionRead>, AdapterError> {
        within(
            self.limit,
            self.inner.get_sessions_and_users(session_tokens),
        )
        .await
    }

    async fn update_session(
        &self,
        session_token: &str,
        expires: OffsetDateTime,
    ) -> Result<Option<AdapterSession>, AdapterError> {
        within(
            self.limit,
            self.inner.update_session(session_token, expires),
        )
        .await
    }

    async fn delete_session(
        &self,
        session_token: &str,
    ) -> Result<Option<AdapterSession>, AdapterError> {
        within(self.limit, self.inner.delete_session(session_token)).await
    }

    async fn list_sessions(&self, user_id: &str) -> Result<Vec<AdapterSession>, AdapterError> {
        within(self.limit, self.inner.list_sessions(user_id)).await
    }

    async fn delete_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u64, AdapterError> {
        within(self.limit, self.inner.delete_sessions(user_id, keep)).await
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken, AdapterError> {
        within(self.limit, self.inner.create_verification_token(token)).await
    }

    async fn find_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        within(
            self.limit,
            self.inner.find_verification_token(identifier, token),
        )
        .await
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        within(
            self.limit,
            self.inner.use_verification_token(identifier, token),
        )
        .await
    }
}
