//! [`RedisAdapter`]: the [`Adapter`] methods on Redis.

use std::{future::Future, sync::Arc};

use async_trait::async_trait;
use authgate_core::adapter::{
    Adapter, AdapterAccount, AdapterError, AdapterSession, AdapterUser, NewUser, SessionRead,
    UserUpdate, VerificationToken,
};
use redis::{aio::ConnectionManager, ErrorKind, FromRedisValue, ScriptInvocation, ServerErrorKind};
use serde::{de::DeserializeOwned, Serialize};
use time::OffsetDateTime;

use crate::{keys::Keys, records, scripts, DEFAULT_PREFIX};

/// How often a compare-and-set write reads again when the record keeps changing under
/// it before it gives up with [`AdapterError::Backend`].
const CAS_ATTEMPTS: usize = 16;

/// An [`Adapter`] on Redis. Cheap to clone: clones share one connection.
///
/// ```no_run
/// # async fn run() -> Result<(), authgate_core::adapter::AdapterError> {
/// use std::sync::Arc;
/// use authgate_core::adapter::Adapter;
/// use authgate_redis::RedisAdapter;
///
/// let adapter = RedisAdapter::connect("redis://127.0.0.1:6379").await?;
/// let adapter: Arc<dyn Adapter> = Arc::new(adapter);
/// # let _ = adapter;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisAdapter {
    conn: ConnectionManager,
    keys: Keys,
    /// The user key of each session token this adapter has read (see [`UserKeys`]).
    user_keys: Arc<UserKeys>,
}

impl std::fmt::Debug for RedisAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisAdapter")
            .field("conn", &self.conn)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

/// Hashed session token → the key of its user, for the sessions this adapter has read.
/// It only says which user record to fetch beside the session record. A session's user
/// never changes, and the engine never reuses a token (the SHA-256 of 32 random bytes),
/// so an entry does not go stale; should one, the pair it does not explain is read
/// again with the script. A batch whose tokens are all here reads both records of each
/// with one `MGET` (no script); the session record is still read every time, so a
/// deleted session is never served. Bounded: an evicted or unknown token goes through
/// the script, which fills it in.
type UserKeys = quick_cache::sync::Cache<String, Arc<str>>;

/// How many sessions' user keys an adapter remembers (~150 bytes each).
const USER_KEYS: usize = 50_000;

impl RedisAdapter {
    /// Connects to the server at `url` (`redis://[user:password@]host[:port][/db]`) with
    /// a [`ConnectionManager`] that reconnects by itself, under the default key prefix
    /// ([`DEFAULT_PREFIX`]). Fails with [`AdapterError::Backend`] when the URL is invalid
    /// or the server cannot be reached (after the manager's retries, a few seconds).
    pub async fn connect(url: &str) -> Result<Self, AdapterError> {
        let client = redis::Client::open(url).map_err(AdapterError::backend)?;
        let conn = ConnectionManager::new(client)
            .await
            .map_err(AdapterError::backend)?;
        Ok(Self::new(conn))
    }

    /// An adapter on a connection of your own (for its timeouts and retries, see
    /// [`redis::aio::ConnectionManagerConfig`]), under the default key prefix.
    ///
    /// ```no_run
    /// # async fn run() -> redis::RedisResult<()> {
    /// use std::time::Duration;
    /// use authgate_redis::{redis, RedisAdapter};
    /// use redis::aio::{ConnectionManager, ConnectionManagerConfig};
    ///
    /// let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// let config = ConnectionManagerConfig::new().set_response_timeout(Some(Duration::from_secs(2)));
    /// let adapter = RedisAdapter::new(ConnectionManager::new_with_config(client, config).await?);
    /// # let _ = adapter;
    /// # Ok(()) }
    /// ```
    pub fn new(conn: ConnectionManager) -> Self {
        Self {
            conn,
            keys: Keys::new(DEFAULT_PREFIX),
            user_keys: Arc::new(UserKeys::new(USER_KEYS)),
        }
    }

    /// The same adapter with every key under `prefix` instead (default `authgate:`), so
    /// that several apps share a server. Give each app a prefix that does not start
    /// another's.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), authgate_core::adapter::AdapterError> {
    /// use authgate_redis::RedisAdapter;
    ///
    /// let adapter = RedisAdapter::connect("redis://127.0.0.1:6379").await?.with_prefix("shop:auth:");
    /// assert_eq!(adapter.prefix(), "shop:auth:");
    /// # Ok(()) }
    /// ```
    pub fn with_prefix(self, prefix: impl Into<String>) -> Self {
        Self {
            keys: Keys::new(prefix),
            user_keys: Arc::new(UserKeys::new(USER_KEYS)),
            ..self
        }
    }

