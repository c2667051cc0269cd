//! An adapter that can be switched off: every call fails as a database outage does, until
//! it is switched on again. For testing how the engine answers while its store is down.
//! It also counts session reads and can slow them, to see them gathered.

use std::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    Arc,
};
use std::time::Duration;

use authgate_core::adapter::{
    Adapter, AdapterAccount, AdapterError, AdapterSession, AdapterUser, NewUser, SessionRead,
    UserUpdate, VerificationToken,
};
use authgate_core::async_trait;
use time::OffsetDateTime;

/// Wraps an adapter; [`FlakyAdapter::set_down`] makes every call fail with
/// `AdapterError::Backend`, as an unreachable database does.
#[derive(Clone)]
pub struct FlakyAdapter {
    inner: Arc<dyn Adapter>,
    down: Arc<AtomicBool>,
    failed: Arc<AtomicUsize>,
    /// Store calls that read sessions (one per call, however many sessions).
    session_reads: Arc<AtomicUsize>,
    /// Sessions those calls read.
    sessions_read: Arc<AtomicUsize>,
    read_delay_ms: Arc<AtomicU64>,
    session_write_delay_ms: Arc<AtomicU64>,
}

impl std::fmt::Debug for FlakyAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlakyAdapter")
            .field("down", &self.down.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

impl FlakyAdapter {
    /// Wraps `inner`, up.
    pub fn new(inner: Arc<dyn Adapter>) -> Self {
        Self {
            inner,
            down: Arc::default(),
            failed: Arc::default(),
            session_reads: Arc::default(),
            sessions_read: Arc::default(),
            read_delay_ms: Arc::default(),
            session_write_delay_ms: Arc::default(),
        }
    }

    /// Makes every session read take `delay` (a slow store), so concurrent reads overlap:
    /// the store is read first and the answer comes back after `delay`, as an answer
    /// in flight does (a delete in the meantime does not change it).
    pub fn set_read_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.read_delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Makes `create_session`, `update_session` and `delete_session` take `delay` before
    /// they write (a write waiting on a lock, a hung store).
    pub fn set_session_write_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.session_write_delay_ms.store(ms, Ordering::SeqCst);
    }

    async fn write_later(&self) {
        let delay = self.session_write_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
    }

    /// How many store calls read sessions, and how many sessions they read.
    pub fn session_reads(&self) -> (usize, usize) {
        (
            self.session_reads.load(Ordering::SeqCst),
            self.sessions_read.load(Ordering::SeqCst),
        )
    }

    fn reading(&self, sessions: usize) -> Result<(), AdapterError> {
        self.check()?;
        self.session_reads.fetch_add(1, Ordering::SeqCst);
        self.sessions_read.fetch_add(sessions, Ordering::SeqCst);
        Ok(())
    }

    async fn answer_later<T>(&self, answer: T) -> T {
        let delay = self.read_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        answer
    }

    /// Takes the store down (`true`) or brings it back.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// How many calls failed because the store was down.
    pub fn failed_calls(&self) -> usize {
        self.failed.load(Ordering::SeqCst)
    }

    fn check(&self) -> Result<(), AdapterError> {
        if self.down.load(Ordering::SeqCst) {
            self.failed.fetch_add(1, Ordering::SeqCst);
            return Err(AdapterError::backend(
                "connection refused (the test took the store down)",
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl Adapter for FlakyAdapter {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser, AdapterError> {
        self.check()?;
        self.inner.create_user(user).await
    }
    async fn create_user_with_account(
        &self,
        user: NewUser,
        account: AdapterAccount,
    ) -> Result<AdapterUser, AdapterError> {
        self.check()?;
        self.inner.create_user_with_account(user, account).await
    }
    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>, AdapterError> {
        self.check()?;
        self.inner.get_user(id).await
    }
    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>, AdapterError> {
        self.check()?;
        self.inner.get_user_by_email(email).await
    }
    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>, AdapterError> {
        self.check()?;
        self.inner
            .get_user_by_account(provider, provider_account_id)
            .await
    }
    async fn update_user(&self, id: &str, update: UserUpdate) -> Result<AdapterUser, AdapterError> {
        self.check()?;
        self.inner.update_user(id, update).await
    }
    async fn delete_user(&self, id: &str) -> Result<(), AdapterError> {
        self.check()?;
        self.inner.delete_user(id).await
    }
    async fn link_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        self.check()?;
        self.inner.link_account(account).await
    }
    async fn update_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        self.check()?;
        self.inner.update_account(account).await
    }
    async fn list_accounts(&self, user_id: &str) -> Result<Vec<AdapterAccount>, AdapterError> {
        self.check()?;
        self.inner.list_accounts(user_id).await
    }
    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<(), AdapterError> {
        self.check()?;
        self.inner
            .unlink_account(provider, provider_account_id)
            .await
    }
    async fn create_session(
        &self,
        session: AdapterSession,
    ) -> Result<AdapterSession, AdapterError> {
        self.check()?;
        self.write_later().await;
        self.inner.create_session(session).await
    }
    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>, AdapterError> {
        self.reading(1)?;
        let found = self.inner.get_session_and_user(session_token).await;
        self.answer_later(found).await
    }
    /// Gathered, so tests see reads share store calls (whatever the inner adapter does).
    fn gathers_session_reads(&self) -> bool {
        true
    }
    async fn get_sessions_and_users(
        &self,
        session_tokens: &[String],
    ) -> Result<Vec<SessionRead>, AdapterError> {
        self.reading(session_tokens.len())?;
        let found = self.inner.get_sessions_and_users(session_tokens).await;
        self.answer_later(found).await
    }
    async fn update_session(
        &self,
        session_token: &str,
        expires: OffsetDateTime,
    ) -> Result<Option<AdapterSession>, AdapterError> {
        self.check()?;
        self.write_later().await;
        self.inner.update_session(session_token, expires).await
    }
    async fn delete_session(
        &self,
        session_token: &str,
    ) -> Result<Option<AdapterSession>, AdapterError> {
        self.check()?;
        self.write_later().await;
        self.inner.delete_session(session_token).await
    }
    async fn list_sessions(&self, user_id: &str) -> Result<Vec<AdapterSession>, AdapterError> {
        self.check()?;
        self.inner.list_sessions(user_id).await
    }
    async fn delete_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u64, AdapterError> {
        self.check()?;
        self.inner.delete_sessions(user_id, keep).await
    }
    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken, AdapterError> {
        self.check()?;
        self.inner.create_verification_token(token).await
    }
    async fn find_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        self.check()?;
        self.inner.find_verification_token(identifier, token).await
    }
    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        self.check()?;
        self.inner.use_verification_token(identifier, token).await
    }
}
