//! Refreshing a provider's access token, single flight per refresh token.
//!
//! The Auth.js recipe (refresh inside `jwt` when `expires_at` has passed) races: two
//! requests carrying the same expired token both refresh, and with refresh-token
//! rotation the second one fails and signs the user out. Here the first request
//! refreshes and every concurrent (or slightly later) request carrying the same refresh
//! token gets that same answer.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use futures_util::future::{BoxFuture, FutureExt, Shared};
use sha2::{Digest, Sha256};

use super::{client, oidc::OidcCache, OAuth, TokenSet};
use crate::{
    adapter::{Adapter, AdapterAccount},
    Account, Error, ErrorCode, SharedToken, Token,
};

/// How long the outcome of a refresh answers for its (old) refresh token: requests that
/// were in flight with the old cookie get the new tokens instead of a failed second
/// refresh.
const REUSE_WINDOW: Duration = Duration::from_secs(60);

/// The value [`TokenRefresher::refresh_if_expired`] puts in the token's `error` claim
/// when a refresh fails (as the Auth.js recipe).
pub const REFRESH_TOKEN_ERROR: &str = "RefreshTokenError";

/// A refresh in flight (or done): a spawned task, so a caller that goes away (a closed
/// tab) cannot abandon a refresh the provider may already have rotated the token for.
type Flight = Shared<BoxFuture<'static, Result<TokenSet, String>>>;

/// After a failed refresh, how long a session waits before trying again.
const RETRY_AFTER_SECS: i64 = 60;

/// How long an instance holds the shared lock of a refresh (the token request has a
/// 10 s timeout); others wait at most about this long for its outcome.
const SHARED_LOCK_TTL: Duration = Duration::from_secs(15);

/// How often an instance waiting for another's refresh looks for its outcome.
const SHARED_POLL: Duration = Duration::from_millis(50);

/// Makes a refresh single flight across app instances: a short lock per refresh token
/// and the published outcome, in a store every instance shares (`authgate-redis` has
/// one). Keys are hashes of refresh tokens, never the tokens.
///
/// The published outcome holds the new tokens for a minute (so instances that waited
/// get them); a store that fails is logged and the refresh goes on in this instance.
#[async_trait::async_trait]
pub trait RefreshLock: Send + Sync + 'static {
    /// Takes the lock `key` as `owner` for `ttl`; `false` when another owner holds it.
    async fn acquire(&self, key: &str, owner: &str, ttl: Duration) -> Result<bool, Error>;
    /// Releases the lock `key` if `owner` still holds it.
    async fn release(&self, key: &str, owner: &str) -> Result<(), Error>;
    /// Publishes a refresh's outcome (JSON) under `key` for `ttl`.
    async fn publish(&self, key: &str, outcome: &str, ttl: Duration) -> Result<(), Error>;
    /// The outcome published under `key`, if any.
    async fn published(&self, key: &str) -> Result<Option<String>, Error>;
}

struct Inner {
    provider: OAuth,
    http: reqwest::Client,
    oidc: OidcCache,
    flights: Mutex<HashMap<[u8; 32], (Instant, Flight)>>,
}

/// Refreshes one provider's access tokens, for the `jwt` callback.
///
/// ```
/// use authgate_core::{presets, AuthConfig, TokenRefresher, Trigger};
///
/// # fn main() -> Result<(), authgate_core::Error> {
/// let google = presets::github("id", "secret");
/// let refresher = TokenRefresher::new(google.clone())?;
/// let config = AuthConfig::builder()
///     .secret("a-long-random-secret-from-openssl-rand-base64-32")
///     .url("http://localhost:3000")
///     .provider(google)
///     .on_jwt(move |ctx| {
///         let refresher = refresher.clone();
///         async move {
///             let mut token = ctx.token;
///             if let (Some(Trigger::SignIn), Some(account)) = (ctx.trigger, &ctx.account) {
///                 TokenRefresher::remember(&mut token, account)?;
///             } else {
///                 refresher.refresh_if_expired(&mut token).await?;
///             }
///             Ok(Some(token))
///         }
///     })
///     .build()?;
/// # let _ = config; Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenRefresher {
    inner: Arc<Inner>,
    leeway: Duration,
    /// Where refreshed tokens are written back to the account (with an adapter).
    adapter: Option<Arc<dyn Adapter>>,
    /// The lock shared with other app instances, when set.
    shared: Option<Arc<dyn RefreshLock>>,
}

