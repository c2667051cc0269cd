//! The result of reading a session, and who reads it.

use std::sync::Arc;

use http::HeaderValue;
use serde_json::Value;

use crate::{Session, Token};

/// The result of resolving the session of a request. `Debug` does not show the cookies
/// it sets.
#[derive(Clone, Default)]
pub struct SessionOutcome {
    /// The session, as the `session` callback shaped it.
    pub session: Option<Arc<Session>>,
    /// The token `jwt` returned (JWT strategy).
    pub token: Option<Arc<Token>>,
    /// `Set-Cookie` values to add to the response (a re-issued or cleared token).
    pub set_cookies: Vec<HeaderValue>,
    /// A callback failed (as opposed to: no, invalid or expired token).
    pub(crate) callback_failed: bool,
    /// The session store could not be asked (database down): the user was not signed
    /// out, the cookie is kept, and integrations answer 503.
    pub(crate) unavailable: bool,
}

impl std::fmt::Debug for SessionOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionOutcome")
            .field("session", &self.session)
            .field("token", &self.token)
            .field(
                "set_cookies",
                &format_args!("[{} redacted]", self.set_cookies.len()),
            )
            .field("callback_failed", &self.callback_failed)
            .field("unavailable", &self.unavailable)
            .finish()
    }
}

impl SessionOutcome {
    /// Whether the session store could not be asked (a database outage): the request
    /// has no session, but its user was not signed out either. Integrations answer 503.
    pub fn is_unavailable(&self) -> bool {
        self.unavailable
    }
}

/// Who reads the session.
#[derive(Clone, Debug)]
pub(crate) enum ReadMode {
    /// `GET /session` (`None`) or `POST /session` (`Some(data)`): always re-issued.
    Route(Option<Option<Value>>),
    /// An app route: re-issued only when `jwt` changed the token or it is older than
    /// `update_age`.
    App,
}
