//! [`Auth`]: the engine. It answers the auth routes and resolves sessions.

use std::{collections::HashMap, sync::Arc};

use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri};
use quick_cache::sync::Cache;
use serde_json::{Map, Value};

use crate::{
    cookies::{clear_session_cookies, session_cookies, CookieAttrs, CookieNames, RequestCookies},
    error::codes,
    origin::Origin,
    pages::{self, PageContext},
    session_read::ReadMode,
    AuthConfig, Error, RedirectContext, Session, Token,
};

/// The result of resolving the session of a request.
#[derive(Clone, Debug, Default)]
pub struct SessionOutcome {
    /// The session, as the `session` callback shaped it.
    pub session: Option<Arc<Session>>,
    /// The token `jwt` returned.
    pub token: Option<Arc<Token>>,
    /// `Set-Cookie` values to add to the response (a re-issued or cleared token).
    pub set_cookies: Vec<HeaderValue>,
    /// A callback failed (as opposed to: no, invalid or expired token).
    pub(crate) callback_failed: bool,
}

/// The authentication engine: build it once from an [`AuthConfig`], clone it freely
/// (it is an `Arc`), and mount it with a framework adapter.
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
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: AuthConfig,
    /// Verified tokens by exact cookie value, `[http, https]`.
    pub(crate) caches: Option<[Cache<String, Arc<Token>>; 2]>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("config", &self.inner.config)
            .finish()
    }
}

/// The parsed auth route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Providers,
    Csrf,
    Session,
    SignIn,
    SignOut,
    Callback,
    Error,
    VerifyRequest,
}

/// Per-request state of an auth route.
pub(crate) struct RouteCtx<'a> {
    pub(crate) origin: Origin,
    pub(crate) names: &'a CookieNames,
    pub(crate) attrs: CookieAttrs,
    /// Origin + base path.
    pub(crate) base_url: String,
    pub(crate) cookies: RequestCookies<'a>,
    pub(crate) json_redirect: bool,
    /// `Set-Cookie` values to send whatever the outcome (CSRF, callback URL).
    pub(crate) set_cookies: Vec<HeaderValue>,
    pub(crate) csrf_token: String,
    pub(crate) csrf_verified: bool,
    pub(crate) callback_url: String,
    pub(crate) query: HashMap<String, String>,
    pub(crate) body: Map<String, Value>,
}

impl Auth {
    /// The engine for a validated config.
    pub fn new(config: AuthConfig) -> Self {
        let cap = config.token_cache_capacity;
        let caches = (cap > 0).then(|| [Cache::new(cap), Cache::new(cap)]);
        Self {
            inner: Arc::new(Inner { config, caches }),
        }
    }

    /// The config.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// Whether a request path is an auth route (the base path or below it).
    pub fn is_auth_path(&self, path: &str) -> bool {
        let base = self.inner.config.base_path.as_str();
        path.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    /// The largest body an auth route reads; adapters answer 413 above it.
    pub fn max_body_bytes(&self) -> usize {
        self.inner.config.max_body_bytes
    }

    /// Whether a declared `Content-Length` is above [`Auth::max_body_bytes`], so an
    /// adapter can answer 413 before reading anything.
    pub fn declares_too_large(&self, content_length: Option<&[u8]>) -> bool {
        content_length
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > self.max_body_bytes() as u64)
    }

    /// 413 `"Payload too large."` for an auth request whose body is above the limit
    /// (logged).
    pub fn payload_too_large(&self) -> Response<Bytes> {
        tracing::warn!(limit = self.max_body_bytes(), "auth request body too large");
        json(
            StatusCode::PAYLOAD_TOO_LARGE,
            &"Payload too large.",
            Vec::new(),
        )
    }

    /// The origin of a request: the canonical URL, or the trusted Host headers.
    pub(crate) fn origin(&self, headers: &HeaderMap, uri: &Uri) -> Option<Origin> {
        match &self.inner.config.canonical {
            Some(o) => Some(o.clone()),
            None => Origin::from_request(headers, Some(uri)),
        }
    }

