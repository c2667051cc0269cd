//! [`Auth`]: the handle apps build once and mount with an integration. Every method of
//! the handle is here; the routes and the session code below it are free functions over
//! the shared state.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, Uri};

use crate::{
    cookies::RequestCookies,
    redirect::callback_url_fits,
    respond::with_query,
    routes,
    session::{self, ReadMode, SessionInfo, SessionOutcome},
    state::State,
    AuthConfig, Error, Token,
};

/// The authentication engine: build it once from an [`AuthConfig`], clone it freely
/// (it is an `Arc`), and mount it with an integration (`authgate-axum`,
/// `authgate-actix`).
///
/// ```
/// use authgate_core::{Auth, AuthConfig, Credentials};
/// let auth = Auth::new(
///     AuthConfig::builder()
///         .secret("a-long-random-secret-from-openssl-rand-base64-32")
///         .url("http://localhost:3000")
///         .provider(Credentials::new(|_, _| async { Ok(None) }))
///         .build()?,
/// );
/// assert!(auth.is_auth_path("/auth/session"));
/// assert!(!auth.is_auth_path("/authx"));
/// # Ok::<(), authgate_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Auth {
    state: Arc<State>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("config", &self.state.config)
            .finish()
    }
}

impl Auth {
    /// The engine for a validated config.
    pub fn new(config: AuthConfig) -> Self {
        Self {
            state: Arc::new(State::new(config)),
        }
    }

    /// The estimated bytes the verified-token cache holds (for metrics; at most
    /// [`crate::AuthConfigBuilder::token_cache_bytes`]).
    pub fn token_cache_bytes(&self) -> u64 {
        self.state.tokens.weight()
    }

    /// The config.
    pub fn config(&self) -> &AuthConfig {
        &self.state.config
    }

    /// The shared state, for the integration helpers.
    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// Whether a request path is an auth route (the base path or below it).
    pub fn is_auth_path(&self, path: &str) -> bool {
        let base = self.state.config.base_path.as_str();
        path.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    /// Answers an auth route (a request for which [`Auth::is_auth_path`] is true), with
    /// its body already read.
    #[tracing::instrument(name = "authgate", skip_all, fields(method = %req.method(), path = %req.uri().path()))]
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        routes::handle(&self.state, req).await
    }

    /// The session of an app request (not an auth route), from its `Cookie` headers.
    ///
    /// Runs `jwt` and `session`; re-issues the token only when `jwt` changed it or it is
    /// older than `update_age`. Integrations use [`crate::integration::LazySession`],
    /// which calls this at most once per request and only when asked.
    pub async fn session(&self, headers: &HeaderMap, uri: &Uri) -> SessionOutcome {
        let Some(origin) = self.state.origin(headers, uri) else {
            return SessionOutcome::default();
        };
        let cookies = RequestCookies::parse(headers);
        session::read(&self.state, &cookies, origin.secure, ReadMode::App).await
    }

    /// Where a guard sends a visitor without a session: the sign-in page with
    /// `callbackUrl` set to the requested URL (`None` when the origin is unknown); no
    /// `callbackUrl` when that URL is over 2048 bytes.
    pub fn sign_in_redirect(&self, headers: &HeaderMap, uri: &Uri) -> Option<String> {
        let origin = self.state.origin(headers, uri)?;
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let callback = format!("{}{}", origin.origin, path);
        let page = self.state.page_url(
            &origin,
            self.state.config.pages.sign_in.as_deref(),
            "signin",
        );
        if !callback_url_fits(&callback) {
            // An over-long URL is not carried along: after signing in, the visitor
            // lands on the origin.
            return Some(page);
        }
        Some(with_query(&page, &[("callbackUrl", &callback)]))
    }

    /// The signed-in user's database sessions (empty without a session), for a "your
    /// devices" page.
    pub async fn list_sessions(
        &self,
        headers: &HeaderMap,
        uri: &Uri,
    ) -> Result<Vec<SessionInfo>, Error> {
        let Some(origin) = self.state.origin(headers, uri) else {
            return Ok(Vec::new());
        };
        session::manage::list(&self.state, &origin, headers).await
    }

    /// Revokes one of the signed-in user's sessions by its [`SessionInfo::id`]; whether
    /// there was one.
    pub async fn revoke_session(
        &self,
        headers: &HeaderMap,
        uri: &Uri,
        id: &str,
    ) -> Result<bool, Error> {
        let Some(origin) = self.state.origin(headers, uri) else {
            return Ok(false);
        };
        session::manage::revoke(&self.state, &origin, headers, id).await
    }

    /// Revokes every session of the signed-in user except this request's ("sign out
    /// everywhere else"); how many.
    pub async fn revoke_other_sessions(
        &self,
        headers: &HeaderMap,
        uri: &Uri,
    ) -> Result<u64, Error> {
        let Some(origin) = self.state.origin(headers, uri) else {
            return Ok(0);
        };
        session::manage::revoke_others(&self.state, &origin, headers).await
    }

    /// Stamps `token` with a fresh `iat`, `exp = now + max_age` and `jti`, and encrypts it
    /// as the session cookie value for http (`secure = false`) or https. Returns the value
    /// and the stamped token. For minting sessions in tests or from a trusted backend.
    ///
    /// ```
    /// use authgate_core::{Auth, AuthConfig, Token};
    /// let auth = Auth::new(AuthConfig::builder().secret("0123456789abcdef0123456789abcdef").url("http://localhost:3000").build()?);
    /// let token = Token { sub: Some("1".into()), ..Token::default() };
    /// let (cookie_value, stamped) = auth.encode_token(token, false)?;
    /// let claims = auth.config().token_codec(false).decode(&cookie_value)?;
    /// assert_eq!(claims["sub"], "1");
    /// assert_eq!(claims["jti"], stamped.jti.unwrap());
    /// # Ok::<(), authgate_core::Error>(())
    /// ```
    pub fn encode_token(&self, token: Token, secure: bool) -> Result<(String, Token), Error> {
        session::jwt::encode(&self.state, token, secure)
    }
}
