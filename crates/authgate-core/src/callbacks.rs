//! The callback chain: `sign_in` → `jwt` → `session`, and `redirect`.
//!
//! Implement [`Callbacks`] (every method has the Auth.js default as its default body),
//! or set single callbacks as closures on the builder
//! ([`crate::AuthConfigBuilder::on_jwt`] and friends).
//!
//! ```
//! use authgate_core::{async_trait, Callbacks, Error, JwtContext, SharedToken, Trigger};
//!
//! struct Roles;
//!
//! #[async_trait]
//! impl Callbacks for Roles {
//!     async fn jwt(&self, ctx: JwtContext) -> Result<Option<SharedToken>, Error> {
//!         let mut token = ctx.token;
//!         if ctx.trigger == Some(Trigger::SignIn) {
//!             if let Some(role) = ctx.user.as_ref().and_then(|u| u.extra.get("role")) {
//!                 token.insert("role", role)?;
//!             }
//!         }
//!         Ok(Some(token))
//!     }
//! }
//! ```

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc};

use async_trait::async_trait;
use http::HeaderValue;
use serde_json::Value;

use crate::{redirect::default_redirect, Account, Error, Session, SharedToken, User};

/// Why `jwt` (and `session`) runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// A user signed in.
    SignIn,
    /// A user signed in for the first time (an adapter created the user).
    SignUp,
    /// `POST /session` asked for an update (with or without `data`).
    Update,
}

/// What `sign_in` decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInDecision {
    /// Go on with the sign-in.
    Allow,
    /// Refuse: `AccessDenied`.
    Deny,
    /// Refuse and send the user here instead (the URL passes through `redirect`).
    Redirect(String),
    /// Refuse with an app error code (it must be on the config's allow-list, else
    /// `AccessDenied` is used).
    DenyWith(String),
}

/// Arguments of `sign_in`. `Debug` shows the posted field names, not their values.
#[derive(Clone)]
pub struct SignInContext {
    /// The user the provider returned.
    pub user: User,
    /// The account it signed in with.
    pub account: Option<Account>,
    /// The raw provider profile (OAuth/OIDC).
    pub profile: Option<Value>,
    /// The posted fields (credentials sign-in).
    pub credentials: Option<HashMap<String, String>>,
    /// Email sign-in: `Some` with `verification_request: true` when the link is about
    /// to be sent (a deny sends nothing), `None` when the link comes back.
    pub email: Option<EmailSignIn>,
}

/// The `email` argument of `sign_in` for an email sign-in that is about to send a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmailSignIn {
    /// Always `true`: a link is about to be sent (Auth.js `verificationRequest`).
    pub verification_request: bool,
}

impl std::fmt::Debug for SignInContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInContext")
            .field("user", &self.user)
            .field("account", &self.account)
            .field("email", &self.email)
            .field("profile", &self.profile.as_ref().map(|_| "{..}"))
            .field(
                "credentials",
                &self
                    .credentials
                    .as_ref()
                    .map(|c| crate::redact::Keys(c.keys())),
            )
            .finish()
    }
}

/// Arguments of `redirect`.
#[derive(Clone, Debug)]
pub struct RedirectContext {
    /// The URL asked for (relative or absolute, untrusted).
    pub url: String,
    /// The origin of the app (`scheme://host[:port]`, no path).
    pub base_url: String,
}

/// Arguments of `jwt`.
#[derive(Clone, Debug)]
pub struct JwtContext {
    /// The token so far: `{name, email, picture, sub}` at sign-in, the decoded token after.
    /// It is shared with the token cache until the callback changes it (copy on write:
    /// see [`SharedToken`]), so a `jwt` that only reads it on session reads copies nothing.
    pub token: SharedToken,
    /// The user, at sign-in only.
    pub user: Option<User>,
    /// The account, at sign-in only.
    pub account: Option<Account>,
    /// The raw provider profile, at OAuth sign-in only.
    pub profile: Option<Value>,
    /// Why it runs; `None` on a plain session read.
    pub trigger: Option<Trigger>,
    /// Whether an adapter just created the user.
    pub is_new_user: Option<bool>,
    /// The `data` posted to `POST /session`, on `Trigger::Update`.
    pub session: Option<Value>,
}

/// Arguments of `session`.
#[derive(Clone, Debug)]
pub struct SessionContext {
    /// The default session: `{user: {name, email, image}, expires}`.
    pub session: Session,
    /// The token `jwt` returned (JWT strategy; `None` with database sessions). Shared,
    /// not copied (see [`SharedToken`]).
    pub token: Option<SharedToken>,
    /// The stored user (database strategy; `None` with JWT sessions).
    pub user: Option<User>,
    /// `Some(Update)` on `POST /session`.
    pub trigger: Option<Trigger>,
    /// The `data` posted to `POST /session`.
    pub new_session: Option<Value>,
}