    /// The prefix of every key this adapter writes.
    pub fn prefix(&self) -> &str {
        self.keys.prefix()
    }

    /// A lock that makes token refreshes single flight across app instances, on this
    /// adapter's connection, under its prefix.
    pub fn refresh_lock(&self) -> crate::RedisRefreshLock {
        crate::RedisRefreshLock::new(self.conn(), self.keys.prefix())
    }

    /// A rate limit store on this adapter's connection, under its prefix.
    pub fn rate_limit_store(&self) -> crate::RedisRateLimitStore {
        crate::RedisRateLimitStore::new(self.conn(), self.keys.prefix())
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    async fn query<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, AdapterError> {
        cmd.query_async(&mut self.conn())
            .await
            .map_err(AdapterError::backend)
    }

    /// Runs a script that answers a status (see `scripts.rs`): `Ok(true)` when it wrote,
    /// `Ok(false)` when a compare-and-set found the record changed, an error otherwise.
    async fn run(&self, script: &ScriptInvocation<'_>) -> Result<bool, AdapterError> {
        let status: String = script
            .invoke_async(&mut self.conn())
            .await
            .map_err(AdapterError::backend)?;
        match status.as_str() {
            "OK" => Ok(true),
            "CHANGED" => Ok(false),
            "EMAIL_TAKEN" => Err(AdapterError::Conflict("a user has this email".into())),
            "ID_TAKEN" => Err(AdapterError::Conflict("a user has this id".into())),
            "ACCOUNT_LINKED" => Err(AdapterError::Conflict("this account is linked".into())),
            "SESSION_EXISTS" => Err(AdapterError::Conflict("session token exists".into())),
            "NO_USER" => Err(AdapterError::NotFound("no such user".into())),
            other => Err(AdapterError::backend(format!(
                "unexpected script reply {other:?}"
            ))),
        }
    }

    /// A record and the JSON it was read from (for a compare-and-set).
    async fn read<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<(String, T)>, AdapterError> {
        let raw: Option<String> = self.query(redis::cmd("GET").arg(key)).await?;
        let Some(raw) = raw else { return Ok(None) };
        let value = records::json(raw.as_bytes())?;
        Ok(Some((raw, value)))
    }

    async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, AdapterError> {
        Ok(self.read(key).await?.map(|(_, value)| value))
    }

    async fn get_del<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, AdapterError> {
        let raw: Option<String> = self.query(redis::cmd("GETDEL").arg(key)).await?;
        raw.map(|raw| records::json(raw.as_bytes())).transpose()
    }

    /// The records whose keys are `members` of `set`; members whose record is gone
    /// (expired) are removed from the set with `remove` (`SREM` or `ZREM`).
    async fn members<T: DeserializeOwned>(
        &self,
        set: &str,
        remove: &str,
        members: Vec<String>,
    ) -> Result<Vec<T>, AdapterError> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let values: Vec<Option<String>> = self.query(redis::cmd("MGET").arg(&members)).await?;
        let mut gone = Vec::new();
        let mut records = Vec::new();
        for (member, value) in members.into_iter().zip(values) {
            match value {
                Some(raw) => records.push(records::json(raw.as_bytes())?),
                None => gone.push(member),
            }
        }
        if !gone.is_empty() {
            self.query::<()>(redis::cmd(remove).arg(set).arg(gone))
                .await?;
        }
        Ok(records)
    }

    /// Creates a user and, when given, links its first account, in one script.
    async fn insert_user(
        &self,
        user: NewUser,
        account: Option<AdapterAccount>,
    ) -> Result<AdapterUser, AdapterError> {
        let created = AdapterUser {
            id: user.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            name: user.name,
            email: user.email,
            email_verified: user.email_verified,
            image: user.image,
        };
        let email_key = created
            .email
            .as_deref()
            .map(|email| self.keys.user_email(email))
            .unwrap_or_default();
        let (account_key, account_json) = match account {
            Some(mut account) => {
                account.user_id = created.id.clone();
                let key = self
                    .keys
                    .account(&account.provider, &account.provider_account_id);
                (key, to_json(&account)?)
            }
            None => (String::new(), String::new()),
        };
        self.run(
            scripts::CREATE_USER
                .key(self.keys.user(&created.id))
                .key(email_key)
                .key(account_key)
                .key(self.keys.user_accounts(&created.id))
                .arg(&created.id)
                .arg(to_json(&created)?)
                .arg(account_json),
        )
        .await?;
        Ok(created)
    }
}

