//! The framework-free engine of authgate: Auth.js-compatible routes, JWT sessions,
//! credentials sign-in and the callback chain.
//!
//! You build an [`AuthConfig`], turn it into an [`Auth`] engine, and mount that with a
//! framework integration (`authgate-axum`, `authgate-actix`). The engine answers the auth
//! routes under the base path ([`Auth::handle`]) and resolves the session of every
//! other request ([`Auth::session`]; integrations use [`integration::LazySession`]).
//! Database adapters (the `Adapter` trait) are a separate concept: they store users,
//! accounts and sessions.
//!
//! ```
//! use authgate_core::{Auth, AuthConfig, Credentials, SignInDecision, User};
//!
//! # fn main() -> Result<(), authgate_core::Error> {
//! let config = AuthConfig::builder()
//!     .secret("a-long-random-secret-from-openssl-rand-base64-32")
//!     .url("http://localhost:3000")
//!     .provider(Credentials::new(|creds, _req| async move {
//!         let ok = creds.get("password").map(String::as_str) == Some("wonderland");
//!         Ok(ok.then(|| User::new("1").name("Alice").with("role", "admin")))
//!     }))
//!     .on_sign_in(|ctx| async move {
//!         Ok(if ctx.user.email.as_deref().is_some_and(|e| e.ends_with("@blocked.example")) {
//!             SignInDecision::Deny
//!         } else {
//!             SignInDecision::Allow
//!         })
//!     })
//!     .build()?;
//! let auth = Auth::new(config);
//! assert!(auth.is_auth_path("/auth/signin"));
//! # Ok(()) }
//! ```
//!
//! The session cookie is an Auth.js v5 token ([`TokenCodec`]): an Auth.js app with the
//! same secret reads authgate's cookies and the other way round. Apps whose other
//! services verify the session themselves can opt in to a signed JWT instead
//! ([`AuthConfigBuilder::session_jws`], [`JwsKey`]).
//!
//! Errors that reach a client are Auth.js error types ([`ErrorCode`]); the app's own
//! codes (from `authorize` or `sign_in`, see [`Error::app_code`]) reach it only when
//! allow-listed with [`AuthConfigBuilder::error_code`].

pub mod adapter;
mod auth;
mod callbacks;
mod clock;
mod config;
mod context;
mod cookies;
mod csrf;
mod date;
pub mod email;
mod error;
mod error_code;
mod events;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod integration;
mod json_in;
mod json_out;
mod login;
mod origin;
mod pages;
#[cfg(test)]
mod properties;
mod providers;
pub mod rate_limit;
mod redact;
mod redirect;
mod respond;
mod routes;
mod session;
mod signin;
mod state;
mod token;
mod user;

pub use async_trait::async_trait;
pub use auth::Auth;
pub use callbacks::{
    Callbacks, DefaultCallbacks, EmailSignIn, JwtContext, RedirectContext, SessionContext,
    SignInContext, SignInDecision, Trigger,
};
pub use clock::Clock;
pub use config::{AuthConfig, AuthConfigBuilder, Pages, SessionStrategy, Theme};
pub use cookies::CookieNames;
pub use error::Error;
pub use error_code::{ErrorCode, ErrorPage};
pub use events::{
    CreateUserEvent, Events, LinkAccountEvent, NoEvents, SessionEvent, SignInEvent, SignOutEvent,
    UpdateUserEvent,
};
pub use http;
pub use providers::presets;
pub use providers::{
    normalize_email, AuthorizeRequest, Check, ClientAuth, CredentialField, Credentials, Email,
    OAuth, OAuthKind, Provider, RefreshLock, TokenRefresher, TokenSet, UserinfoRequest,
    REFRESH_TOKEN_ERROR,
};
pub use redirect::default_redirect;
pub use session::{Session, SessionInfo, SessionUser};
pub use token::{JwsKey, SharedToken, Token, TokenCodec, TokenFormat, CLOCK_TOLERANCE_SECS};
pub use user::{Account, AccountType, User};

/// Now, in unix seconds.
pub(crate) fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
