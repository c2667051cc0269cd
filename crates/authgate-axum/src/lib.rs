//! The axum (and any tower/hyper stack) integration of authgate.
//!
//! Add one layer to the router you already have; handlers extract the session, guards
//! protect routes.
//!
//! ```
//! use authgate_axum::{require_auth, AuthLayer, Session};
//! use authgate_core::{Auth, AuthConfig, Credentials, User};
//! use axum::{routing::get, Json, Router};
//!
//! async fn me(session: Session) -> Json<authgate_core::SessionUser> {
//!     Json(session.user)
//! }
//!
//! # fn main() -> Result<(), authgate_core::Error> {
//! let auth = Auth::new(
//!     AuthConfig::builder()
//!         .secret("a-long-random-secret-from-openssl-rand-base64-32")
//!         .url("http://localhost:3000")
//!         .provider(Credentials::new(|_, _| async { Ok(Some(User::new("1"))) }))
//!         .build()?,
//! );
//! let app: Router = Router::new()
//!     .route("/api/me", get(me))
//!     .route("/dashboard", get(|| async { "secret" }).layer(require_auth()))
//!     .layer(AuthLayer::new(auth));
//! # let _ = app; Ok(()) }
//! ```

mod extract;
mod guard;
mod layer;

pub use authgate_core;
pub use authgate_core::integration::{GuardMode, SessionHandle};
pub use axum;
pub use extract::{AuthRejection, Session, SharedSession, Token};
pub use guard::{require, require_auth, RequireLayer, RequireService};
pub use layer::{AuthLayer, AuthService, ResponseFuture};