impl RedisAdapter {
    /// A command of `head` then the session keys of `session_tokens`, written through one
    /// buffer (not a `String` each), with `room` bytes for what follows.
    fn session_keys_command(
        &self,
        head: &[&str],
        session_tokens: &[String],
        room: usize,
    ) -> redis::Cmd {
        let key_len = self.keys.prefix().len() + 8 + session_tokens.first().map_or(0, String::len);
        let mut cmd = redis::Cmd::with_capacity(
            head.len() + 2 * session_tokens.len() + 1,
            64 + session_tokens.len() * key_len + room,
        );
        for part in head {
            cmd.arg(*part);
        }
        let mut key = Vec::with_capacity(key_len);
        for token in session_tokens {
            cmd.arg(self.keys.session_into(token, &mut key));
        }
        cmd
    }

    /// Sessions and their users with the batch script (which finds each session's user
    /// key), remembering the user keys it found.
    async fn read_sessions_by_script(
        &self,
        session_tokens: &[String],
    ) -> Result<Vec<SessionRead>, AdapterError> {
        // `EVALSHA` built here, not by a `ScriptInvocation`: that one copies each key into
        // a `Vec` of its own before copying it again into the command.
        let script = &*scripts::GET_SESSIONS_AND_USERS;
        let prefix = self.keys.prefix();
        let count = session_tokens.len().to_string();
        let mut cmd = self.session_keys_command(
            &["EVALSHA", script.get_hash(), &count],
            session_tokens,
            prefix.len(),
        );
        cmd.arg(prefix);
        let mut conn = self.conn();
        let parts: Vec<Option<Vec<u8>>> = match cmd.query_async(&mut conn).await {
            // A server that does not hold the script yet (a restart, `SCRIPT FLUSH`).
            Err(err) if err.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
                script
                    .load_async(&mut conn)
                    .await
                    .map_err(AdapterError::backend)?;
                cmd.query_async(&mut conn).await
            }
            answer => answer,
        }
        .map_err(AdapterError::backend)?;
        if parts.len() != 2 * session_tokens.len() {
            return Err(AdapterError::backend(
                "the session script answered the wrong number of records",
            ));
        }
        let now = now();
        // Each pair on its own: a record that cannot be read fails its own read only.
        let found: Vec<SessionRead> = parts
            .chunks_exact(2)
            .map(|pair| read_pair(pair[0].as_deref(), pair[1].as_deref(), now))
            .collect();
        for (token, read) in session_tokens.iter().zip(&found) {
            if let Ok(Some((session, _))) = read {
                let user_key = self.keys.user(&session.user_id);
                self.user_keys.insert(token.clone(), Arc::from(user_key));
            }
        }
        Ok(found)
    }

    /// Sessions and their users with one `MGET` of the session keys and the user keys
    /// remembered for them.
    async fn read_sessions_by_mget(
        &self,
        session_tokens: &[String],
        user_keys: &[Arc<str>],
    ) -> Result<Vec<SessionRead>, AdapterError> {
        let room = user_keys.iter().map(|k| k.len()).sum();
        let mut cmd = self.session_keys_command(&["MGET"], session_tokens, room);
        for user_key in user_keys {
            cmd.arg(&**user_key);
        }
        let parts: Vec<Option<Vec<u8>>> = self.query(&cmd).await?;
        if parts.len() != 2 * session_tokens.len() {
            return Err(AdapterError::backend(
                "MGET answered the wrong number of records",
            ));
        }
        let (sessions, users) = parts.split_at(session_tokens.len());
        let now = now();
        // Pairs the remembered user key does not explain (the user record missing, a
        // record that fails its check) are read again with the script, so the answers
        // are the script's; their entries are dropped.
        let mut again = Vec::new();
        let mut found: Vec<SessionRead> = Vec::with_capacity(session_tokens.len());
        for (i, (token, records)) in session_tokens
            .iter()
            .zip(sessions.iter().zip(users))
            .enumerate()
        {
            let read = match records {
                (None, _) => {
                    // No session: gone, so is its entry.
                    self.user_keys.remove(token.as_str());
                    Ok(None)
                }
                (Some(session), Some(user)) => read_pair(Some(session), Some(user), now),
                (Some(_), None) => Err(AdapterError::backend("no user record")),
            };
            if read.is_err() {
                self.user_keys.remove(token.as_str());
                again.push(i);
            }
            found.push(read);
        }
        if !again.is_empty() {
            let tokens: Vec<String> = again.iter().map(|&i| session_tokens[i].clone()).collect();
            match self.read_sessions_by_script(&tokens).await {
                Ok(reread) => {
                    for (i, read) in again.into_iter().zip(reread) {
                        found[i] = read;
                    }
                }
                // Only those reads fail; the others were answered.
                Err(err) => {
                    let message = err.to_string();
                    for i in again {
                        found[i] = Err(AdapterError::backend(message.clone()));
                    }
                }
            }
        }
        Ok(found)
    }
}

