//! The memory adapter: for tests, demos and single-process apps that need no
//! persistence. Everything lives behind one mutex, so every method is atomic.

use std::{
    collections::HashMap,
    sync::{Mutex, MutexGuard, PoisonError},
};

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    Adapter, AdapterAccount, AdapterError, AdapterSession, AdapterUser, NewUser, UserUpdate,
    VerificationToken,
};

#[derive(Default)]
struct Store {
    users: HashMap<String, AdapterUser>,
    /// `(provider, provider_account_id)` → account.
    accounts: HashMap<(String, String), AdapterAccount>,
    sessions: HashMap<String, AdapterSession>,
    /// `(identifier, token)` → token.
    tokens: HashMap<(String, String), VerificationToken>,
}

impl Store {
    fn email_taken(&self, email: Option<&str>) -> bool {
        email.is_some_and(|e| self.users.values().any(|u| u.email.as_deref() == Some(e)))
    }

    fn insert_user(&mut self, user: NewUser) -> Result<AdapterUser, AdapterError> {
        if self.email_taken(user.email.as_deref()) {
            return Err(AdapterError::Conflict("a user has this email".into()));
        }
        let id = user.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        if self.users.contains_key(&id) {
            return Err(AdapterError::Conflict("a user has this id".into()));
        }
        let created = AdapterUser {
            id,
            name: user.name,
            email: user.email,
            email_verified: user.email_verified,
            image: user.image,
        };
        self.users.insert(created.id.clone(), created.clone());
        Ok(created)
    }
}

/// An [`Adapter`] in memory.
///
/// ```
/// use std::sync::Arc;
/// use authgate_core::adapter::{Adapter, MemoryAdapter};
/// let adapter: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
/// # let _ = adapter;
/// ```
#[derive(Default)]
pub struct MemoryAdapter {
    store: Mutex<Store>,
}

impl std::fmt::Debug for MemoryAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryAdapter").finish_non_exhaustive()
    }
}

impl MemoryAdapter {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[async_trait]
impl Adapter for MemoryAdapter {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser, AdapterError> {
        self.store().insert_user(user)
    }

    async fn create_user_with_account(
        &self,
        user: NewUser,
        mut account: AdapterAccount,
    ) -> Result<AdapterUser, AdapterError> {
        let mut store = self.store();
        let key = (
            account.provider.clone(),
            account.provider_account_id.clone(),
        );
        if store.accounts.contains_key(&key) {
            return Err(AdapterError::Conflict("this account is linked".into()));
        }
        let created = store.insert_user(user)?;
        account.user_id = created.id.clone();
        store.accounts.insert(key, account);
        Ok(created)
    }

    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>, AdapterError> {
        Ok(self.store().users.get(id).cloned())
    }

    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>, AdapterError> {
        Ok(self
            .store()
            .users
            .values()
            .find(|u| u.email.as_deref() == Some(email))
            .cloned())
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>, AdapterError> {
        let store = self.store();
        let key = (provider.to_owned(), provider_account_id.to_owned());
        Ok(store
            .accounts
            .get(&key)
            .and_then(|a| store.users.get(&a.user_id))
            .cloned())
    }

    async fn update_user(&self, id: &str, update: UserUpdate) -> Result<AdapterUser, AdapterError> {
        let mut store = self.store();
        if let Some(Some(email)) = update.email.as_ref() {
            let taken = store
                .users
                .values()
                .any(|u| u.id != id && u.email.as_deref() == Some(email));
            if taken {
                return Err(AdapterError::Conflict("a user has this email".into()));
            }
        }
        let user = store
            .users
            .get_mut(id)
            .ok_or_else(|| AdapterError::NotFound(format!("user {id}")))?;
        update.apply_to(user);
        Ok(user.clone())
    }

    async fn delete_user(&self, id: &str) -> Result<(), AdapterError> {
        let mut store = self.store();
        store.users.remove(id);
        store.accounts.retain(|_, a| a.user_id != id);
        store.sessions.retain(|_, s| s.user_id != id);
        Ok(())
    }

    async fn link_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        let mut store = self.store();
        if !store.users.contains_key(&account.user_id) {
            return Err(AdapterError::NotFound(format!("user {}", account.user_id)));
        }
        let key = (
            account.provider.clone(),
            account.provider_account_id.clone(),
        );
        if store.accounts.contains_key(&key) {
            return Err(AdapterError::Conflict("this account is linked".into()));
        }
        store.accounts.insert(key, account);
        Ok(())
    }