    /// Whether a request is served over https (`None` when its origin is unknown).
    pub fn is_secure(&self, headers: &HeaderMap, uri: &Uri) -> Option<bool> {
        match &self.inner.config.canonical {
            Some(o) => Some(o.secure),
            None => Origin::from_request(headers, Some(uri)).map(|o| o.secure),
        }
    }

    /// The session of an app request (not an auth route), from its `Cookie` headers.
    ///
    /// Runs `jwt` and `session`; re-issues the token only when `jwt` changed it or it is
    /// older than `update_age`.
    pub async fn session(&self, headers: &HeaderMap, uri: &Uri) -> SessionOutcome {
        let Some(secure) = self.is_secure(headers, uri) else {
            return SessionOutcome::default();
        };
        let cookies = RequestCookies::parse(headers);
        self.read_session(&cookies, secure, ReadMode::App).await
    }

    /// The session of an app request, from `Cookie` header values and the scheme.
    pub async fn session_from_cookies<'a>(
        &self,
        cookie_headers: impl Iterator<Item = &'a HeaderValue>,
        secure: bool,
    ) -> SessionOutcome {
        let cookies = RequestCookies::from_values(cookie_headers);
        self.read_session(&cookies, secure, ReadMode::App).await
    }

    /// Where a guard sends a visitor without a session: the sign-in page with
    /// `callbackUrl` set to the requested URL.
    pub fn sign_in_redirect(&self, headers: &HeaderMap, uri: &Uri) -> Option<String> {
        let origin = self.origin(headers, uri)?;
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let callback = format!("{}{}", origin.origin, path);
        let page = self.page_url(
            &origin,
            self.inner.config.pages.sign_in.as_deref(),
            "signin",
        );
        Some(with_query(&page, &[("callbackUrl", &callback)]))
    }

    /// Answers an auth route (a request for which [`Auth::is_auth_path`] is true), with
    /// its body already read.
    #[tracing::instrument(name = "authgate", skip_all, fields(method = %req.method(), path = %req.uri().path()))]
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        let (parts, body) = req.into_parts();
        let Some((action, provider)) = self.parse_action(parts.uri.path()) else {
            return bad_request();
        };
        let method = parts.method.clone();
        if method != Method::GET && method != Method::POST {
            return bad_request();
        }
        let Some(origin) = self.origin(&parts.headers, &parts.uri) else {
            tracing::warn!("no usable Host header to build URLs from");
            return bad_request();
        };
        if action == Action::Providers {
            return if method == Method::GET {
                self.providers(&origin)
            } else {
                bad_request()
            };
        }
        let ctx = self
            .route_ctx(&parts.headers, &parts.uri, &method, &body, origin)
            .await;
        match (action, method == Method::POST, provider) {
            (Action::Csrf, false, None) => {
                let body = serde_json::json!({ "csrfToken": ctx.csrf_token });
                no_store(json(StatusCode::OK, &body, ctx.set_cookies))
            }
            (Action::Session, false, None) => self.session_route(ctx, None).await,
            (Action::Session, true, None) => {
                if !ctx.csrf_verified {
                    tracing::warn!("MissingCSRF: session update refused");
                    return json(StatusCode::BAD_REQUEST, &Value::Null, ctx.set_cookies);
                }
                let data = ctx.body.get("data").cloned().map(|d| match d {
                    Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
                    other => other,
                });
                self.session_route(ctx, Some(data)).await
            }
            (Action::SignIn, false, None) => self.sign_in_page(ctx),
            (Action::SignIn, false, Some(_)) => {
                self.error_redirect(ctx, codes::CONFIGURATION, None)
            }
            (Action::SignIn, true, provider) => {
                if !ctx.csrf_verified {
                    tracing::warn!("MissingCSRF: sign-in refused");
                    return self.error_redirect(ctx, codes::MISSING_CSRF, None);
                }
                match provider {
                    Some(id) if self.provider(id).is_none() => {
                        tracing::warn!(provider = id, "InvalidProvider: unknown provider");
                        self.error_redirect(ctx, codes::CONFIGURATION, None)
                    }
                    _ => {
                        let target = format!("{}/signin", ctx.base_url);
                        self.redirect(ctx, &target)
                    }
                }
            }
            (Action::Callback, false, Some(id)) => {
                tracing::warn!(
                    provider = id,
                    "InvalidProvider: GET callback is not supported for this provider"
                );
                self.error_redirect(ctx, codes::CONFIGURATION, None)
            }
            (Action::Callback, true, Some(id)) => {
                let headers = parts.headers.clone();
                let uri = parts.uri.clone();
                self.credentials_callback(ctx, id, parts.method.clone(), uri, headers)
                    .await
            }
            (Action::SignOut, false, None) => self.sign_out_page(ctx),
            (Action::SignOut, true, None) => self.sign_out(ctx).await,
            (Action::Error, false, None) => self.error_page(ctx),
            (Action::VerifyRequest, false, None) => {
                self.verify_request_page(ctx, parts.uri.query())
            }
            _ => bad_request(),
        }
    }

    fn parse_action<'p>(&self, path: &'p str) -> Option<(Action, Option<&'p str>)> {
        let rest = path.strip_prefix(self.inner.config.base_path.as_str())?;
        let rest = rest.strip_prefix('/')?;
        let mut segments = rest.split('/');
        let action = match segments.next()? {
            "providers" => Action::Providers,
            "csrf" => Action::Csrf,
            "session" => Action::Session,
            "signin" => Action::SignIn,
            "signout" => Action::SignOut,
            "callback" => Action::Callback,
            "error" => Action::Error,
            "verify-request" => Action::VerifyRequest,
            _ => return None,
        };
        let provider = segments.next();
        if segments.next().is_some() {
            return None;
        }
        match provider {
            None => Some((action, None)),
            Some(p) if !p.is_empty() && matches!(action, Action::SignIn | Action::Callback) => {
                Some((action, Some(p)))
            }
            Some(_) => None,
        }
    }

    pub(crate) fn provider(&self, id: &str) -> Option<&crate::Provider> {
        self.inner.config.providers.iter().find(|p| p.id() == id)
    }

    fn providers(&self, origin: &Origin) -> Response<Bytes> {
        let base = format!("{}{}", origin.origin, self.inner.config.base_path);
        let map: Map<String, Value> = self
            .inner
            .config
            .providers
            .iter()
            .map(|p| {
                let id = p.id();
                (
                    id.to_owned(),
                    serde_json::json!({
                        "id": id,
                        "name": p.name(),
                        "type": p.kind(),
                        "signinUrl": format!("{base}/signin/{id}"),
                        "callbackUrl": format!("{base}/callback/{id}"),
                    }),
                )
            })
            .collect();
        json(StatusCode::OK, &Value::Object(map), Vec::new())
    }

    /// Parses query and body, checks CSRF and computes the callback URL (Auth.js `init`).
    async fn route_ctx<'a>(
        &'a self,
        headers: &'a HeaderMap,
        uri: &Uri,
        method: &Method,
        body: &Bytes,
        origin: Origin,
    ) -> RouteCtx<'a> {
        let config = &self.inner.config;
        let names = config.cookie_names(origin.secure);
        let attrs = CookieAttrs {
            secure: origin.secure,
        };
        let cookies = RequestCookies::parse(headers);
        let query: HashMap<String, String> = uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        let body = if *method == Method::POST {
            parse_body(headers, body)
        } else {
            Map::new()
        };
        let mut set_cookies = Vec::new();

        let submitted = body.get("csrfToken").and_then(Value::as_str);
        let csrf = config.csrf.check(
            cookies.get(&names.csrf_token),
            submitted,
            *method == Method::POST,
        );
        if let Some(value) = &csrf.new_cookie {
            set_cookies.push(crate::cookies::set_cookie(
                &names.csrf_token,
                value,
                attrs,
                None,
            ));
        }

        let cookie_cb = cookies.get(&names.callback_url);
        let asked = body
            .get("callbackUrl")
            .and_then(Value::as_str)
            .or_else(|| query.get("callbackUrl").map(String::as_str))
            .or(cookie_cb);
        let callback_url = match asked {
            Some(url) => self.run_redirect(url, &origin.origin).await,
            None => origin.origin.clone(),
        };
        if cookie_cb != Some(callback_url.as_str()) {
            set_cookies.push(crate::cookies::set_cookie(
                &names.callback_url,
                &callback_url,
                attrs,
                None,
            ));
        }
        RouteCtx {
            base_url: format!("{}{}", origin.origin, config.base_path),
            origin,
            names,
            attrs,
            cookies,
            json_redirect: headers.contains_key("x-auth-return-redirect"),
            set_cookies,
            csrf_token: csrf.token,
            csrf_verified: csrf.verified,
            callback_url,
            query,
            body,
        }
    }

    /// Runs `redirect`; an error (or an unusable result) falls back to the origin.
    pub(crate) async fn run_redirect(&self, url: &str, base_url: &str) -> String {
        let ctx = RedirectContext {
            url: url.to_owned(),
            base_url: base_url.to_owned(),
        };
        match self.inner.config.callbacks.redirect(ctx).await {
            Ok(target) if target.is_ascii() && HeaderValue::from_str(&target).is_ok() => target,
            // A custom `redirect` may return non-ASCII: send the URL's encoded form.
            Ok(target)
                if url::Url::parse(&target)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https")) =>
            {
                url::Url::parse(&target).map_or_else(|_| base_url.to_owned(), String::from)
            }
            Ok(_) => {
                tracing::warn!("redirect callback returned a URL that is not a valid header value");
                base_url.to_owned()
            }
            Err(err) => {
                tracing::error!(error = %err, "redirect callback failed");
                base_url.to_owned()
            }
        }
    }

    /// A redirect (302 `Location`), or `200 {"url"}` in `X-Auth-Return-Redirect` mode.
    pub(crate) fn redirect(&self, ctx: RouteCtx<'_>, target: &str) -> Response<Bytes> {
        if ctx.json_redirect {
            return json(
                StatusCode::OK,
                &serde_json::json!({ "url": target }),
                ctx.set_cookies,
            );
        }
        let location = HeaderValue::from_str(target).unwrap_or_else(|_| {
            HeaderValue::from_str(&ctx.origin.origin)
                .unwrap_or_else(|_| HeaderValue::from_static("/"))
        });
        let mut res = respond(StatusCode::FOUND, None, Bytes::new(), ctx.set_cookies);
        res.headers_mut().insert(header::LOCATION, location);
        res
    }

    /// The URL of a page: the custom one (relative to the origin, or absolute), or the
    /// built-in one under the base path.
    fn page_url(&self, origin: &Origin, custom: Option<&str>, builtin: &str) -> String {
        match custom {
            Some(p) if p.starts_with('/') => format!("{}{p}", origin.origin),
            Some(p) => p.to_owned(),
            None => format!("{}{}/{builtin}", origin.origin, self.inner.config.base_path),
        }
    }

    /// Redirects to the page for an error code: sign-in kind codes to the sign-in page,
    /// the others to the error page.
    pub(crate) fn error_redirect(
        &self,
        ctx: RouteCtx<'_>,
        code: &str,
        detail: Option<&str>,
    ) -> Response<Bytes> {
        let pages = &self.inner.config.pages;
        let sign_in_kind = matches!(
            code,
            codes::CREDENTIALS_SIGNIN
                | codes::MISSING_CSRF
                | "OAuthAccountNotLinked"
                | "OAuthCallbackError"
                | "OAuthSignInError"
                | "EmailSignInError"
        );
        let page = if sign_in_kind {
            self.page_url(&ctx.origin, pages.sign_in.as_deref(), "signin")
        } else {
            self.page_url(&ctx.origin, pages.error.as_deref(), "error")
        };
        let target = match detail {
            Some(d) => with_query(&page, &[("error", code), ("code", d)]),
            None => with_query(&page, &[("error", code)]),
        };
        self.redirect(ctx, &target)
    }

    fn page_ctx<'c>(&'c self, ctx: &'c RouteCtx<'_>) -> PageContext<'c> {
        PageContext {
            config: &self.inner.config,
            base_url: &ctx.base_url,
            csrf_token: &ctx.csrf_token,
            callback_url: &ctx.callback_url,
        }
    }

    fn sign_in_page(&self, ctx: RouteCtx<'_>) -> Response<Bytes> {
        let error = ctx.query.get("error").cloned();
        if let Some(custom) = &self.inner.config.pages.sign_in {
            let page = self.page_url(&ctx.origin, Some(custom), "signin");
            let mut params = vec![("callbackUrl", ctx.callback_url.as_str())];
            if let Some(e) = &error {
                params.push(("error", e));
            }
            let target = with_query(&page, &params);
            return self.redirect(ctx, &target);
        }
        let code = ctx.query.get("code").map(String::as_str);
        let page = pages::sign_in(&self.page_ctx(&ctx), error.as_deref(), code);
        html(StatusCode::OK, page, ctx.set_cookies)
    }

    fn sign_out_page(&self, ctx: RouteCtx<'_>) -> Response<Bytes> {
        if let Some(custom) = &self.inner.config.pages.sign_out {
            let target = self.page_url(&ctx.origin, Some(custom), "signout");
            return self.redirect(ctx, &target);
        }
        let page = pages::sign_out(&self.page_ctx(&ctx));
        html(StatusCode::OK, page, ctx.set_cookies)
    }

    fn error_page(&self, ctx: RouteCtx<'_>) -> Response<Bytes> {
        let error = ctx.query.get("error").cloned();
        if let Some(custom) = &self.inner.config.pages.error {
            let page = self.page_url(&ctx.origin, Some(custom), "error");
            // Loop guard: an error page that itself bounced here gets the built-in page.
            if !ctx.callback_url.starts_with(&page) {
                let target = with_query(&page, &[("error", error.as_deref().unwrap_or("Default"))]);
                return self.redirect(ctx, &target);
            }
        }
        let (status, page) = pages::error(&self.page_ctx(&ctx), error.as_deref());
        html(
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            page,
            ctx.set_cookies,
        )
    }

    fn verify_request_page(&self, ctx: RouteCtx<'_>, query: Option<&str>) -> Response<Bytes> {
        if let Some(custom) = &self.inner.config.pages.verify_request {
            let mut target = self.page_url(&ctx.origin, Some(custom), "verify-request");
            if let Some(q) = query.filter(|q| !q.is_empty()) {
                target.push(if target.contains('?') { '&' } else { '?' });
                target.push_str(q);
            }
            return self.redirect(ctx, &target);
        }
        let page = pages::verify_request(&self.page_ctx(&ctx));
        html(StatusCode::OK, page, ctx.set_cookies)
    }

    #[tracing::instrument(name = "signout", skip_all)]
    async fn sign_out(&self, ctx: RouteCtx<'_>) -> Response<Bytes> {
        if !ctx.csrf_verified {
            tracing::warn!("MissingCSRF: sign-out refused");
            return self.error_redirect(ctx, codes::MISSING_CSRF, None);
        }
        let existing = ctx.cookies.session_cookie_names(&ctx.names.session_token);
        if existing.is_empty() {
            let target = ctx.callback_url.clone();
            return self.redirect(ctx, &target);
        }
        // The token is decoded only for the `sign_out` event.
        if let Some(events) = &self.inner.config.events {
            let token = ctx
                .cookies
                .session_token(&ctx.names.session_token)
                .and_then(|v| match self.decode_token(ctx.origin.secure, &v) {
                    Ok(t) => Some((*t).clone()),
                    Err(err) => {
                        tracing::debug!(error = %err, "sign-out with an undecodable token");
                        None
                    }
                });
            if let Err(err) = events.sign_out(crate::SignOutEvent { token }).await {
                tracing::error!(error = %err, "sign_out event failed");
            }
        }
        let mut ctx = ctx;
        let cleared = clear_session_cookies(&existing, ctx.attrs);
        ctx.set_cookies.extend(cleared);
        let target = ctx.callback_url.clone();
        self.redirect(ctx, &target)
    }

    /// Decodes a session token, through the cache of verified tokens.
    pub(crate) fn decode_token(&self, secure: bool, value: &str) -> Result<Arc<Token>, Error> {
        let idx = usize::from(secure);
        let cache = self.inner.caches.as_ref().map(|c| &c[idx]);
        if let Some(hit) = cache.and_then(|c| c.get(value)) {
            let now = crate::time_now();
            return match hit.exp {
                Some(exp) if exp <= now - crate::codec::CLOCK_TOLERANCE_SECS => {
                    if let Some(c) = cache {
                        c.remove(value);
                    }
                    Err(Error::TokenExpired)
                }
                _ => Ok(hit),
            };
        }
        let claims = self.inner.config.codecs[idx].decode(value)?;
        let token = Arc::new(Token::from_claims(claims)?);
        if let Some(c) = cache {
            c.insert(value.to_owned(), Arc::clone(&token));
        }
        Ok(token)
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
    pub fn encode_token(&self, mut token: Token, secure: bool) -> Result<(String, Token), Error> {
        let config = &self.inner.config;
        let now = crate::time_now();
        let max_age = i64::try_from(config.max_age.as_secs()).unwrap_or(i64::MAX / 2);
        token.iat = Some(now);
        token.exp = Some(now.saturating_add(max_age));
        token.jti = Some(uuid::Uuid::new_v4().to_string());
        let jwe = config.codecs[usize::from(secure)].encode(&token.to_claims()?)?;
        Ok((jwe, token))
    }

    /// Encrypts `token` (as [`Auth::encode_token`]) and returns the cookies that store it
    /// (clearing stale chunks) and the stored token.
    pub(crate) fn issue_token(
        &self,
        token: Token,
        secure: bool,
        existing: &[&str],
    ) -> Result<(Vec<HeaderValue>, Token), Error> {
        let config = &self.inner.config;
        let (jwe, token) = self.encode_token(token, secure)?;
        let expires = time::OffsetDateTime::now_utc() + config.max_age;
        let names = config.cookie_names(secure);
        let cookies = session_cookies(
            &names.session_token,
            &jwe,
            CookieAttrs { secure },
            expires,
            existing,
        );
        if let Some(c) = self.inner.caches.as_ref().map(|c| &c[usize::from(secure)]) {
            c.insert(jwe, Arc::new(token.clone()));
        }
        Ok((cookies, token))
    }
}

