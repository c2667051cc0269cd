//! [`AuthConfig`] and its builder: everything is checked when the config is built.

use std::{future::Future, sync::Arc, time::Duration};

use url::Url;

use crate::{
    adapter::{Adapter, Timed},
    callbacks::{boxed, CallbackChain},
    cookies::CookieNames,
    csrf::CsrfGuard,
    origin::Origin,
    rate_limit::RateLimits,
    Callbacks, Clock, Error, ErrorCode, Events, JwsKey, JwtContext, Provider, RedirectContext,
    Session, SessionContext, SharedToken, SignInContext, SignInDecision, TokenCodec, TokenFormat,
};

/// Where sessions live.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SessionStrategy {
    /// An encrypted JWT in the session cookie (the default).
    #[default]
    Jwt,
    /// A session row in a database, behind an adapter (arrives with the adapters).
    Database,
}

/// Custom page paths (relative to the origin, or absolute URLs). Each built-in page is
/// replaced by a redirect there, as in Auth.js.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pages {
    /// Sign-in page (gets `callbackUrl` and `error`).
    pub sign_in: Option<String>,
    /// Sign-out confirmation page.
    pub sign_out: Option<String>,
    /// Error page (gets `error`).
    pub error: Option<String>,
    /// "Check your email" page.
    pub verify_request: Option<String>,
    /// Where new users go after their first sign-in.
    pub new_user: Option<String>,
}

/// Looks of the built-in pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    /// CSS colour of buttons and links.
    pub brand_color: String,
    /// URL of a logo shown above the card.
    pub logo: Option<String>,
    /// Text colour of buttons.
    pub button_text: String,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            brand_color: "#346df1".into(),
            logo: None,
            button_text: "#fff".into(),
        }
    }
}

