//! The authgate demo app: credentials sign-in with four users, every
//! callback, and the app routes `/`, `/api/me`, `/dashboard` and `/admin`.
//!
//! The framework-free part (users, callbacks, pages) lives here; `router` (feature
//! `axum`) and the `authgate-demo-actix` crate serve it. The end-to-end suite drives
//! both, so the demo is the contract other tools and tests rely on.

use std::{collections::HashMap, sync::Arc, time::Duration};

use authgate::{
    adapter::{Adapter, UserUpdate},
    email::DevSender,
    presets,
    rate_limit::{MemoryRateLimitStore, RateLimitStore, RateLimits},
    Auth, AuthConfig, AuthConfigBuilder, Credentials, Email, Error, OAuth, SignInDecision, Trigger,
    User,
};
use subtle::ConstantTimeEq;

pub mod pages;
#[cfg(feature = "axum")]
mod router;
#[cfg(feature = "axum")]
pub use router::router;

/// A demo user: username, password, and who they are.
struct DemoUser {
    username: &'static str,
    password: &'static str,
    id: &'static str,
    name: &'static str,
    email: &'static str,
    role: &'static str,
}

const USERS: &[DemoUser] = &[
    DemoUser {
        username: "alice",
        password: "wonderland",
        id: "1",
        name: "Alice",
        email: "alice@example.com",
        role: "admin",
    },
    DemoUser {
        username: "bob",
        password: "builder",
        id: "2",
        name: "Bob",
        email: "bob@example.com",
        role: "user",
    },
    DemoUser {
        username: "mallory",
        password: "mallory",
        id: "3",
        name: "Mallory",
        email: "mallory@example.com",
        role: "user",
    },
    DemoUser {
        username: "eve",
        password: "eve",
        id: "4",
        name: "Eve",
        email: "eve@blocked.example",
        role: "user",
    },
];

/// Checks a username and password against the demo users (constant-time on the
/// password).
async fn authorize(creds: HashMap<String, String>) -> Result<Option<User>, Error> {
    let (Some(username), Some(password)) = (creds.get("username"), creds.get("password")) else {
        return Ok(None);
    };
    let user = USERS
        .iter()
        .find(|u| u.username == username.as_str())
        .filter(|u| bool::from(u.password.as_bytes().ct_eq(password.as_bytes())));
    Ok(user.map(|u| {
        User::new(u.id)
            .name(u.name)
            .email(u.email)
            .with("role", u.role)
    }))
}

/// The demo's auth configuration, on top of `base` (secret and URL).
///
/// - `sign_in`: mallory is sent to `/unauthorized`, `@blocked.example` users are denied.
/// - `jwt`: copies `role` and the user id into the token at sign-in; on `Update` takes a
///   new `name` from the posted data.
/// - `session`: exposes `user.id` and `user.role`.
pub fn configure(base: AuthConfigBuilder) -> AuthConfigBuilder {
    base.provider(Credentials::new(|creds, _req| authorize(creds)))
        .on_sign_in(|ctx| async move {
            if ctx.user.id == "3" {
                return Ok(SignInDecision::Redirect("/unauthorized".into()));
            }
            if ctx
                .user
                .email
                .as_deref()
                .is_some_and(|e| e.ends_with("@blocked.example"))
            {
                return Ok(SignInDecision::Deny);
            }
            Ok(SignInDecision::Allow)
        })
        .on_jwt(|ctx| async move {
            let mut token = ctx.token;
            match ctx.trigger {
                Some(Trigger::SignIn | Trigger::SignUp) => {
                    if let Some(user) = &ctx.user {
                        token.insert("id", &user.id)?;
                        if let Some(role) = user.extra.get("role") {
                            token.insert("role", role)?;
                        }
                    }
                }
                Some(Trigger::Update) => {
                    if let Some(name) = ctx
                        .session
                        .as_ref()
                        .and_then(|d| d.get("name"))
                        .and_then(|n| n.as_str())
                    {
                        token.name = Some(name.to_owned());
                    }
                }
                None => {}
            }
            Ok(Some(token))
        })
        .on_session(|ctx| async move {
            let mut session = ctx.session;
            if let Some(user) = session.user.as_mut() {
                match (&ctx.token, &ctx.user) {
                    // JWT sessions: the id and role `jwt` put in the token.
                    (Some(token), _) => {
                        user.id = token.get::<String>("id").or_else(|| token.sub.clone());
                        if let Some(role) = token.get::<String>("role") {
                            user.insert("role", role)?;
                        }
                    }
                    // Database sessions: the stored user; the role from the demo's list.
                    (None, Some(stored)) => {
                        user.id = Some(stored.id.clone());
                        user.insert("role", role_of(stored.email.as_deref()))?;
                    }
                    (None, None) => {}
                }
            }
            Ok(session)
        })
}

