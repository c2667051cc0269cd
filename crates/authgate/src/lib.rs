//! authgate: authentication for existing Rust web apps, in the spirit of Auth.js.
//!
//! Add one layer to the router you already have and get credentials sign-in, Auth.js
//! compatible JWT sessions, CSRF protection and the `sign_in` → `jwt` → `session` →
//! `redirect` callback chain. Handlers extract the session; guards protect routes.
//!
//! This crate re-exports [`authgate_core`] at its root, and the framework integrations and
//! database adapters as modules behind features (`axum`, on by default; `actix`; `sqlx`;
//! `redis`).
//!
//! ```
//! use authgate::{Auth, AuthConfig, Credentials, User};
//! use authgate::axum::{require_auth, AuthLayer, Session};
//! use axum::{routing::get, Router};
//!
//! # fn main() -> Result<(), authgate::Error> {
//! let auth = Auth::new(
//!     AuthConfig::from_env()
//!         .secret("a-long-random-secret-from-openssl-rand-base64-32")
//!         .url("http://localhost:3000")
//!         .provider(Credentials::new(|creds, _req| async move {
//!             let ok = creds.get("password").map(String::as_str) == Some("wonderland");
//!             Ok(ok.then(|| User::new("1").name("Alice")))
//!         }))
//!         .build()?,
//! );
//! let app: Router = Router::new()
//!     .route("/me", get(|s: Session| async move { format!("{:?}", s.user.name) }))
//!     .route("/admin", get(|| async { "admin" }).layer(require_auth()))
//!     .layer(AuthLayer::new(auth));
//! # let _ = app; Ok(()) }
//! ```

pub use authgate_core::*;

/// The actix-web integration ([`authgate_actix`]).
#[cfg(feature = "actix")]
pub mod actix {
    pub use authgate_actix::*;
}

/// The SQL adapter: SQLite (embedded default) and PostgreSQL ([`authgate_sqlx`]).
#[cfg(feature = "sqlx")]
pub mod sqlx {
    pub use authgate_sqlx::*;
}

/// The Redis adapter ([`authgate_redis`]).
#[cfg(feature = "redis")]
pub mod redis {
    pub use authgate_redis::*;
}

/// The axum / tower integration ([`authgate_axum`]).
#[cfg(feature = "axum")]
pub mod axum {
    pub use authgate_axum::*;
}