/// A validated configuration; build it with [`AuthConfig::builder`] or
/// [`AuthConfig::from_env`], then hand it to [`crate::Auth::new`].
///
/// ```
/// use authgate_core::{AuthConfig, Credentials};
/// let config = AuthConfig::builder()
///     .secret("a-long-random-secret-from-openssl-rand-base64-32")
///     .url("http://localhost:3000")
///     .provider(Credentials::new(|_, _| async { Ok(None) }))
///     .build()
///     .unwrap();
/// assert_eq!(config.base_path(), "/auth");
/// ```
#[derive(Clone)]
pub struct AuthConfig {
    pub(crate) secrets: Vec<String>,
    pub(crate) canonical: Option<Origin>,
    pub(crate) trust_host: bool,
    pub(crate) base_path: String,
    pub(crate) providers: Vec<Provider>,
    pub(crate) callbacks: CallbackChain,
    /// `None` until the app sets events: no payload is built for nobody.
    pub(crate) events: Option<Arc<dyn Events>>,
    pub(crate) strategy: SessionStrategy,
    pub(crate) adapter: Option<Arc<dyn Adapter>>,
    pub(crate) max_age: Duration,
    pub(crate) update_age: Duration,
    pub(crate) pages: Pages,
    pub(crate) theme: Theme,
    pub(crate) error_codes: Vec<(String, String)>,
    /// The session token format (the check cookies are always JWE).
    pub(crate) format: TokenFormat,
    pub(crate) max_body_bytes: usize,
    /// How many session cookie chunks are read (`.0` to `.<max - 1>`).
    pub(crate) max_session_chunks: usize,
    pub(crate) token_cache_capacity: usize,
    /// The byte budget of the verified-token cache.
    pub(crate) token_cache_bytes: usize,
    /// The largest session token authgate issues.
    pub(crate) max_token_bytes: usize,
    pub(crate) session_cache_ttl: Duration,
    /// The one HTTP client for providers (built with `http_timeout`, no redirects).
    pub(crate) http: reqwest::Client,
    /// Session codecs and cookie names, `[http, https]`.
    pub(crate) codecs: [TokenCodec; 2],
    pub(crate) names: [CookieNames; 2],
    /// Check-cookie codecs (`[state, pkce, nonce]`), `[http, https]`.
    pub(crate) check_codecs: [[TokenCodec; 3]; 2],
    pub(crate) csrf: CsrfGuard,
    /// The time for email sign-in links.
    pub(crate) clock: Clock,
    /// Sign-in rate limits, when the app sets them.
    pub(crate) rate_limits: Option<RateLimits>,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("canonical", &self.canonical.as_ref().map(|o| &o.origin))
            .field("trust_host", &self.trust_host)
            .field("base_path", &self.base_path)
            .field("providers", &self.providers)
            .field("strategy", &self.strategy)
            .field("max_age", &self.max_age)
            .field("update_age", &self.update_age)
            .field("max_session_chunks", &self.max_session_chunks)
            .field("pages", &self.pages)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl AuthConfig {
    /// An empty builder.
    pub fn builder() -> AuthConfigBuilder {
        AuthConfigBuilder::default()
    }

    /// A builder filled from the process environment: `AUTH_SECRET` (plus
    /// `AUTH_SECRET_1..3`, put in front for rotation, as Auth.js does), `AUTH_URL` and
    /// `AUTH_TRUST_HOST`.
    pub fn from_env() -> AuthConfigBuilder {
        Self::from_vars(std::env::vars())
    }

    /// As [`AuthConfig::from_env`], from the given variables.
    ///
    /// ```
    /// use authgate_core::AuthConfig;
    /// let vars = [("AUTH_SECRET", "s3cret-s3cret-s3cret"), ("AUTH_URL", "https://app.example")];
    /// let config = AuthConfig::from_vars(vars.map(|(k, v)| (k.to_string(), v.to_string())))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(config.base_path(), "/auth");
    /// ```
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> AuthConfigBuilder {
        let vars: std::collections::HashMap<String, String> = vars.into_iter().collect();
        let mut b = AuthConfigBuilder::default();
        let mut secrets = Vec::new();
        for i in [3, 2, 1] {
            if let Some(s) = vars
                .get(&format!("AUTH_SECRET_{i}"))
                .filter(|s| !s.is_empty())
            {
                secrets.push(s.clone());
            }
        }
        if let Some(s) = vars.get("AUTH_SECRET").filter(|s| !s.is_empty()) {
            secrets.push(s.clone());
        }
        b.secrets = secrets;
        if let Some(u) = vars.get("AUTH_URL").filter(|s| !s.is_empty()) {
            b.url = Some(u.clone());
        }
        if let Some(t) = vars.get("AUTH_TRUST_HOST") {
            match t.trim().to_ascii_lowercase().as_str() {
                "" | "0" | "false" | "no" | "off" => b.trust_host = false,
                "1" | "true" | "yes" | "on" => b.trust_host = true,
                _ => {
                    b.env_error = Some(format!("AUTH_TRUST_HOST must be true or false, not {t:?}"))
                }
            }
        }
        b
    }

    /// The canonical origin (from `AUTH_URL`), if one is set; without it, the origin
    /// comes from the (trusted) request headers.
    pub fn canonical_origin(&self) -> Option<&str> {
        self.canonical.as_ref().map(|o| o.origin.as_str())
    }

    /// Whether the canonical URL is https (`None` without a canonical URL).
    pub fn canonical_is_secure(&self) -> Option<bool> {
        self.canonical.as_ref().map(|o| o.secure)
    }

    /// The base path of the auth routes (`/auth` by default).
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// The providers.
    pub fn providers(&self) -> &[Provider] {
        &self.providers
    }

    /// The session strategy.
    pub fn strategy(&self) -> SessionStrategy {
        self.strategy
    }

    /// The database adapter, if one is set: the one configured, wrapped so that each
    /// call is limited by [`AuthConfigBuilder::store_timeout`] (so not the same `Arc`,
    /// unless the limit is zero).
    pub fn adapter(&self) -> Option<&Arc<dyn Adapter>> {
        self.adapter.as_ref()
    }

    /// Session lifetime.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// How old a session token may get before an app route re-issues it.
    pub fn update_age(&self) -> Duration {
        self.update_age
    }

    /// The session token codec used for a given scheme (`secure` = https).
    pub fn token_codec(&self, secure: bool) -> &TokenCodec {
        &self.codecs[usize::from(secure)]
    }

    /// The cookie names used for a given scheme (`secure` = https).
    pub fn cookie_names(&self, secure: bool) -> &CookieNames {
        &self.names[usize::from(secure)]
    }

    /// The largest request body an auth route reads.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// How many chunks of a session cookie are read at most.
    pub fn max_session_chunks(&self) -> usize {
        self.max_session_chunks
    }

    /// The secrets, current first (rotation: older ones still verify).
    pub(crate) fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// The codec of a check cookie (`state`, PKCE, `nonce`) for a scheme.
    pub(crate) fn check_codec(&self, secure: bool, check: crate::Check) -> &TokenCodec {
        let i = match check {
            crate::Check::State => 0,
            crate::Check::Pkce => 1,
            crate::Check::Nonce => 2,
        };
        &self.check_codecs[usize::from(secure)][i]
    }

    /// The message the app registered for an error code, if it is on the allow-list.
    pub fn error_message(&self, code: &str) -> Option<&str> {
        self.error_codes
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, m)| m.as_str())
    }
}

