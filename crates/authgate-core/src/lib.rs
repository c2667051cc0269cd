//! The framework-free engine of authgate: Auth.js-compatible routes, JWT sessions,
//! credentials sign-in and the callback chain.
//!
//! You build an [`AuthConfig`], turn it into an [`Auth`] engine, and mount that with a
//! framework adapter (`authgate-axum`, `authgate-actix`). The engine answers the auth
//! routes under the base path ([`Auth::handle`]) and resolves the session of every
//! other request ([`Auth::session`], [`LazySession`]).
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
//! The session cookie is an Auth.js v5 token ([`codec`]): an Auth.js app with the same
//! secret reads authgate's cookies and the other way round.

mod callbacks;
pub mod codec;
mod config;
pub mod cookies;
mod csrf;
mod engine;
mod error;
mod events;
mod guard;
mod lazy;
mod origin;
mod pages;
mod providers;
mod redirect;
mod session;
mod session_read;
mod signin;
mod token;
mod user;

pub use async_trait::async_trait;
pub use callbacks::{
    Callbacks, DefaultCallbacks, JwtContext, RedirectContext, SessionContext, SignInContext,
    SignInDecision, Trigger,
};
pub use codec::{TokenCodec, TokenFormat};
pub use config::{AuthConfig, AuthConfigBuilder, Pages, SessionStrategy, Theme};
pub use engine::{bad_request, Auth, SessionOutcome};
pub use error::{codes, Error};
pub use events::{Events, NoEvents, SessionEvent, SignInEvent, SignOutEvent};
pub use guard::{json_error, SessionPredicate};
pub use http;
pub use lazy::LazySession;
pub use providers::{AuthorizeRequest, CredentialField, Credentials, Provider};
pub use redirect::default_redirect;
pub use session::{Session, SessionUser};
pub use token::Token;
pub use user::{Account, AccountType, User};

/// Now, in unix seconds.
pub(crate) fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
