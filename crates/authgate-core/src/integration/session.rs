//! Reading the session of an app request, for integrations that do not use
//! [`super::LazySession`] or that need the scheme first.

use http::{HeaderMap, HeaderValue, Uri};

use crate::{
    cookies::RequestCookies,
    session::{self, SessionOutcome},
    Auth,
};

/// Whether a request is served over https (`None` when its origin is unknown, which
/// means it has no session).
pub fn is_secure(auth: &Auth, headers: &HeaderMap, uri: &Uri) -> Option<bool> {
    // With a canonical URL, its scheme (no copy of the origin on every app request).
    match &auth.state().config.canonical {
        Some(canonical) => Some(canonical.secure),
        None => auth.state().origin(headers, uri).map(|o| o.secure),
    }
}

/// The session of an app request, from its `Cookie` header values and the scheme.
pub async fn session_from_cookies<'a>(
    auth: &Auth,
    cookie_headers: impl Iterator<Item = &'a HeaderValue>,
    secure: bool,
) -> SessionOutcome {
    session_from_cookie_bytes(auth, cookie_headers.map(HeaderValue::as_bytes), secure).await
}

/// [`session_from_cookies`] from the values' bytes.
pub(crate) async fn session_from_cookie_bytes<'a>(
    auth: &Auth,
    cookie_headers: impl Iterator<Item = &'a [u8]>,
    secure: bool,
) -> SessionOutcome {
    let cookies = RequestCookies::from_values(cookie_headers);
    session::read(auth.state(), &cookies, secure, session::ReadMode::App).await
}
