//! The decision behind the framework guards (`require_auth`, `require`), shared by every
//! integration so they answer alike.

use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Response, StatusCode, Uri};

use crate::{
    respond::{found, json_error},
    session::SessionOutcome,
    Auth, Session,
};

/// A predicate on the session, for role and claim checks.
pub type SessionPredicate = dyn Fn(&Session) -> bool + Send + Sync;

/// How a guard answers a request without a session.
///
/// ```
/// use authgate_core::integration::GuardMode;
/// assert_eq!(GuardMode::default(), GuardMode::Negotiate);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuardMode {
    /// A redirect to the sign-in page for page requests (`Accept: text/html`), 401 JSON
    /// for the rest.
    #[default]
    Negotiate,
    /// Always a redirect to the sign-in page with `callbackUrl` (for pages, whatever the
    /// `Accept` header).
    Redirect,
    /// Always 401 `{"error":"Unauthorized"}` (for APIs).
    Unauthorized,
}

/// `None` when the request may go on; otherwise the response to send instead: 503
/// `{"error":"ServiceUnavailable"}` when the session store is down; without a session, a redirect to the sign-in page (with `callbackUrl`) or 401
/// `{"error":"Unauthorized"}`, as `mode` says; with a session that fails `predicate`,
/// 403 `{"error":"Forbidden"}`.
pub fn guard(
    auth: &Auth,
    outcome: &SessionOutcome,
    predicate: Option<&SessionPredicate>,
    mode: GuardMode,
    headers: &HeaderMap,
    uri: &Uri,
) -> Option<Response<Bytes>> {
    if outcome.is_unavailable() {
        // The session store is down: not signed out, so no sign-in redirect and no 401.
        return Some(json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
        ));
    }
    let Some(session) = &outcome.session else {
        let redirect = match mode {
            GuardMode::Redirect => true,
            GuardMode::Unauthorized => false,
            GuardMode::Negotiate => headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html")),
        };
        let location = redirect
            .then(|| auth.sign_in_redirect(headers, uri))
            .flatten()
            .and_then(|t| HeaderValue::from_str(&t).ok());
        return Some(match location {
            Some(location) => found(location, Vec::new()),
            None => json_error(StatusCode::UNAUTHORIZED, "Unauthorized"),
        });
    };
    match predicate {
        Some(p) if !p(session) => Some(json_error(StatusCode::FORBIDDEN, "Forbidden")),
        _ => None,
    }
}