/// The four callbacks, with Auth.js defaults.
#[async_trait]
pub trait Callbacks: Send + Sync + 'static {
    /// May this user sign in? Default: yes.
    async fn sign_in(&self, ctx: SignInContext) -> Result<SignInDecision, Error> {
        let _ = ctx;
        Ok(SignInDecision::Allow)
    }

    /// Where to send the user. Default: relative paths and same-origin URLs are kept,
    /// anything else becomes `base_url`.
    async fn redirect(&self, ctx: RedirectContext) -> Result<String, Error> {
        Ok(default_redirect(&ctx.url, &ctx.base_url))
    }

    /// Shapes the JWT. Default: the token unchanged. `Ok(None)` ends the session. A token
    /// returned unchanged (not written to) is not re-issued on app routes; a changed one is.
    async fn jwt(&self, ctx: JwtContext) -> Result<Option<SharedToken>, Error> {
        Ok(Some(ctx.token))
    }

    /// Shapes the session a client sees. Default: `{user: {name, email, image}, expires}`.
    async fn session(&self, ctx: SessionContext) -> Result<Session, Error> {
        Ok(ctx.session)
    }
}

/// The defaults of every callback.
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultCallbacks;

impl Callbacks for DefaultCallbacks {}

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
pub(crate) type CallbackFn<C, T> = Arc<dyn Fn(C) -> BoxFuture<Result<T, Error>> + Send + Sync>;

pub(crate) fn boxed<C, T, F, Fut>(f: F) -> CallbackFn<C, T>
where
    F: Fn(C) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, Error>> + Send + 'static,
{
    Arc::new(move |ctx| Box::pin(f(ctx)))
}

/// A [`Callbacks`] whose methods may each be replaced by a closure.
#[derive(Clone)]
pub(crate) struct CallbackChain {
    pub(crate) base: Arc<dyn Callbacks>,
    /// `false` once the app replaced the default callbacks with its own trait impl.
    pub(crate) base_is_default: bool,
    pub(crate) sign_in: Option<CallbackFn<SignInContext, SignInDecision>>,
    pub(crate) redirect: Option<CallbackFn<RedirectContext, String>>,
    pub(crate) jwt: Option<CallbackFn<JwtContext, Option<SharedToken>>>,
    pub(crate) session: Option<CallbackFn<SessionContext, Session>>,
}

impl Default for CallbackChain {
    fn default() -> Self {
        Self {
            base: Arc::new(DefaultCallbacks),
            base_is_default: true,
            sign_in: None,
            redirect: None,
            jwt: None,
            session: None,
        }
    }
}

impl CallbackChain {
    /// Whether `jwt` is the app's own (the default returns the token unchanged, so the
    /// hot path can skip it).
    pub(crate) fn custom_jwt(&self) -> bool {
        self.jwt.is_some() || !self.base_is_default
    }

    /// Whether `session` is the app's own.
    pub(crate) fn custom_session(&self) -> bool {
        self.session.is_some() || !self.base_is_default
    }

    pub(crate) async fn sign_in(&self, ctx: SignInContext) -> Result<SignInDecision, Error> {
        match &self.sign_in {
            Some(f) => f(ctx).await,
            None => self.base.sign_in(ctx).await,
        }
    }

    pub(crate) async fn redirect(&self, ctx: RedirectContext) -> Result<String, Error> {
        match &self.redirect {
            Some(f) => f(ctx).await,
            None => self.base.redirect(ctx).await,
        }
    }

    /// Runs `redirect` on an untrusted URL; an error, or a result that cannot be a
    /// `Location` header, falls back to `base_url` (the origin).
    pub(crate) async fn resolve_redirect(&self, url: &str, base_url: &str) -> String {
        let ctx = RedirectContext {
            url: url.to_owned(),
            base_url: base_url.to_owned(),
        };
        match self.redirect(ctx).await {
            Ok(target) if target.is_ascii() && HeaderValue::from_str(&target).is_ok() => target,
            // A custom `redirect` may return non-ASCII: send the URL's encoded form.
            Ok(target) => match url::Url::parse(&target) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => String::from(u),
                _ => {
                    tracing::warn!(
                        "redirect callback returned a URL that is not a valid header value"
                    );
                    base_url.to_owned()
                }
            },
            Err(err) => {
                tracing::error!(error = %err, "redirect callback failed");
                base_url.to_owned()
            }
        }
    }

    pub(crate) async fn jwt(&self, ctx: JwtContext) -> Result<Option<SharedToken>, Error> {
        match &self.jwt {
            Some(f) => f(ctx).await,
            None => self.base.jwt(ctx).await,
        }
    }

    pub(crate) async fn session(&self, ctx: SessionContext) -> Result<Session, Error> {
        match &self.session {
            Some(f) => f(ctx).await,
            None => self.base.session(ctx).await,
        }
    }
}