/// A demo user's role by email; `user` for anyone else (OAuth and email users).
fn role_of(email: Option<&str>) -> &'static str {
    USERS
        .iter()
        .find(|u| Some(u.email) == email)
        .map_or("user", |u| u.role)
}

/// The demo's database mode, on top of [`configure`]: the adapter (database sessions),
/// credentials allowed to create database sessions, the `email` provider (magic links;
/// [`Settings::email_provider`] is the demo's), and a `session` callback that also takes a new `name` on update
/// (`POST /auth/session` with `{"data": {"name": ...}}`) and stores it.
pub fn configure_database(
    base: AuthConfigBuilder,
    adapter: Arc<dyn Adapter>,
    email: Email,
) -> AuthConfigBuilder {
    let store = Arc::clone(&adapter);
    configure(base)
        .provider(email)
        .rate_limits(email_rate_limits(Arc::new(MemoryRateLimitStore::new())))
        .adapter_arc(adapter)
        .credentials_database_sessions(true)
        .on_session(move |ctx| {
            let store = Arc::clone(&store);
            async move {
                let mut session = ctx.session;
                let Some(stored) = ctx.user else {
                    return Ok(session);
                };
                let new_name = ctx
                    .new_session
                    .as_ref()
                    .filter(|_| ctx.trigger == Some(Trigger::Update))
                    .and_then(|d| d.get("name"))
                    .and_then(|n| n.as_str())
                    .map(str::to_owned);
                if let Some(name) = new_name {
                    let update = UserUpdate {
                        name: Some(Some(name.clone())),
                        ..UserUpdate::default()
                    };
                    store
                        .update_user(&stored.id, update)
                        .await
                        .map_err(Error::callback)?;
                    if let Some(user) = session.user.as_mut() {
                        user.name = Some(name);
                    }
                }
                if let Some(user) = session.user.as_mut() {
                    user.id = Some(stored.id.clone());
                    user.insert("role", role_of(stored.email.as_deref()))?;
                }
                Ok(session)
            }
        })
}

/// The demo's rate limits: on `POST /auth/signin/email` only, at most 3 emails per
/// address per 10 minutes and 60 requests per client IP per minute.
pub fn email_rate_limits(store: Arc<dyn RateLimitStore>) -> RateLimits {
    RateLimits::with_store(store)
        .email_per_address(3, Duration::from_secs(600))
        .email_per_ip(60, Duration::from_secs(60))
}

/// Where the demo counts rate limits: Redis when `DATABASE_URL` is a Redis URL (so
/// several demo instances share the limits), else this process.
pub async fn rate_limit_store(url: &str) -> Result<Arc<dyn RateLimitStore>, String> {
    if url.starts_with("redis://") || url.starts_with("rediss://") {
        let adapter = authgate::redis::RedisAdapter::connect(url)
            .await
            .map_err(|e| format!("Redis: {e}"))?;
        return Ok(Arc::new(adapter.rate_limit_store()));
    }
    Ok(Arc::new(MemoryRateLimitStore::new()))
}

/// Opens the store a `DATABASE_URL` names: `sqlite://<file>` (created and migrated on
/// first use), `postgres://...` (migrated here) or `redis://...`.
pub async fn connect_store(url: &str) -> Result<Arc<dyn Adapter>, String> {
    if url.starts_with("redis://") || url.starts_with("rediss://") {
        let adapter = authgate::redis::RedisAdapter::connect(url)
            .await
            .map_err(|e| format!("Redis: {e}"))?;
        return Ok(Arc::new(adapter));
    }
    let adapter = authgate::sqlx::SqlxAdapter::connect(url)
        .await
        .map_err(|e| format!("database: {e}"))?;
    adapter
        .migrate()
        .await
        .map_err(|e| format!("database migrations: {e}"))?;
    Ok(Arc::new(adapter))
}