#[async_trait]
impl Adapter for RedisAdapter {
    async fn create_user(&self, user: NewUser) -> Result<AdapterUser, AdapterError> {
        self.insert_user(user, None).await
    }

    async fn create_user_with_account(
        &self,
        user: NewUser,
        account: AdapterAccount,
    ) -> Result<AdapterUser, AdapterError> {
        self.insert_user(user, Some(account)).await
    }

    async fn get_user(&self, id: &str) -> Result<Option<AdapterUser>, AdapterError> {
        self.get(&self.keys.user(id)).await
    }

    async fn get_user_by_email(&self, email: &str) -> Result<Option<AdapterUser>, AdapterError> {
        let id: Option<String> = self
            .query(redis::cmd("GET").arg(self.keys.user_email(email)))
            .await?;
        let Some(id) = id else { return Ok(None) };
        let user = self.get_user(&id).await?;
        Ok(user.filter(|u| u.email.as_deref() == Some(email)))
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> Result<Option<AdapterUser>, AdapterError> {
        let key = self.keys.account(provider, provider_account_id);
        match self.get::<AdapterAccount>(&key).await? {
            Some(account) => self.get_user(&account.user_id).await,
            None => Ok(None),
        }
    }

    async fn update_user(&self, id: &str, update: UserUpdate) -> Result<AdapterUser, AdapterError> {
        let (key, update) = (&self.keys.user(id), &update);
        cas(move || async move {
            let Some((raw, mut user)) = self.read::<AdapterUser>(key).await? else {
                return Err(AdapterError::NotFound(format!("user {id}")));
            };
            let old_email = user.email.clone();
            update.clone().apply_to(&mut user);
            let (claim, release) = match (&user.email, old_email) {
                (Some(new), old) if Some(new) != old.as_ref() => (
                    self.keys.user_email(new),
                    old.map(|old| self.keys.user_email(&old))
                        .unwrap_or_default(),
                ),
                // Cleared: the old address is free again.
                (None, Some(old)) => (String::new(), self.keys.user_email(&old)),
                _ => (String::new(), String::new()),
            };
            let replaced = self
                .run(
                    scripts::REPLACE
                        .key(key)
                        .key(claim)
                        .key(release)
                        .arg(raw)
                        .arg(to_json(&user)?)
                        .arg(id),
                )
                .await?;
            Ok(replaced.then_some(user))
        })
        .await
    }

    async fn delete_user(&self, id: &str) -> Result<(), AdapterError> {
        let key = &self.keys.user(id);
        cas(move || async move {
            let (raw, email_key) = match self.read::<AdapterUser>(key).await? {
                Some((raw, user)) => {
                    let email_key = user.email.map(|email| self.keys.user_email(&email));
                    (raw, email_key.unwrap_or_default())
                }
                None => (String::new(), String::new()),
            };
            let deleted = self
                .run(
                    scripts::DELETE_USER
                        .key(key)
                        .key(email_key)
                        .key(self.keys.user_accounts(id))
                        .key(self.keys.user_sessions(id))
                        .arg(raw)
                        .arg(id),
                )
                .await?;
            Ok(deleted.then_some(()))
        })
        .await
    }

    async fn link_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        self.run(
            scripts::LINK_ACCOUNT
                .key(self.keys.user(&account.user_id))
                .key(
                    self.keys
                        .account(&account.provider, &account.provider_account_id),
                )
                .key(self.keys.user_accounts(&account.user_id))
                .arg(to_json(&account)?),
        )
        .await?;
        Ok(())
    }