    async fn update_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        let mut store = self.store();
        let key = (
            account.provider.clone(),
            account.provider_account_id.clone(),
        );
        match store.accounts.get_mut(&key) {
            Some(existing) if existing.user_id == account.user_id => {
                *existing = account;
                Ok(())
            }
            _ => Err(AdapterError::NotFound("no such linked account".into())),
        }
    }

    async fn list_accounts(&self, user_id: &str) -> Result<Vec<AdapterAccount>, AdapterError> {
        let mut list: Vec<_> = self
            .store()
            .accounts
            .values()
            .filter(|a| a.user_id == user_id)
            .cloned()
            .collect();
        list.sort_by(|a, b| {
            (&a.provider, &a.provider_account_id).cmp(&(&b.provider, &b.provider_account_id))
        });
        Ok(list)
    }

    async fn unlink_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<(), AdapterError> {
        self.store()
            .accounts
            .remove(&(provider.to_owned(), provider_account_id.to_owned()));
        Ok(())
    }

    async fn create_session(
        &self,
        session: AdapterSession,
    ) -> Result<AdapterSession, AdapterError> {
        let mut store = self.store();
        if !store.users.contains_key(&session.user_id) {
            return Err(AdapterError::NotFound(format!("user {}", session.user_id)));
        }
        if store.sessions.contains_key(&session.session_token) {
            return Err(AdapterError::Conflict("session token exists".into()));
        }
        store
            .sessions
            .insert(session.session_token.clone(), session.clone());
        Ok(session)
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>, AdapterError> {
        let store = self.store();
        let Some(session) = store.sessions.get(session_token) else {
            return Ok(None);
        };
        if session.expires <= now() {
            return Ok(None);
        }
        Ok(store
            .users
            .get(&session.user_id)
            .map(|u| (session.clone(), u.clone())))
    }

    async fn update_session(
        &self,
        session_token: &str,
        expires: OffsetDateTime,
    ) -> Result<Option<AdapterSession>, AdapterError> {
        let now = now();
        let mut store = self.store();
        Ok(store
            .sessions
            .get_mut(session_token)
            .filter(|s| s.expires > now)
            .map(|s| {
                s.expires = expires;
                s.clone()
            }))
    }

    async fn delete_session(
        &self,
        session_token: &str,
    ) -> Result<Option<AdapterSession>, AdapterError> {
        Ok(self.store().sessions.remove(session_token))
    }

    async fn list_sessions(&self, user_id: &str) -> Result<Vec<AdapterSession>, AdapterError> {
        let now = now();
        let mut list: Vec<_> = self
            .store()
            .sessions
            .values()
            .filter(|s| s.user_id == user_id && s.expires > now)
            .cloned()
            .collect();
        list.sort_by_key(|s| s.expires);
        Ok(list)
    }

    async fn delete_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u64, AdapterError> {
        // Expired sessions go too; live ones are counted.
        let now = now();
        let mut live = 0u64;
        self.store().sessions.retain(|token, s| {
            let keep_it = s.user_id != user_id || Some(token.as_str()) == keep;
            if !keep_it && s.expires > now {
                live += 1;
            }
            keep_it
        });
        Ok(live)
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken, AdapterError> {
        let key = (token.identifier.clone(), token.token.clone());
        self.store().tokens.insert(key, token.clone());
        Ok(token)
    }

    async fn find_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        let key = (identifier.to_owned(), token.to_owned());
        Ok(self
            .store()
            .tokens
            .get(&key)
            .filter(|t| t.expires > now())
            .cloned())
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        let key = (identifier.to_owned(), token.to_owned());
        Ok(self
            .store()
            .tokens
            .remove(&key)
            .filter(|t| t.expires > now()))
    }
}