/// The demo engine for a secret and a canonical URL.
pub fn auth(secret: &str, url: &str) -> Result<Auth, Error> {
    Ok(Auth::new(
        configure(AuthConfig::builder().secret(secret).url(url)).build()?,
    ))
}

/// The demo's environment: `PORT`, `AUTH_SECRET`, `AUTH_URL`, `AUTH_STRATEGY`,
/// `DATABASE_URL`, `AUTH_SESSION_CACHE_SECS`, `EMAIL_OUTBOX`, and the optional OAuth providers (`OIDC_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`;
/// `GITHUB_ID`, `GITHUB_SECRET`).
#[derive(Clone)]
pub struct Settings {
    /// Port to listen on (127.0.0.1); default 3000.
    pub port: u16,
    /// The secret; default: random, with a warning.
    pub secret: String,
    /// The canonical URL; default `http://localhost:$PORT`.
    pub url: String,
    /// The `oidc` provider: issuer, client id, client secret.
    pub oidc: Option<(String, String, String)>,
    /// The `github` provider: client id, client secret.
    pub github: Option<(String, String)>,
    /// `AUTH_STRATEGY=database`: the store's `DATABASE_URL` (default: a SQLite file).
    pub database_url: Option<String>,
    /// `AUTH_SESSION_CACHE_SECS`: the in-process cache of database session reads
    /// (default 0: off).
    pub session_cache_secs: u64,
    /// `EMAIL_OUTBOX`: the file the development email sender appends each sign-in link
    /// to (database mode; links are also logged).
    pub email_outbox: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("port", &self.port)
            .field("url", &self.url)
            .field(
                "oidc",
                &self.oidc.as_ref().map(|(issuer, id, _)| (issuer, id)),
            )
            .field("github", &self.github.as_ref().map(|(id, _)| id))
            .field("database", &self.database_url.is_some())
            .field("email_outbox", &self.email_outbox)
            .finish_non_exhaustive()
    }
}

/// The demo's OAuth providers: `oidc` (a generic OIDC provider whose profile is the ID
/// token merged with userinfo) and `github` (the GitHub preset), when configured.
pub fn oauth_providers(
    mut base: AuthConfigBuilder,
    oidc: Option<(&str, &str, &str)>,
    github: Option<(&str, &str)>,
) -> AuthConfigBuilder {
    if let Some((issuer, id, secret)) = oidc {
        base = base.provider(
            OAuth::oidc("oidc", "OpenID Connect", issuer)
                .client_id(id)
                .client_secret(secret),
        );
    }
    if let Some((id, secret)) = github {
        base = base.provider(presets::github(id, secret));
    }
    base
}

