//! What the framework integrations (`authgate-axum`, `authgate-actix`) need and apps
//! don't: the lazy per-request session and its handle, the guard decision, the body
//! limit of auth routes, what happens to an app response (re-issued cookie, caching), and the plain answers they share. Both integrations use these,
//! so they answer alike.

mod body;
mod guard;
mod lazy;
mod response;
mod session;

use std::sync::Arc;

pub use body::{declares_too_large, payload_too_large};
pub use guard::{guard, GuardMode, SessionPredicate};
pub use lazy::LazySession;
pub use response::ResponsePlan;
pub use session::{is_secure, session_from_cookies};

pub use crate::session::SessionOutcome;

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::Auth;

/// The session handle an integration puts in a request's extensions; extractors and
/// guards read it. One type for every integration.
#[derive(Clone, Debug)]
pub struct SessionHandle(pub Arc<LazySession>);

impl SessionHandle {
    /// Resolves the session (at most once per request).
    pub async fn get(&self) -> &SessionOutcome {
        self.0.get().await
    }

    /// The engine.
    pub fn auth(&self) -> &Auth {
        self.0.auth()
    }
}

/// 400 `"Bad request."`, as Auth.js v5 answers unknown actions and methods.
pub fn bad_request() -> Response<Bytes> {
    crate::respond::bad_request()
}

/// `{"error": "<code>"}` with a status: what guards and extractors answer.
pub fn json_error(status: StatusCode, code: &str) -> Response<Bytes> {
    crate::respond::json_error(status, code)
}