    async fn update_account(&self, account: AdapterAccount) -> Result<(), AdapterError> {
        let key = self
            .keys
            .account(&account.provider, &account.provider_account_id);
        let (key, json, account) = (&key, &to_json(&account)?, &account);
        cas(move || async move {
            let stored = self.read::<AdapterAccount>(key).await?;
            let Some((raw, _)) = stored.filter(|(_, a)| a.user_id == account.user_id) else {
                return Err(AdapterError::NotFound("no such linked account".into()));
            };
            let replaced = self
                .run(
                    scripts::REPLACE
                        .key(key)
                        .key("")
                        .key("")
                        .arg(raw)
                        .arg(json)
                        .arg(""),
                )
                .await?;
            Ok(replaced.then_some(()))
        })
        .await
    }

    async fn list_accounts(&self, user_id: &str) -> Result<Vec<AdapterAccount>, AdapterError> {
        let set = self.keys.user_accounts(user_id);
        let keys: Vec<String> = self.query(redis::cmd("SMEMBERS").arg(&set)).await?;
        let mut list: Vec<AdapterAccount> = self.members(&set, "SREM", keys).await?;
        list.retain(|a| a.user_id == user_id);
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
        let key = &self.keys.account(provider, provider_account_id);
        cas(move || async move {
            let Some((raw, account)) = self.read::<AdapterAccount>(key).await? else {
                return Ok(Some(()));
            };
            let set = self.keys.user_accounts(&account.user_id);
            let removed = self.run(scripts::REMOVE.key(key).key(set).arg(raw)).await?;
            Ok(removed.then_some(()))
        })
        .await
    }

    async fn create_session(
        &self,
        session: AdapterSession,
    ) -> Result<AdapterSession, AdapterError> {
        self.run(
            scripts::CREATE_SESSION
                .key(self.keys.user(&session.user_id))
                .key(self.keys.session(&session.session_token))
                .key(self.keys.user_sessions(&session.user_id))
                .arg(to_json(&session)?)
                .arg(unix_ms(session.expires))
                .arg(unix_ms(now())),
        )
        .await?;
        Ok(session)
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>, AdapterError> {
        // The batch script, for one session.
        let token = [session_token.to_owned()];
        let mut found = self.get_sessions_and_users(&token).await?;
        found
            .pop()
            .unwrap_or_else(|| Err(AdapterError::backend("no answer for the session")))
    }

    fn gathers_session_reads(&self) -> bool {
        true
    }

    async fn get_sessions_and_users(
        &self,
        session_tokens: &[String],
    ) -> Result<Vec<SessionRead>, AdapterError> {
        if session_tokens.is_empty() {
            return Ok(Vec::new());
        }
        let known: Option<Vec<Arc<str>>> = session_tokens
            .iter()
            .map(|token| self.user_keys.get(token.as_str()))
            .collect();
        match known {
            Some(user_keys) => self.read_sessions_by_mget(session_tokens, &user_keys).await,
            None => self.read_sessions_by_script(session_tokens).await,
        }
    }

    async fn update_session(
        &self,
        session_token: &str,
        expires: OffsetDateTime,
    ) -> Result<Option<AdapterSession>, AdapterError> {
        let key = self.keys.session(session_token);
        let Some(mut session) = self.get::<AdapterSession>(&key).await? else {
            return Ok(None);
        };
        session.expires = expires;
        let at = unix_ms(expires);
        // Only while it exists (XX): a session deleted meanwhile stays deleted.
        let (set,): (Option<String>,) = redis::pipe()
            .atomic()
            .cmd("SET")
            .arg(&key)
            .arg(to_json(&session)?)
            .arg("XX")
            .arg("PXAT")
            .arg(at)
            .cmd("ZADD")
            .arg(self.keys.user_sessions(&session.user_id))
            .arg("XX")
            .arg(at)
            .arg(&key)
            .ignore()
            .query_async(&mut self.conn())
            .await
            .map_err(AdapterError::backend)?;
        Ok(set.map(|_| session))
    }

    async fn delete_session(
        &self,
        session_token: &str,
    ) -> Result<Option<AdapterSession>, AdapterError> {
        let key = self.keys.session(session_token);
        // Not needed for correctness (every read reads the session record): keeps the
        // map to live sessions.
        self.user_keys.remove(session_token);
        let Some(session) = self.get_del::<AdapterSession>(&key).await? else {
            return Ok(None);
        };
        // A member left behind (if this fails) is harmless: listing drops it.
        let set = self.keys.user_sessions(&session.user_id);
        self.query::<()>(redis::cmd("ZREM").arg(set).arg(&key))
            .await?;
        Ok(Some(session))
    }

    async fn list_sessions(&self, user_id: &str) -> Result<Vec<AdapterSession>, AdapterError> {
        let set = self.keys.user_sessions(user_id);
        let now = now();
        let (keys,): (Vec<String>,) = redis::pipe()
            .atomic()
            .cmd("ZREMRANGEBYSCORE")
            .arg(&set)
            .arg("-inf")
            .arg(unix_ms(now))
            .ignore()
            .cmd("ZRANGE")
            .arg(&set)
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn())
            .await
            .map_err(AdapterError::backend)?;
        let mut list: Vec<AdapterSession> = self.members(&set, "ZREM", keys).await?;
        list.retain(|s| s.user_id == user_id && s.expires > now);
        list.sort_by_key(|s| s.expires);
        Ok(list)
    }