impl Settings {
    /// Reads the environment; an invalid value is an error message.
    pub fn from_env() -> Result<Self, String> {
        use rand::RngCore;
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let port: u16 = match env("PORT") {
            Some(p) => p
                .parse()
                .map_err(|_| format!("PORT is not a port number: {p:?}"))?,
            None => 3000,
        };
        let secret = env("AUTH_SECRET").unwrap_or_else(|| {
            tracing::warn!("AUTH_SECRET is not set: using a random secret, so sessions end when the demo stops");
            let mut bytes = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        });
        let url = env("AUTH_URL").unwrap_or_else(|| format!("http://localhost:{port}"));
        let database_url = match env("AUTH_STRATEGY").as_deref() {
            None | Some("jwt") => {
                if env("DATABASE_URL").is_some() {
                    tracing::warn!(
                        "DATABASE_URL is read only with AUTH_STRATEGY=database; ignored"
                    );
                }
                None
            }
            Some("database") => {
                Some(env("DATABASE_URL").unwrap_or_else(|| "sqlite://authgate-demo.db".into()))
            }
            Some(other) => {
                return Err(format!(
                    "AUTH_STRATEGY must be jwt or database, not {other:?}"
                ))
            }
        };
        let oidc = match (env("OIDC_ISSUER"), env("OIDC_CLIENT_ID")) {
            (Some(issuer), Some(id)) => {
                Some((issuer, id, env("OIDC_CLIENT_SECRET").unwrap_or_default()))
            }
            (None, None) => None,
            _ => return Err("OIDC_ISSUER and OIDC_CLIENT_ID go together".into()),
        };
        let github = match (env("GITHUB_ID"), env("GITHUB_SECRET")) {
            (Some(id), Some(secret)) => Some((id, secret)),
            (None, None) => None,
            _ => return Err("GITHUB_ID and GITHUB_SECRET go together".into()),
        };
        let session_cache_secs = match env("AUTH_SESSION_CACHE_SECS") {
            Some(v) => v
                .parse()
                .map_err(|_| format!("AUTH_SESSION_CACHE_SECS is not a number: {v:?}"))?,
            None => 0,
        };
        Ok(Self {
            email_outbox: env("EMAIL_OUTBOX").map(std::path::PathBuf::from),
            session_cache_secs,
            port,
            secret,
            url,
            oidc,
            github,
            database_url,
        })
    }

    /// The `email` provider with the development sender: it logs each link, and
    /// appends it to `EMAIL_OUTBOX` when set.
    pub fn email_provider(&self) -> Email {
        match &self.email_outbox {
            Some(path) => Email::new(DevSender::new().outbox(path)),
            None => Email::new(DevSender::new()),
        }
    }

    /// The demo engine for these settings (connects to the store in database mode).
    pub async fn auth(&self) -> Result<Auth, String> {
        let builder = AuthConfig::builder().secret(&self.secret).url(&self.url);
        let base = match &self.database_url {
            Some(url) => {
                configure_database(builder, connect_store(url).await?, self.email_provider())
                    .database_session_cache(std::time::Duration::from_secs(self.session_cache_secs))
            }
            None => configure(builder),
        };
        let oidc = self
            .oidc
            .as_ref()
            .map(|(issuer, id, secret)| (issuer.as_str(), id.as_str(), secret.as_str()));
        let github = self
            .github
            .as_ref()
            .map(|(id, s)| (id.as_str(), s.as_str()));
        let config = oauth_providers(base, oidc, github)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Auth::new(config))
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
}

/// What the demo's session routes answer (`GET /api/sessions`, `DELETE /api/sessions`,
/// `DELETE /api/sessions/{id}`): a status and a JSON body. Database sessions only; with
/// JWT sessions they answer 404.
pub async fn session_route(
    auth: &Auth,
    action: SessionAction<'_>,
    headers: &authgate::http::HeaderMap,
    uri: &authgate::http::Uri,
) -> (u16, serde_json::Value) {
    if auth.config().strategy() != authgate::SessionStrategy::Database {
        return (404, serde_json::json!({ "error": "NotFound" }));
    }
    let answer = match action {
        SessionAction::List => auth
            .list_sessions(headers, uri)
            .await
            .map(|list| serde_json::json!({ "sessions": list })),
        SessionAction::RevokeOthers => auth
            .revoke_other_sessions(headers, uri)
            .await
            .map(|n| serde_json::json!({ "revoked": n })),
        SessionAction::Revoke(id) => auth
            .revoke_session(headers, uri, id)
            .await
            .map(|done| serde_json::json!({ "revoked": u64::from(done) })),
    };
    match answer {
        Ok(body) => (200, body),
        Err(err) => {
            tracing::warn!(error = %err, "session management failed");
            (503, serde_json::json!({ "error": "ServiceUnavailable" }))
        }
    }
}

/// A session route's action.
#[derive(Clone, Copy, Debug)]
pub enum SessionAction<'a> {
    /// List the signed-in user's sessions.
    List,
    /// Revoke every session but this one.
    RevokeOthers,
    /// Revoke one session by its id.
    Revoke(&'a str),
}

/// The demo's admin check, for the `/admin` guard.
pub fn is_admin(session: &authgate::Session) -> bool {
    session.user_field::<String>("role").as_deref() == Some("admin")
}