impl std::fmt::Debug for TokenRefresher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRefresher")
            .field("provider", &self.inner.provider.id)
            .field("leeway", &self.leeway)
            .field("adapter", &self.adapter.is_some())
            .field("shared", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

fn key(refresh_token: &str) -> [u8; 32] {
    Sha256::digest(refresh_token.as_bytes()).into()
}

impl TokenRefresher {
    /// A refresher for a provider (its token endpoint, from its config or discovery),
    /// with its own HTTP client (no redirects, 10 s timeout). Tokens are refreshed 60 s
    /// before they expire.
    pub fn new(provider: OAuth) -> Result<Self, Error> {
        Ok(Self {
            inner: Arc::new(Inner {
                provider,
                http: client::http_client(Duration::from_secs(10))?,
                oidc: OidcCache::default(),
                flights: Mutex::new(HashMap::new()),
            }),
            leeway: Duration::from_secs(60),
            adapter: None,
            shared: None,
        })
    }

    /// Makes refreshes single flight across app instances too ([`RefreshLock`]), so two
    /// instances never spend one rotating refresh token twice.
    #[must_use]
    pub fn shared(mut self, lock: Arc<dyn RefreshLock>) -> Self {
        self.shared = Some(lock);
        self
    }

    /// Writes refreshed tokens back to the stored account (apps with an adapter), and
    /// lets [`TokenRefresher::fresh_account`] read accounts (database sessions).
    #[must_use]
    pub fn adapter(mut self, adapter: Arc<dyn Adapter>) -> Self {
        self.adapter = Some(adapter);
        self
    }

    /// Refreshes this long before `expires_at` (default 60 s).
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Copies the account's `access_token`, `refresh_token` and `expires_at` into the
    /// token (at sign-in), with the account's `provider`, so later reads can refresh
    /// them (only a refresher of that provider does).
    pub fn remember(token: &mut Token, account: &Account) -> Result<(), Error> {
        token.insert("provider", &account.provider)?;
        token.insert("provider_account_id", &account.provider_account_id)?;
        for field in ["access_token", "refresh_token", "expires_at"] {
            match account.extra.get(field) {
                Some(v) if !v.is_null() => token.insert(field, v)?,
                _ => {
                    token.remove(field);
                }
            }
        }
        token.remove("error");
        token.remove("refresh_failed_at");
        Ok(())
    }

    /// When the token's `expires_at` is (nearly) past: refreshes with its
    /// `refresh_token` and writes the new `access_token`, `expires_at` and (when the
    /// provider rotates it) `refresh_token`, removing any `error`. A failed refresh sets
    /// `error` to [`REFRESH_TOKEN_ERROR`] and keeps the rest. Returns whether the token
    /// changed. A token without `expires_at` or `refresh_token` is left alone.
    pub async fn refresh_if_expired(&self, token: &mut SharedToken) -> Result<bool, Error> {
        // Another provider's refresh token never goes to this provider.
        if token.get::<String>("provider").as_deref() != Some(self.inner.provider.id.as_str()) {
            return Ok(false);
        }
        let Some(expires_at) = token.get::<i64>("expires_at") else {
            return Ok(false);
        };
        let now = crate::time_now();
        if token
            .get::<i64>("refresh_failed_at")
            .is_some_and(|at| now.saturating_sub(at) < RETRY_AFTER_SECS)
        {
            return Ok(false);
        }
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX / 2);
        if expires_at.saturating_sub(leeway) > now {
            return Ok(false);
        }
        let Some(refresh_token) = token.get::<String>("refresh_token") else {
            return Ok(false);
        };
        match self.refresh(&refresh_token).await {
            Ok(fresh) => {
                token.insert("access_token", &fresh.access_token)?;
                match fresh.expires_at {
                    Some(at) => token.insert("expires_at", at)?,
                    None => {
                        token.remove("expires_at");
                    }
                }
                if let Some(rotated) = &fresh.refresh_token {
                    token.insert("refresh_token", rotated)?;
                }
                token.remove("error");
                token.remove("refresh_failed_at");
                if let (Some(user_id), Some(pid)) = (
                    token.sub.clone(),
                    token.get::<String>("provider_account_id"),
                ) {
                    self.store(&user_id, &pid, &fresh).await;
                }
            }
            Err(err) => {
                tracing::warn!(provider = %self.inner.provider.id, error = %err, "{REFRESH_TOKEN_ERROR}");
                token.insert("error", REFRESH_TOKEN_ERROR)?;
                token.insert("refresh_failed_at", now)?;
            }
        }
        Ok(true)
    }

    /// The user's account at this provider with a valid access token (database
    /// sessions, where the tokens live in the account): refreshed, single flight, and
    /// written back when it has (nearly) expired. `None` when the user has no account at
    /// this provider; an error without an adapter or when the refresh fails.
    pub async fn fresh_account(&self, user_id: &str) -> Result<Option<AdapterAccount>, Error> {
        let adapter = self.adapter.as_deref().ok_or_else(|| {
            Error::auth(
                ErrorCode::MissingAdapter,
                "TokenRefresher::adapter is not set",
            )
        })?;
        let accounts = adapter
            .list_accounts(user_id)
            .await
            .map_err(|e| Error::auth(ErrorCode::AdapterError, e.to_string()))?;
        let Some(mut account) = accounts
            .into_iter()
            .find(|a| a.provider == self.inner.provider.id)
        else {
            return Ok(None);
        };
        let expires_at = account
            .extra
            .get("expires_at")
            .and_then(serde_json::Value::as_i64);
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX / 2);
        let due = expires_at.is_some_and(|at| at.saturating_sub(leeway) <= crate::time_now());
        let refresh_token = account
            .extra
            .get("refresh_token")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        if let (true, Some(refresh_token)) = (due, refresh_token) {
            let fresh = self.refresh(&refresh_token).await?;
            apply(&mut account, &fresh);
            adapter
                .update_account(account.clone())
                .await
                .map_err(|e| Error::auth(ErrorCode::AdapterError, e.to_string()))?;
        }
        Ok(Some(account))
    }

    /// Writes refreshed tokens to the stored account (logged, never fatal: the session
    /// already has them).
    async fn store(&self, user_id: &str, provider_account_id: &str, fresh: &TokenSet) {
        let Some(adapter) = self.adapter.as_deref() else {
            return;
        };
        let found = match adapter.list_accounts(user_id).await {
            Ok(accounts) => accounts.into_iter().find(|a| {
                a.provider == self.inner.provider.id && a.provider_account_id == provider_account_id
            }),
            Err(err) => {
                tracing::warn!(error = %err, "refreshed tokens not stored: the account could not be read");
                return;
            }
        };
        let Some(mut account) = found else { return };
        apply(&mut account, fresh);
        if let Err(err) = adapter.update_account(account).await {
            tracing::warn!(error = %err, "refreshed tokens not stored");
        }
    }

    /// Exchanges a refresh token for new tokens, once: concurrent calls with the same
    /// refresh token share one request and its answer, and calls within a minute after a
    /// success get the same new tokens (a failure is not remembered).
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenSet, Error> {
        let k = key(refresh_token);
        let flight = {
            let mut flights = self
                .inner
                .flights
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            flights.retain(|_, (at, _)| at.elapsed() < REUSE_WINDOW);
            let (_, flight) = flights.entry(k).or_insert_with(|| {
                let inner = Arc::clone(&self.inner);
                let shared = self.shared.clone();
                let token = refresh_token.to_owned();
                let task = tokio::spawn(async move {
                    let outcome = match shared {
                        Some(lock) => request_shared(&inner, &*lock, &token, k).await,
                        None => request(&inner, &token).await,
                    };
                    outcome.map_err(|err| err.to_string())
                });
                let joined = async move {
                    task.await
                        .unwrap_or_else(|e| Err(format!("the refresh task failed: {e}")))
                };
                (Instant::now(), joined.boxed().shared())
            });
            flight.clone()
        };
        let outcome = flight.await;
        if outcome.is_err() {
            // A failure answers the requests that waited for it, not later ones: the
            // provider may be back by then.
            let mut flights = self
                .inner
                .flights
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if flights
                .get(&k)
                .is_some_and(|(_, f)| f.peek().is_some_and(Result::is_err))
            {
                flights.remove(&k);
            }
        }
        outcome.map_err(|detail| Error::auth(ErrorCode::CallbackRouteError, detail))
    }
}

