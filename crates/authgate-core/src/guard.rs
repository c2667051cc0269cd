//! The decision behind the framework guards (`require_auth`, `require`), shared by every
//! adapter so they answer alike.

use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Response, StatusCode, Uri};

use crate::{engine::respond, Auth, Session, SessionOutcome};

/// A predicate on the session, for role and claim checks.
pub type SessionPredicate = dyn Fn(&Session) -> bool + Send + Sync;

impl Auth {
    /// `None` when the request may go on; otherwise the response to send instead:
    /// without a session, a redirect to the sign-in page (with `callbackUrl`) for page
    /// requests (`Accept: text/html`) and 401 `{"error":"Unauthorized"}` for the rest;
    /// with a session that fails `predicate`, 403 `{"error":"Forbidden"}`.
    pub fn guard(
        &self,
        outcome: &SessionOutcome,
        predicate: Option<&SessionPredicate>,
        headers: &HeaderMap,
        uri: &Uri,
    ) -> Option<Response<Bytes>> {
        let Some(session) = &outcome.session else {
            let wants_page = headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"));
            let location = self
                .sign_in_redirect(headers, uri)
                .and_then(|t| HeaderValue::from_str(&t).ok());
            return Some(match (wants_page, location) {
                (true, Some(location)) => {
                    let mut res = respond(StatusCode::FOUND, None, Bytes::new(), Vec::new());
                    res.headers_mut().insert(header::LOCATION, location);
                    res
                }
                _ => json_error(StatusCode::UNAUTHORIZED, "Unauthorized"),
            });
        };
        match predicate {
            Some(p) if !p(session) => Some(json_error(StatusCode::FORBIDDEN, "Forbidden")),
            _ => None,
        }
    }
}

/// `{"error": "<code>"}` with a status: what guards and extractors answer.
pub fn json_error(status: StatusCode, code: &'static str) -> Response<Bytes> {
    crate::engine::json(status, &serde_json::json!({ "error": code }), Vec::new())
}
