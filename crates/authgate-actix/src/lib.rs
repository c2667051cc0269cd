//! The actix-web integration of authgate: the same behaviour as the axum layer, as an actix
//! `Transform` middleware, `FromRequest` extractors and guard middlewares.
//!
//! actix-web 4 is built on `http` 0.2; the engine speaks `http` 1. Requests and
//! responses are converted at this edge only.
//!
//! ```no_run
//! use actix_web::{web, App, HttpServer, Responder};
//! use authgate_actix::{require_auth, AuthMiddleware, Session};
//! use authgate_core::{Auth, AuthConfig, Credentials, User};
//!
//! async fn me(session: Session) -> impl Responder {
//!     web::Json(session.session)
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let auth = Auth::new(
//!         AuthConfig::from_env()
//!             .provider(Credentials::new(|_, _| async { Ok(Some(User::new("1"))) }))
//!             .build()
//!             .expect("valid auth config"),
//!     );
//!     HttpServer::new(move || {
//!         App::new()
//!             .route("/api/me", web::get().to(me))
//!             .service(web::resource("/dashboard").wrap(require_auth()).to(|| async { "secret" }))
//!             .wrap(AuthMiddleware::new(auth.clone()))
//!     })
//!     .bind(("127.0.0.1", 3000))?
//!     .run()
//!     .await
//! }
//! ```

mod convert;
mod extract;
mod guard;
mod middleware;

pub use actix_web;
pub use authgate_core;
pub use authgate_core::integration::{GuardMode, SessionHandle};
pub use extract::{AuthRejection, Session, SharedSession, Token};
pub use guard::{require, require_auth, Require, RequireMiddleware};
pub use middleware::{AuthMiddleware, AuthMiddlewareService};