    async fn delete_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u64, AdapterError> {
        let keep = keep.map(|token| self.keys.session(token));
        let deleted: u64 = scripts::DELETE_SESSIONS
            .key(self.keys.user_sessions(user_id))
            .arg(keep.unwrap_or_default())
            .invoke_async(&mut self.conn())
            .await
            .map_err(AdapterError::backend)?;
        Ok(deleted)
    }

    async fn create_verification_token(
        &self,
        token: VerificationToken,
    ) -> Result<VerificationToken, AdapterError> {
        let key = self
            .keys
            .verification_token(&token.identifier, &token.token);
        self.query::<()>(
            redis::cmd("SET")
                .arg(key)
                .arg(to_json(&token)?)
                .arg("PXAT")
                .arg(unix_ms(token.expires)),
        )
        .await?;
        Ok(token)
    }

    async fn find_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        let key = self.keys.verification_token(identifier, token);
        let found = self.get::<VerificationToken>(&key).await?;
        Ok(found.filter(|t| t.expires > now()))
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        token: &str,
    ) -> Result<Option<VerificationToken>, AdapterError> {
        let key = self.keys.verification_token(identifier, token);
        let taken = self.get_del::<VerificationToken>(&key).await?;
        Ok(taken.filter(|t| t.expires > now()))
    }
}

/// Runs a read-then-compare-and-set `attempt` until it writes (`Some`), reading again
/// when the record changed in between (`None`).
async fn cas<T, F, Fut>(mut attempt: F) -> Result<T, AdapterError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, AdapterError>>,
{
    for _ in 0..CAS_ATTEMPTS {
        if let Some(done) = attempt().await? {
            return Ok(done);
        }
    }
    Err(AdapterError::backend(
        "the record kept changing during the update; gave up",
    ))
}

/// A session read from what the session script answered for one token: its session
/// record and its user record. No session, an expired one, or one whose user is gone
/// is no session. A record that cannot be read fails this read: one the script could
/// not decode comes with no user (a missing user comes as no session at all), and one
/// whose user is not the session's own (the script found another `"user_id":"` first,
/// a nested member, say) fails too.
fn read_pair(session: Option<&[u8]>, user: Option<&[u8]>, now: OffsetDateTime) -> SessionRead {
    let Some(session) = session else {
        return Ok(None);
    };
    let session = records::session(session)?;
    let Some(user) = user else {
        return Err(AdapterError::backend(
            "the session record could not be decoded by the session script",
        ));
    };
    if session.expires <= now {
        return Ok(None);
    }
    let user = records::user(user)?;
    if user.id != session.user_id {
        return Err(AdapterError::backend(
            "the session script found another user than the session's",
        ));
    }
    Ok(Some((session, user)))
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Unix milliseconds, at least 1 (Redis refuses an expiry time of 0 or less; any past
/// time expires the key at once).
fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
        .max(1)
}

fn to_json(value: &impl Serialize) -> Result<String, AdapterError> {
    serde_json::to_string(value).map_err(AdapterError::backend)
}
