//! The per-request state of an auth route ([`RouteCtx`]): origin, cookies, CSRF, the
//! callback URL, query and body (what Auth.js computes in `init`), and the ways a route
//! answers with it (redirects, error redirects).

use std::{collections::HashMap, sync::atomic::Ordering, time::Duration};

use bytes::Bytes;
use http::{header, request::Parts, HeaderMap, HeaderValue, Method, Response, StatusCode};
use serde_json::{Map, Value};

use crate::{
    cookies::{set_cookie, CookieAttrs, CookieNames, RequestCookies},
    origin::Origin,
    pages::PageContext,
    rate_limit::{client_ip, ip_bucket, Subject},
    redirect::callback_url_fits,
    respond::{found, json, with_query},
    state::State,
    ErrorCode, ErrorPage,
};

/// Per-request state of an auth route.
pub(crate) struct RouteCtx<'a> {
    pub(crate) state: &'a State,
    /// Method, URI and headers of the request.
    pub(crate) parts: &'a Parts,
    pub(crate) origin: Origin,
    pub(crate) names: &'a CookieNames,
    pub(crate) attrs: CookieAttrs,
    /// Origin + base path.
    pub(crate) base_url: String,
    pub(crate) cookies: RequestCookies<'a>,
    /// `X-Auth-Return-Redirect`: answer redirects as `200 {"url"}`.
    pub(crate) json_redirect: bool,
    /// `Set-Cookie` values to send whatever the outcome (CSRF, callback URL, ...).
    pub(crate) set_cookies: Vec<HeaderValue>,
    pub(crate) csrf_token: String,
    pub(crate) csrf_verified: bool,
    pub(crate) callback_url: String,
    pub(crate) query: HashMap<String, String>,
    pub(crate) body: Map<String, Value>,
}

impl<'a> RouteCtx<'a> {
    /// Parses query and body, checks CSRF and computes the callback URL (Auth.js `init`;
    /// runs `redirect` on an asked-for callback URL).
    pub(crate) async fn new(
        state: &'a State,
        parts: &'a Parts,
        body: &Bytes,
        origin: Origin,
    ) -> RouteCtx<'a> {
        let config = &state.config;
        let names = config.cookie_names(origin.secure);
        let attrs = CookieAttrs {
            secure: origin.secure,
        };
        let cookies = RequestCookies::parse(&parts.headers);
        let query = parse_query(parts.uri.query());
        let is_post = parts.method == Method::POST;
        let body = if is_post {
            parse_body(&parts.headers, body)
        } else {
            Map::new()
        };
        let mut set_cookies = Vec::new();

        let submitted = body.get("csrfToken").and_then(Value::as_str);
        let csrf = config.csrf.check(
            cookies.get(&names.csrf_token).as_deref(),
            submitted,
            is_post,
        );
        if let Some(value) = &csrf.new_cookie {
            set_cookies.push(set_cookie(&names.csrf_token, value, attrs, None));
        }