/// Builds an [`AuthConfig`]; [`AuthConfigBuilder::build`] checks everything.
#[must_use]
pub struct AuthConfigBuilder {
    secrets: Vec<String>,
    url: Option<String>,
    trust_host: bool,
    base_path: Option<String>,
    providers: Vec<Provider>,
    callbacks: CallbackChain,
    events: Option<Arc<dyn Events>>,
    strategy: Option<SessionStrategy>,
    adapter: Option<Arc<dyn Adapter>>,
    credentials_database_sessions: bool,
    max_age: Duration,
    update_age: Option<Duration>,
    pages: Pages,
    theme: Theme,
    error_codes: Vec<(String, String)>,
    format: TokenFormat,
    jws: Option<JwsKey>,
    max_body_bytes: usize,
    max_session_chunks: usize,
    token_cache_capacity: usize,
    token_cache_bytes: usize,
    max_token_bytes: Option<usize>,
    session_cache_ttl: Duration,
    store_timeout: Duration,
    http_timeout: Duration,
    clock: Clock,
    rate_limits: Option<RateLimits>,
    env_error: Option<String>,
}

impl Default for AuthConfigBuilder {
    /// The secure defaults, one reason each.
    fn default() -> Self {
        Self {
            // No secret: `build` refuses, there is no insecure fallback.
            secrets: Vec::new(),
            // No canonical URL and no trusted host: `build` refuses, so a forged Host
            // header can never steer redirects unless the app opts in.
            url: None,
            trust_host: false,
            // Auth.js v5's default; `/api/auth` for Next.js clients.
            base_path: None,
            providers: Vec::new(),
            callbacks: CallbackChain::default(),
            events: None,
            // JWT, or database sessions when an adapter is set (as Auth.js).
            strategy: None,
            adapter: None,
            // Auth.js refuses credentials with database sessions; opt-in here.
            credentials_database_sessions: false,
            // 30 days, as Auth.js.
            max_age: Duration::from_secs(30 * 24 * 3600),
            // 24 h as Auth.js (at most max_age): how often a sliding session is
            // re-issued on app routes.
            update_age: None,
            pages: Pages::default(),
            theme: Theme::default(),
            error_codes: Vec::new(),
            // Auth.js v5 tokens and `authjs.*` cookies.
            format: TokenFormat::AuthJsV5,
            // The session is encrypted: a JWS is opt-in, its claims are readable.
            jws: None,
            // Auth bodies are small forms; 64 KiB bounds memory per request.
            max_body_bytes: 64 * 1024,
            // About 31 kB of session token: every request pays for reading at most this.
            max_session_chunks: 8,
            // Verified tokens cached by exact cookie value; bounded.
            token_cache_capacity: 10_000,
            // ... and at most 32 MiB: every `GET /session` mints a new token, and a
            // session can be large.
            token_cache_bytes: 32 * 1024 * 1024,
            // 4 cookie chunks (about 15.7 kB; fewer when fewer are read back): a `jwt`
            // that grows the token beyond it is a bug to log, not a cookie to send.
            max_token_bytes: None,
            // Database sessions are read from the store on every request unless the
            // app opts into a short in-process cache (a revocation on another instance
            // is then seen only when the entry expires).
            session_cache_ttl: Duration::ZERO,
            store_timeout: Duration::from_secs(5),
            // Calls to providers (discovery, JWKS, token, userinfo) never hang a sign-in.
            http_timeout: Duration::from_secs(10),
            // The system clock; tests set their own to expire links.
            clock: Clock::system(),
            // Auth.js has none; the app chooses its limits and store.
            rate_limits: None,
            env_error: None,
        }
    }
}