/// Puts refreshed tokens into an account (a rotated refresh token replaces the old one).
fn apply(account: &mut AdapterAccount, fresh: &TokenSet) {
    let extra = &mut account.extra;
    extra.insert("access_token".into(), fresh.access_token.clone().into());
    match fresh.expires_at {
        Some(at) => {
            extra.insert("expires_at".into(), at.into());
        }
        None => {
            extra.remove("expires_at");
        }
    }
    if let Some(rotated) = &fresh.refresh_token {
        extra.insert("refresh_token".into(), rotated.clone().into());
    }
    if let Some(id_token) = &fresh.id_token {
        extra.insert("id_token".into(), id_token.clone().into());
    }
}

/// A refresh coordinated with other instances: the outcome another instance published,
/// or this instance's own refresh under the shared lock (published when it succeeds).
async fn request_shared(
    inner: &Inner,
    lock: &dyn RefreshLock,
    refresh_token: &str,
    k: [u8; 32],
) -> Result<TokenSet, Error> {
    let id = hex::encode(k);
    let (lock_key, outcome_key) = (format!("refresh:lock:{id}"), format!("refresh:done:{id}"));
    let owner = uuid::Uuid::new_v4().to_string();
    let deadline = Instant::now() + SHARED_LOCK_TTL + SHARED_POLL * 4;
    let parse = |json: &str| {
        serde_json::from_str::<TokenSet>(json).map_err(|e| {
            Error::auth(
                ErrorCode::CallbackRouteError,
                format!("published refresh: {e}"),
            )
        })
    };
    loop {
        let taken = async {
            if let Some(done) = lock.published(&outcome_key).await? {
                return Ok(Some(Err(done)));
            }
            if !lock.acquire(&lock_key, &owner, SHARED_LOCK_TTL).await? {
                return Ok(None);
            }
            // Another instance may have finished between the two calls.
            if let Some(done) = lock.published(&outcome_key).await? {
                lock.release(&lock_key, &owner).await?;
                return Ok(Some(Err(done)));
            }
            Ok::<_, Error>(Some(Ok(())))
        }
        .await;
        match taken {
            Ok(Some(Err(done))) => return parse(&done),
            Ok(Some(Ok(()))) => {
                let outcome = request(inner, refresh_token).await;
                if let Ok(set) = &outcome {
                    let published = match serde_json::to_string(set) {
                        Ok(json) => lock.publish(&outcome_key, &json, REUSE_WINDOW).await,
                        Err(e) => Err(e.into()),
                    };
                    if let Err(err) = published {
                        tracing::warn!(error = %err, "the refresh outcome could not be shared");
                    }
                }
                if let Err(err) = lock.release(&lock_key, &owner).await {
                    tracing::warn!(error = %err, "the shared refresh lock could not be released");
                }
                return outcome;
            }
            Ok(None) if Instant::now() < deadline => tokio::time::sleep(SHARED_POLL).await,
            Ok(None) => {
                return Err(Error::auth(
                    ErrorCode::CallbackRouteError,
                    "another instance's refresh did not finish in time",
                ))
            }
            Err(err) => {
                tracing::warn!(error = %err, "the shared refresh lock failed; refreshing here");
                return request(inner, refresh_token).await;
            }
        }
    }
}

async fn request(inner: &Inner, refresh_token: &str) -> Result<TokenSet, Error> {
    let endpoints = inner.oidc.endpoints(&inner.http, &inner.provider).await?;
    client::refresh(&inner.http, &inner.provider, &endpoints, refresh_token).await
}