        let cookie_cb = cookies.get(&names.callback_url);
        let cookie_cb = cookie_cb.as_deref();
        // An over-long callback URL is ignored (the origin instead), so neither the
        // callback-url cookie nor a redirect ever carries it.
        let asked = body
            .get("callbackUrl")
            .and_then(Value::as_str)
            .or_else(|| query.get("callbackUrl").map(String::as_str))
            .or(cookie_cb)
            .filter(|url| callback_url_fits(url));
        let callback_url = match asked {
            Some(url) => config.callbacks.resolve_redirect(url, &origin.origin).await,
            None => origin.origin.clone(),
        };
        let callback_url = if callback_url_fits(&callback_url) {
            callback_url
        } else {
            tracing::debug!("the redirect callback gave an over-long callback URL: origin used");
            origin.origin.clone()
        };
        if cookie_cb != Some(callback_url.as_str()) {
            set_cookies.push(set_cookie(&names.callback_url, &callback_url, attrs, None));
        }
        RouteCtx {
            state,
            parts,
            base_url: format!("{}{}", origin.origin, config.base_path),
            origin,
            names,
            attrs,
            cookies,
            json_redirect: parts.headers.contains_key("x-auth-return-redirect"),
            set_cookies,
            csrf_token: csrf.token,
            csrf_verified: csrf.verified,
            callback_url,
            query,
            body,
        }
    }

    /// Replaces the callback URL (already checked by `redirect`) and the callback-url
    /// cookie this answer sets.
    pub(crate) fn set_callback_url(&mut self, url: String) {
        let prefix = format!("{}=", self.names.callback_url);
        self.set_cookies
            .retain(|c| !c.as_bytes().starts_with(prefix.as_bytes()));
        self.set_cookies
            .push(set_cookie(&self.names.callback_url, &url, self.attrs, None));
        self.callback_url = url;
    }

    /// A redirect (302 `Location`), or `200 {"url"}` in `X-Auth-Return-Redirect` mode.
    pub(crate) fn redirect(self, target: &str) -> Response<Bytes> {
        if self.json_redirect {
            return json(
                StatusCode::OK,
                &serde_json::json!({ "url": target }),
                self.set_cookies,
            );
        }
        let location = HeaderValue::from_str(target).unwrap_or_else(|_| {
            HeaderValue::from_str(&self.origin.origin)
                .unwrap_or_else(|_| HeaderValue::from_static("/"))
        });
        found(location, self.set_cookies)
    }

    /// Redirects to the callback URL.
    pub(crate) fn redirect_to_callback(self) -> Response<Bytes> {
        let target = self.callback_url.clone();
        self.redirect(&target)
    }

    /// The URL of a page kind, custom or built-in.
    pub(crate) fn page(&self, page: ErrorPage) -> String {
        let pages = &self.state.config.pages;
        match page {
            ErrorPage::SignIn => {
                self.state
                    .page_url(&self.origin, pages.sign_in.as_deref(), "signin")
            }
            ErrorPage::Error => self
                .state
                .page_url(&self.origin, pages.error.as_deref(), "error"),
        }
    }

    /// Fails the request with an Auth.js error type, as Auth.js v5 does: to the page of
    /// its kind, with `?error=` its name when client-safe and `Configuration` otherwise.
    pub(crate) fn fail(self, code: ErrorCode) -> Response<Bytes> {
        let target = with_query(&self.page(code.page()), &[("error", code.param())]);
        self.redirect(&target)
    }

    /// `RateLimited`: to the error page, or `429 {"error","url"}` for a client that asked
    /// for JSON (`X-Auth-Return-Redirect`); with `Retry-After` either way.
    pub(crate) fn fail_rate_limited(self, retry_after: Duration) -> Response<Bytes> {
        let code = ErrorCode::RateLimited;
        let target = with_query(&self.page(code.page()), &[("error", code.param())]);
        let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        let mut res = if self.json_redirect {
            json(
                StatusCode::TOO_MANY_REQUESTS,
                &serde_json::json!({ "error": code.name(), "url": target }),
                self.set_cookies,
            )
        } else {
            self.redirect(&target)
        };
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        res
    }

    /// The client IP (see [`crate::AuthorizeRequest::client_ip`]).
    pub(crate) fn client_ip(&self) -> Option<std::net::IpAddr> {
        let none = crate::rate_limit::TrustedProxies::none();
        let proxies = self
            .state
            .config
            .rate_limits
            .as_ref()
            .map_or(&none, |l| &l.proxies);
        client_ip(self.parts, proxies)
    }

    /// Counts an attempt against a rate limit (when the app set one for `subject`);
    /// `Err(retry_after)` when over it. Per-IP limits need the client IP: without one
    /// (an integration that knows no peer address) they are skipped.
    pub(crate) async fn rate_limit(
        &self,
        subject: Subject,
        value: Option<&str>,
    ) -> Result<(), Duration> {
        let Some(limits) = &self.state.config.rate_limits else {
            return Ok(());
        };
        let limit = match subject {
            Subject::EmailAddress => limits.email_per_address,
            Subject::EmailIp => limits.email_per_ip,
            Subject::CredentialsIdentifier => {
                limits.credentials_per_identifier.as_ref().map(|(_, l)| *l)
            }
            Subject::CredentialsIp => limits.credentials_per_ip,
        };
        let Some(limit) = limit else {
            return Ok(());
        };
        let ip;
        let value = match (subject, value) {
            (Subject::EmailIp | Subject::CredentialsIp, _) => {
                let Some(addr) = self.client_ip() else {
                    if !limits.warned_no_peer.swap(true, Ordering::Relaxed) {
                        tracing::warn!("per-IP rate limits are set but the integration knows no peer address: they are skipped (axum: serve with into_make_service_with_connect_info::<SocketAddr>())");
                    }
                    return Ok(());
                };
                ip = ip_bucket(addr);
                ip.as_str()
            }
            (_, Some(v)) => v,
            (_, None) => return Ok(()),
        };
        let now = self.state.config.clock.now();
        limits.check(subject, value, limit, now).await
    }

    /// `CredentialsSignin` with `&code=` (Auth.js's `CredentialsSignin.code`).
    pub(crate) fn fail_credentials(self, code: &str) -> Response<Bytes> {
        let error = ErrorCode::CredentialsSignin;
        let target = with_query(
            &self.page(error.page()),
            &[("error", error.param()), ("code", code)],
        );
        self.redirect(&target)
    }

    /// An app's own allow-listed code (from `sign_in`): to the error page with
    /// `?error=<code>`, which shows the app's message.
    pub(crate) fn fail_with_app_code(self, code: &str) -> Response<Bytes> {
        let target = with_query(&self.page(ErrorPage::Error), &[("error", code)]);
        self.redirect(&target)
    }

    /// What the built-in pages need from this request.
    pub(crate) fn page_ctx(&self) -> PageContext<'_> {
        PageContext {
            config: &self.state.config,
            base_url: &self.base_url,
            csrf_token: &self.csrf_token,
            callback_url: &self.callback_url,
        }
    }
}

/// Reads a form-urlencoded or JSON body; anything else is an empty body.
pub(crate) fn parse_body(headers: &HeaderMap, body: &Bytes) -> Map<String, Value> {
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

/// The query string as a map; a repeated key keeps its last value, as Auth.js's
/// `Object.fromEntries` does.
pub(crate) fn parse_query(query: Option<&str>) -> std::collections::HashMap<String, String> {
    query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}