impl AuthConfigBuilder {
    /// Sets the one secret (replacing any list).
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets = vec![secret.into()];
        self
    }

    /// Sets a list of secrets: tokens are encrypted with the first and decrypted with
    /// any, so a secret can be rotated without signing everyone out.
    pub fn secrets<S: Into<String>>(mut self, secrets: impl IntoIterator<Item = S>) -> Self {
        self.secrets = secrets.into_iter().map(Into::into).collect();
        self
    }

    /// The canonical URL of the app (`AUTH_URL`). It always wins over `Host` and
    /// `X-Forwarded-*`. A path in it (other than `/`) becomes the base path.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Trust `Host` / `X-Forwarded-Host` / `X-Forwarded-Proto` when no URL is set
    /// (behind a proxy you control).
    pub fn trust_host(mut self, trust: bool) -> Self {
        self.trust_host = trust;
        self
    }

    /// The base path of the auth routes (default `/auth`).
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        self.base_path = Some(path.into());
        self
    }

    /// Adds a provider.
    pub fn provider(mut self, provider: impl Into<Provider>) -> Self {
        self.providers.push(provider.into());
        self
    }

    /// Sets the callbacks (closures set with `on_*` still take precedence).
    pub fn callbacks(mut self, callbacks: impl Callbacks) -> Self {
        self.callbacks.base = Arc::new(callbacks);
        self.callbacks.base_is_default = false;
        self
    }

    /// Sets the `sign_in` callback.
    pub fn on_sign_in<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(SignInContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<SignInDecision, Error>> + Send + 'static,
    {
        self.callbacks.sign_in = Some(boxed(f));
        self
    }

    /// Sets the `redirect` callback.
    pub fn on_redirect<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(RedirectContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, Error>> + Send + 'static,
    {
        self.callbacks.redirect = Some(boxed(f));
        self
    }

    /// Sets the `jwt` callback.
    pub fn on_jwt<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(JwtContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<SharedToken>, Error>> + Send + 'static,
    {
        self.callbacks.jwt = Some(boxed(f));
        self
    }

    /// Sets the `session` callback.
    pub fn on_session<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(SessionContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Session, Error>> + Send + 'static,
    {
        self.callbacks.session = Some(boxed(f));
        self
    }

    /// Sets the database adapter (users, accounts, sessions, verification tokens). The
    /// strategy becomes [`SessionStrategy::Database`] unless set otherwise.
    pub fn adapter(mut self, adapter: impl Adapter) -> Self {
        self.adapter = Some(Arc::new(adapter));
        self
    }

    /// Sets the database adapter from an `Arc` (to keep a handle of your own).
    pub fn adapter_arc(mut self, adapter: Arc<dyn Adapter>) -> Self {
        self.adapter = Some(adapter);
        self
    }

    /// Lets credentials sign-ins create database sessions (Auth.js refuses credentials
    /// with the database strategy). The user `authorize` returns is stored (created on
    /// first sign-in, with the id `authorize` gave it) and gets a real session row.
    pub fn credentials_database_sessions(mut self, allow: bool) -> Self {
        self.credentials_database_sessions = allow;
        self
    }

    /// Sets the event handlers.
    pub fn events(mut self, events: impl Events) -> Self {
        self.events = Some(Arc::new(events));
        self
    }

    /// Sets the session strategy (default: JWT, or database when an adapter is set).
    pub fn strategy(mut self, strategy: SessionStrategy) -> Self {
        self.strategy = Some(strategy);
        self
    }

    /// Session lifetime (default 30 days).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// How old a token may get before app routes re-issue it (default 24 h, or
    /// `max_age` when that is shorter).
    pub fn update_age(mut self, update_age: Duration) -> Self {
        self.update_age = Some(update_age);
        self
    }

    /// Custom pages.
    pub fn pages(mut self, pages: Pages) -> Self {
        self.pages = pages;
        self
    }

    /// Looks of the built-in pages.
    pub fn theme(mut self, theme: Theme) -> Self {
        self.theme = theme;
        self
    }

    /// Allows an app error code (from `authorize` or `sign_in`) to reach the client,
    /// with the message the built-in pages show for it.
    pub fn error_code(mut self, code: impl Into<String>, message: impl Into<String>) -> Self {
        self.error_codes.push((code.into(), message.into()));
        self
    }

    /// Reads and writes NextAuth.js v4 cookies (`next-auth.*`, A256GCM tokens) instead of
    /// Auth.js v5 ones, and uses `/api/auth` as the default base path.
    pub fn nextauth_v4_compat(mut self) -> Self {
        self.format = TokenFormat::NextAuthV4;
        self
    }

    /// Issues and reads the session as a signed JWT (compact JWS) with `key` instead of
    /// the Auth.js JWE, for apps whose other services verify the session with a JWT
    /// library: HS256 with a key derived from the secrets ([`JwsKey::hs256`]), RS256 or
    /// EdDSA with a PEM private key ([`JwsKey::rs256`], [`JwsKey::eddsa`]).
    ///
    /// **The claims are readable** by anyone who holds the cookie (base64url, not
    /// encrypted): keep provider tokens (access, refresh and id tokens) and anything
    /// else secret out of the token your `jwt` callback returns.
    ///
    /// Once set, only a JWS is a session (a JWE cookie is rejected), and without it a
    /// JWS is never read, even one signed with the secret. The state, PKCE and nonce
    /// check cookies stay encrypted JWEs. An invalid key fails at
    /// [`AuthConfigBuilder::build`], and so does the combination with
    /// [`AuthConfigBuilder::nextauth_v4_compat`] (a NextAuth.js v4 app could not read
    /// the token anyway).
    ///
    /// ```
    /// use authgate_core::{AuthConfig, JwsKey, TokenFormat};
    /// # let private_key_pem = include_str!(concat!(
    /// #     env!("CARGO_MANIFEST_DIR"), "/src/token/jws/testdata/rs256-1.pem"));
    /// let config = AuthConfig::builder()
    ///     .secret("a-long-random-secret-from-openssl-rand-base64-32")
    ///     .url("https://app.example")
    ///     .session_jws(JwsKey::rs256(private_key_pem))
    ///     .build()?;
    /// assert!(matches!(config.token_codec(true).format(), TokenFormat::Jws(k) if k.alg() == "RS256"));
    /// assert!(AuthConfig::builder()
    ///     .secret("a-long-random-secret-from-openssl-rand-base64-32")
    ///     .url("https://app.example")
    ///     .session_jws(JwsKey::rs256("not a key"))
    ///     .build()
    ///     .is_err());
    /// # Ok::<(), authgate_core::Error>(())
    /// ```
    pub fn session_jws(mut self, key: JwsKey) -> Self {
        self.jws = Some(key);
        self
    }

    /// The largest request body an auth route reads (default 64 KiB); larger gets 413.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How many chunks of a chunked session cookie (`<name>.0`, `<name>.1`, ...) are
    /// read at most (default 8, about 31 kB of token; at least 1). Only contiguous
    /// chunks from `.0` count; any other chunk cookie is ignored, and a clearing answer
    /// clears at most the whole cookie and the chunks `.0` to `.<max>`.
    pub fn max_session_chunks(mut self, max: usize) -> Self {
        self.max_session_chunks = max;
        self
    }

    /// The total timeout of each call to a provider (discovery, JWKS, token,
    /// userinfo); default 10 s.
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// How long each call to the adapter may take before it is given up, as when the
    /// store is down (default 5 s; `Duration::ZERO` turns the limit off). Every adapter
    /// call the engine makes is limited: a database session read (alone or for a
    /// gathered batch) and the writes it may make (sliding the expiry, deleting an
    /// unknown or expired session), sign-in (users, accounts, sessions, verification
    /// tokens), sign-out and session management. A call given up fails as a store
    /// outage does: an app route answers 503 and keeps the cookie, `GET /auth/session`
    /// answers `null`, a sign-in goes to `error=Configuration`, a sign-out still clears
    /// the cookie. The call is dropped, not left running, but it may or may not have
    /// taken effect (a SQL transaction in it rolls back unless it had committed; a Redis
    /// script runs whole or not at all, either way). [`AuthConfig::adapter`] answers the
    /// adapter with this limit: give that one to a `TokenRefresher` for the same limit
    /// on its account reads and writes. Rate-limit stores and refresh locks are not
    /// adapter calls and keep their own timeouts.
    ///
    /// The store's own timeouts may be shorter (redis-rs answers within 500 ms, SQLite
    /// waits 5 s for a lock); PostgreSQL has none of its own for a query, so without
    /// this a hung server or network would hold requests. Uses tokio's timer, as the rest
    /// of the engine (the runtime needs it enabled, which `#[tokio::main]` and actix-web
    /// do).
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = authgate_core::AuthConfig::builder().store_timeout(Duration::from_secs(2));
    /// # let _ = builder;
    /// ```
    pub fn store_timeout(mut self, timeout: Duration) -> Self {
        self.store_timeout = timeout;
        self
    }

    /// Caches database session reads on app routes in process for this long (default:
    /// off). A sign-out or revocation on this instance drops the entry at once; one on
    /// another instance is seen when the entry expires, so keep it short (seconds).
    /// `GET /auth/session` always reads the store.
    pub fn database_session_cache(mut self, ttl: Duration) -> Self {
        self.session_cache_ttl = ttl;
        self
    }

    /// The byte budget of the verified-token cache (estimated; default 32 MiB; 0 turns
    /// it off).
    pub fn token_cache_bytes(mut self, bytes: usize) -> Self {
        self.token_cache_bytes = bytes;
        self
    }

    /// The largest session token authgate issues (default 4 cookie chunks, about
    /// 15.7 kB). A `jwt` result over it is not issued, with a `warn` naming its size:
    /// sign-in fails with `Configuration`, `POST /session` answers 400 `null`, and a
    /// re-issue on `GET /session` or an app route keeps the old cookie. Tokens over it
    /// from elsewhere (an Auth.js app has no cap) are still read, up to
    /// `max_session_chunks`, but never cached.
    pub fn max_issued_token_bytes(mut self, bytes: usize) -> Self {
        self.max_token_bytes = Some(bytes);
        self
    }

    /// About how many verified tokens the cache is sized for (default 10 000; the byte
    /// budget, [`AuthConfigBuilder::token_cache_bytes`], is the bound; 0 turns the cache
    /// off).
    pub fn token_cache_capacity(mut self, entries: usize) -> Self {
        self.token_cache_capacity = entries;
        self
    }

    /// The clock email sign-in links are issued and checked with (default: the system
    /// clock); for tests that expire links.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Rate limits on email and credentials sign-in ([`RateLimits`]).
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = Some(limits);
        self
    }

    /// Checks everything and derives the keys.
    pub fn build(self) -> Result<AuthConfig, Error> {
        if let Some(e) = self.env_error {
            return Err(Error::Config(e));
        }
        validate_secrets(&self.secrets)?;
        let (canonical, url_path) = validate_url(self.url.as_deref(), self.trust_host)?;
        let base_path = validate_base_path(self.base_path.or(url_path), &self.format)?;
        validate_providers(&self.providers, self.adapter.is_some(), canonical.is_some())?;
        if let Some(limits) = &self.rate_limits {
            limits.validate()?;
        }
        let strategy = self.strategy.unwrap_or(if self.adapter.is_some() {
            SessionStrategy::Database
        } else {
            SessionStrategy::Jwt
        });
        validate_strategy(
            strategy,
            self.adapter.is_some(),
            self.credentials_database_sessions,
            &self.providers,
        )?;
        validate_error_codes(&self.error_codes)?;
        validate_pages(&self.pages)?;
        let update_age = validate_ages(self.max_age, self.update_age)?;
        if !(1..=1024).contains(&self.max_session_chunks) {
            return invalid("max_session_chunks must be between 1 and 1024".into());
        }
        let readable = self.max_session_chunks * crate::cookies::CHUNK_SIZE;
        let max_token_bytes = match self.max_token_bytes {
            Some(cap) if cap < 1024 || cap > readable => {
                return invalid(format!(
                    "max_issued_token_bytes must be between 1024 and what max_session_chunks reads back ({readable})"
                ));
            }
            Some(cap) => cap,
            None => self.max_session_chunks.min(4) * crate::cookies::CHUNK_SIZE,
        };
        // The JWE format of the cookie family: the check cookies, and the session
        // unless a JWS is chosen.
        let v4 = self.format == TokenFormat::NextAuthV4;
        let format = match self.jws {
            Some(_) if v4 => {
                return invalid(
                    "session_jws cannot be combined with nextauth_v4_compat: NextAuth.js v4 \
                     reads only its JWE session tokens"
                        .into(),
                )
            }
            Some(key) => TokenFormat::Jws(key),
            None => self.format.clone(),
        };
        let prefix = if v4 { "next-auth" } else { "authjs" };
        let names = [
            CookieNames::new(prefix, false),
            CookieNames::new(prefix, true),
        ];
        let codec = |n: &CookieNames| {
            let salt = if v4 { "" } else { n.session_token.as_str() };
            TokenCodec::new(format.clone(), &self.secrets, salt)
        };
        let codecs = [codec(&names[0])?, codec(&names[1])?];
        let check_codecs = |n: &CookieNames| -> Result<[TokenCodec; 3], Error> {
            Ok([
                TokenCodec::new(self.format.clone(), &self.secrets, &n.state)?,
                TokenCodec::new(self.format.clone(), &self.secrets, &n.pkce)?,
                TokenCodec::new(self.format.clone(), &self.secrets, &n.nonce)?,
            ])
        };
        let check_codecs = [check_codecs(&names[0])?, check_codecs(&names[1])?];
        Ok(AuthConfig {
            csrf: CsrfGuard::new(&self.secrets),
            secrets: self.secrets,
            canonical,
            trust_host: self.trust_host,
            base_path,
            providers: self.providers,
            callbacks: self.callbacks,
            events: self.events,
            strategy,
            // Every store call of the engine is limited (`store_timeout`).
            adapter: self
                .adapter
                .map(|adapter| Timed::wrap(adapter, self.store_timeout)),
            max_age: self.max_age,
            update_age,
            pages: self.pages,
            theme: self.theme,
            error_codes: self.error_codes,
            format,
            max_body_bytes: self.max_body_bytes,
            max_session_chunks: self.max_session_chunks,
            token_cache_capacity: self.token_cache_capacity,
            token_cache_bytes: self.token_cache_bytes,
            max_token_bytes,
            session_cache_ttl: self.session_cache_ttl,
            http: crate::providers::oauth::client::http_client(self.http_timeout)?,
            codecs,
            names,
            check_codecs,
            clock: self.clock,
            rate_limits: self.rate_limits,
        })
    }
}

fn invalid<T>(message: String) -> Result<T, Error> {
    Err(Error::Config(message))
}

/// Letters, digits, `-` and `_`: provider ids and app error codes.
fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// At least one secret, none empty (a short first one is only warned about).
fn validate_secrets(secrets: &[String]) -> Result<(), Error> {
    let Some(first) = secrets.first() else {
        return invalid(format!(
            "{}: set AUTH_SECRET (e.g. `openssl rand -base64 32`)",
            ErrorCode::MissingSecret
        ));
    };
    if secrets.iter().any(String::is_empty) {
        return invalid(format!("{}: a secret is empty", ErrorCode::MissingSecret));
    }
    if first.len() < 32 {
        tracing::warn!("the first secret is shorter than 32 bytes; use `openssl rand -base64 32`");
    }
    Ok(())
}

/// The canonical origin (and the path of `AUTH_URL`, which becomes the base path), or
/// `trust_host`: one of the two is required.
fn validate_url(
    url: Option<&str>,
    trust_host: bool,
) -> Result<(Option<Origin>, Option<String>), Error> {
    let Some(raw) = url else {
        if !trust_host {
            return invalid(format!(
                "{}: set AUTH_URL (the canonical URL) or AUTH_TRUST_HOST=true",
                ErrorCode::UntrustedHost
            ));
        }
        return Ok((None, None));
    };
    let Some(url) = Url::parse(raw)
        .ok()
        .filter(|u| u.query().is_none() && u.fragment().is_none())
    else {
        return invalid(format!("AUTH_URL is not an absolute http(s) URL: {raw:?}"));
    };
    let Some(origin) = Origin::of_url(&url) else {
        return invalid(format!("AUTH_URL must be http or https: {raw:?}"));
    };
    let path = url.path().trim_end_matches('/');
    let path = (!path.is_empty()).then(|| path.to_owned());
    Ok((Some(origin), path))
}

/// An absolute path without a trailing slash; the format's default when unset.
fn validate_base_path(path: Option<String>, format: &TokenFormat) -> Result<String, Error> {
    let default = match format {
        TokenFormat::NextAuthV4 => "/api/auth",
        _ => "/auth",
    };
    let path = path.unwrap_or_else(|| default.to_owned());
    let path = path.trim_end_matches('/').to_owned();
    if !path.starts_with('/') || path.contains(['?', '#', '\\']) || path.contains("//") {
        return invalid(format!(
            "base path must be an absolute path like /auth: {path:?}"
        ));
    }
    Ok(path)
}

/// Provider ids are plain and unique (they are URL segments).
fn validate_providers(
    providers: &[Provider],
    has_adapter: bool,
    has_canonical_url: bool,
) -> Result<(), Error> {
    for (i, p) in providers.iter().enumerate() {
        let id = p.id();
        if !is_plain_id(id) {
            return invalid(format!(
                "provider id must be letters, digits, - or _: {id:?}"
            ));
        }
        if providers[..i].iter().any(|q| q.id() == id) {
            return invalid(format!("two providers have the id {id:?}"));
        }
        if let Provider::OAuth(o) = p {
            o.validate()
                .map_err(|m| Error::Config(format!("{}: {m}", ErrorCode::InvalidEndpoints)))?;
        }
        if let Provider::Email(e) = p {
            if !has_adapter {
                return invalid(format!(
                    "{}: the email provider {id:?} needs an adapter (its links and users live there)",
                    ErrorCode::MissingAdapter
                ));
            }
            // A link built from a request's Host header could point at an attacker's
            // host and carry a live token there.
            if !has_canonical_url {
                return invalid(format!(
                    "the email provider {id:?} needs the canonical URL (AUTH_URL / .url()): sign-in links are never built from a request's Host header"
                ));
            }
            e.validate().map_err(Error::Config)?;
        }
    }
    Ok(())
}

/// The database strategy needs an adapter, and credentials use it only when opted in.
fn validate_strategy(
    strategy: SessionStrategy,
    has_adapter: bool,
    credentials_opt_in: bool,
    providers: &[Provider],
) -> Result<(), Error> {
    if strategy == SessionStrategy::Jwt {
        return Ok(());
    }
    if !has_adapter {
        return invalid(format!(
            "{}: the database strategy needs an adapter, and none is configured",
            ErrorCode::MissingAdapter
        ));
    }
    let has_credentials = providers
        .iter()
        .any(|p| matches!(p, Provider::Credentials(_)));
    if has_credentials && !credentials_opt_in {
        return invalid(format!(
            "{}: credentials sign-in uses JWT sessions; use SessionStrategy::Jwt, or opt in with .credentials_database_sessions(true)",
            ErrorCode::UnsupportedStrategy
        ));
    }
    Ok(())
}

/// App error codes are plain (they travel in URLs).
fn validate_error_codes(codes: &[(String, String)]) -> Result<(), Error> {
    match codes.iter().find(|(code, _)| !is_plain_id(code)) {
        Some((code, _)) => invalid(format!(
            "error code must be letters, digits, - or _: {code:?}"
        )),
        None => Ok(()),
    }
}

/// Custom pages are origin-relative paths or absolute http(s) URLs.
fn validate_pages(pages: &Pages) -> Result<(), Error> {
    let all = [
        &pages.sign_in,
        &pages.sign_out,
        &pages.error,
        &pages.verify_request,
        &pages.new_user,
    ];
    for page in all.into_iter().flatten() {
        let absolute = Url::parse(page)
            .ok()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https"));
        if !(absolute || (page.starts_with('/') && !page.starts_with("//"))) {
            return invalid(format!(
                "page must be a path like /login or an http(s) URL: {page:?}"
            ));
        }
    }
    Ok(())
}

/// The longest `max_age` accepted: 100 years (longer would risk overflowing the date
/// arithmetic of expiry times).
const MAX_MAX_AGE: Duration = Duration::from_secs(100 * 366 * 24 * 3600);

/// `max_age` positive and at most 100 years, `update_age` (default: 24 h, at most
/// `max_age`) at most `max_age`.
fn validate_ages(max_age: Duration, update_age: Option<Duration>) -> Result<Duration, Error> {
    if max_age > MAX_MAX_AGE {
        return invalid(format!(
            "max_age must be at most 100 years ({} s), got {} s",
            MAX_MAX_AGE.as_secs(),
            max_age.as_secs()
        ));
    }
    let update_age = update_age.unwrap_or_else(|| max_age.min(Duration::from_secs(24 * 3600)));
    if max_age.is_zero() || update_age > max_age {
        return invalid("max_age must be positive and update_age at most max_age".into());
    }
    Ok(update_age)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_max_age_is_rejected_at_build() {
        for max_age in [Duration::MAX, MAX_MAX_AGE + Duration::from_secs(1)] {
            let err = validate_ages(max_age, None).expect_err("too long");
            assert!(
                matches!(&err, Error::Config(m) if m.contains("100 years")),
                "{err:?}"
            );
        }
        assert!(validate_ages(MAX_MAX_AGE, None).is_ok());
        // The longest accepted max_age still fits the date arithmetic of sign-in.
        assert!(time::OffsetDateTime::now_utc()
            .checked_add(time::Duration::try_from(MAX_MAX_AGE).expect("fits"))
            .is_some());
    }
}
