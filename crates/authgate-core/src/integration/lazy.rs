//! A request's session, resolved on first use and at most once.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Uri};
use tokio::sync::OnceCell;

use super::session::{is_secure, session_from_cookie_bytes};
use crate::{session::SessionOutcome, Auth};

/// The session of one app request, decoded only when something asks for it.
///
/// Integrations put one (in a [`super::SessionHandle`]) in the request's extensions and, after the
/// handler ran, append [`LazySession::set_cookies`] to the response.
pub struct LazySession {
    auth: Auth,
    // Usually one `Cookie` header (HTTP/1.1): kept apart so the common case allocates
    // nothing.
    first_cookie: Option<CookieValue>,
    more_cookies: Vec<CookieValue>,
    secure: Option<bool>,
    cell: OnceCell<SessionOutcome>,
}

/// A `Cookie` header value as the integration handed it over: an `http` value, or the
/// bytes of another framework's value (not copied, not validated again).
enum CookieValue {
    Http(HeaderValue),
    Bytes(Bytes),
}

impl CookieValue {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Http(value) => value.as_bytes(),
            Self::Bytes(bytes) => bytes,
        }
    }
}

impl std::fmt::Debug for LazySession {
    /// The cookies are not shown, only how many headers carried them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers = usize::from(self.first_cookie.is_some()) + self.more_cookies.len();
        f.debug_struct("LazySession")
            .field("cookie_headers", &format_args!("[{headers} redacted]"))
            .field("secure", &self.secure)
            .field("outcome", &self.cell.get())
            .finish_non_exhaustive()
    }
}

impl LazySession {
    /// Captures what the session needs from the request headers (the `Cookie` values and
    /// the scheme); decodes nothing yet.
    pub fn new(auth: Auth, headers: &HeaderMap, uri: &Uri) -> Self {
        let secure = is_secure(&auth, headers, uri);
        Self::with_cookies(
            auth,
            headers.get_all(http::header::COOKIE).iter().cloned(),
            secure,
        )
    }

    /// As [`LazySession::new`], from the `Cookie` header values and the scheme
    /// (`secure` = https; `None` when the origin is unknown, which means no session).
    pub fn with_cookies(
        auth: Auth,
        cookies: impl IntoIterator<Item = HeaderValue>,
        secure: Option<bool>,
    ) -> Self {
        Self::from_values(auth, cookies.into_iter().map(CookieValue::Http), secure)
    }

    /// As [`LazySession::with_cookies`], from the bytes of `Cookie` header values a
    /// framework has already parsed and validated as header values (checked again
    /// only as cookies). [`Bytes::from_owner`] hands over another framework's value
    /// without copying it.
    ///
    /// ```
    /// use authgate_core::{integration::LazySession, Auth, AuthConfig};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let auth = Auth::new(AuthConfig::builder().secret("0123456789abcdef0123456789abcdef").url("http://localhost:3000").build()?);
    /// // E.g. `Bytes::from_owner(value.clone())` for an actix-web `HeaderValue`.
    /// let cookie = bytes::Bytes::from_static(b"theme=dark");
    /// let lazy = LazySession::with_cookie_bytes(auth, [cookie], Some(false));
    /// assert!(lazy.set_cookies().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_cookie_bytes(
        auth: Auth,
        cookies: impl IntoIterator<Item = Bytes>,
        secure: Option<bool>,
    ) -> Self {
        Self::from_values(auth, cookies.into_iter().map(CookieValue::Bytes), secure)
    }

    fn from_values(
        auth: Auth,
        mut values: impl Iterator<Item = CookieValue>,
        secure: Option<bool>,
    ) -> Self {
        let first_cookie = values.next();
        let more_cookies = values.collect();
        Self {
            auth,
            first_cookie,
            more_cookies,
            secure,
            cell: OnceCell::new(),
        }
    }

    /// The engine.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// Resolves the session (the first call decodes; later calls reuse the result).
    pub async fn get(&self) -> &SessionOutcome {
        self.cell
            .get_or_init(|| async {
                match (self.secure, &self.first_cookie) {
                    (Some(secure), Some(first)) => {
                        let all = std::iter::once(first)
                            .chain(self.more_cookies.iter())
                            .map(CookieValue::as_bytes);
                        session_from_cookie_bytes(&self.auth, all, secure).await
                    }
                    _ => SessionOutcome::default(),
                }
            })
            .await
    }

    /// The `Set-Cookie` values to append, if the session was resolved.
    pub fn set_cookies(&self) -> &[HeaderValue] {
        self.cell.get().map_or(&[], |o| o.set_cookies.as_slice())
    }
}