/// Appends query parameters (URL-encoded) to a URL.
pub(crate) fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{}", ser.finish())
}

/// Reads a form-urlencoded or JSON body; anything else is an empty body.
fn parse_body(headers: &HeaderMap, body: &Bytes) -> Map<String, Value> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/json") {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => map,
            _ => {
                tracing::debug!("JSON body is not an object; ignored");
                Map::new()
            }
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        url::form_urlencoded::parse(body)
            .into_owned()
            .map(|(k, v)| (k, Value::String(v)))
            .collect()
    } else {
        Map::new()
    }
}

pub(crate) fn respond(
    status: StatusCode,
    content_type: Option<&'static str>,
    body: Bytes,
    cookies: Vec<HeaderValue>,
) -> Response<Bytes> {
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let headers = res.headers_mut();
    if let Some(ct) = content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    for c in cookies {
        headers.append(header::SET_COOKIE, c);
    }
    res
}

pub(crate) fn json(
    status: StatusCode,
    body: &impl serde::Serialize,
    cookies: Vec<HeaderValue>,
) -> Response<Bytes> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
    respond(
        status,
        Some("application/json"),
        Bytes::from(bytes),
        cookies,
    )
}

fn html(status: StatusCode, page: String, cookies: Vec<HeaderValue>) -> Response<Bytes> {
    respond(
        status,
        Some("text/html; charset=utf-8"),
        Bytes::from(page),
        cookies,
    )
}

/// `Cache-Control: private, no-cache, no-store`, `Pragma: no-cache`, `Expires: 0`.
pub(crate) fn no_store(mut res: Response<Bytes>) -> Response<Bytes> {
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache, no-store"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(header::EXPIRES, HeaderValue::from_static("0"));
    res
}

/// 400 `"Bad request."`, as Auth.js v5 answers unknown actions and methods.
pub fn bad_request() -> Response<Bytes> {
    json(StatusCode::BAD_REQUEST, &"Bad request.", Vec::new())
}
