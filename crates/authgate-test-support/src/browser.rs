//! A browser-like HTTP client: a cookie jar, no automatic redirects, and the auth
//! routes under a base path.

use std::{collections::BTreeMap, sync::Mutex};

use reqwest::{Method, RequestBuilder};
use serde_json::Value;

use crate::{Resp, CREDENTIALS, CSRF, DEFAULT_BASE_PATH, SESSION};

/// A browser: a cookie jar (by name; loopback only) and no automatic redirects. Its
/// auth helpers ([`Browser::csrf`], [`Browser::session`], the sign-ins) use its base
/// path, [`DEFAULT_BASE_PATH`] unless set with [`Browser::with_base_path`].
#[derive(Debug)]
pub struct Browser {
    base: String,
    base_path: String,
    client: reqwest::Client,
    jar: Mutex<BTreeMap<String, String>>,
}

impl Browser {
    /// A browser for a server base URL (`http://127.0.0.1:<port>`), with an empty jar.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            base_path: DEFAULT_BASE_PATH.to_owned(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            jar: Mutex::new(BTreeMap::new()),
        }
    }

    /// The same browser with the auth routes under another base path (`/api/auth`).
    #[must_use]
    pub fn with_base_path(mut self, base_path: &str) -> Self {
        base_path
            .trim_end_matches('/')
            .clone_into(&mut self.base_path);
        self
    }

    /// The server base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The base path of the auth routes (`/auth` by default).
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// A cookie's raw (still percent-encoded) value.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().expect("jar").get(name).cloned()
    }

    /// A cookie of the jar as `name=value`, as a `Cookie` request header carries it.
    pub fn cookie_pair(&self, name: &str) -> Option<String> {
        self.cookie(name).map(|value| format!("{name}={value}"))
    }

    /// Names of the cookies in the jar.
    pub fn cookie_names(&self) -> Vec<String> {
        self.jar.lock().expect("jar").keys().cloned().collect()
    }

    /// Sets a cookie by hand.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .lock()
            .expect("jar")
            .insert(name.to_owned(), value.to_owned());
    }

    /// Removes a cookie by hand.
    pub fn remove_cookie(&self, name: &str) {
        self.jar.lock().expect("jar").remove(name);
    }

    /// The URL of a path, or an absolute URL as it is.
    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// A request builder for a path (or absolute URL) with the jar's cookies.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let cookies: Vec<String> = self
            .jar
            .lock()
            .expect("jar")
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let req = self.bare(method, path);
        if cookies.is_empty() {
            req
        } else {
            req.header("cookie", cookies.join("; "))
        }
    }

    /// A request builder for a path (or absolute URL) without the jar's cookies (its
    /// response still goes through [`Browser::send`] if you like).
    pub fn bare(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// Sends a request, stores its cookies, reads the body.
    pub async fn send(&self, req: RequestBuilder) -> Resp {
        let res = req.send().await.expect("request reaches the test server");
        self.store(Resp::from_response(res).await)
    }

    /// Sends a request whose body the server may refuse unread (a 413 answered from
    /// `Content-Length`, then the connection closed): a write that fails because the
    /// server already answered and closed is sent again on a new connection, up to five
    /// times, as a browser would retry.
    pub async fn send_oversized(&self, req: RequestBuilder) -> Resp {
        let mut last = None;
        for _ in 0..5 {
            let attempt = req.try_clone().expect("a request with an in-memory body");
            match attempt.send().await {
                Ok(res) => return self.store(Resp::from_response(res).await),
                Err(err) => last = Some(err),
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("request reaches the test server: {last:?}");
    }

    fn store(&self, resp: Resp) -> Resp {
        let mut jar = self.jar.lock().expect("jar");
        for c in resp.set_cookies() {
            let first = c.split(';').next().unwrap_or("");
            let Some((name, value)) = first.split_once('=') else {
                continue;
            };
            let expired = c.to_ascii_lowercase().contains("max-age=0");
            if expired || value.is_empty() {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        drop(jar);
        resp
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(Method::GET, path)).await
    }

    /// GET a path as a browser page (`Accept: text/html`).
    pub async fn get_page(&self, path: &str) -> Resp {
        self.send(
            self.request(Method::GET, path)
                .header("accept", "text/html,*/*"),
        )
        .await
    }

    /// POST a form.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Resp {
        self.send(self.request(Method::POST, path).form(form)).await
    }

    /// POST JSON.
    pub async fn post_json(&self, path: &str, body: &Value) -> Resp {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    /// The CSRF token (from `GET <base path>/csrf`, which also sets the cookie).
    pub async fn csrf(&self) -> String {
        self.json_csrf(&format!("{}/csrf", self.base_path)).await
    }

    /// The CSRF token from a `csrf` route at any path.
    pub async fn json_csrf(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status, 200, "GET {path}: {}", res.body);
        res.json()["csrfToken"]
            .as_str()
            .expect("csrfToken")
            .to_owned()
    }

    /// Signs in with a credentials provider: fetches a CSRF token, then POSTs
    /// `csrfToken`, the `fields` and `callbackUrl` to `<base path>/callback/<provider_id>`;
    /// returns the callback response.
    pub async fn credentials_sign_in(
        &self,
        provider_id: &str,
        fields: &[(&str, &str)],
        callback_url: &str,
    ) -> Resp {
        let csrf = self.csrf().await;
        let mut form = Vec::with_capacity(fields.len() + 2);
        form.push(("csrfToken", csrf.as_str()));
        form.extend_from_slice(fields);
        form.push(("callbackUrl", callback_url));
        let path = format!("{}/callback/{provider_id}", self.base_path);
        self.post_form(&path, &form).await
    }

    /// Signs in with the [`CREDENTIALS`] provider (`username`, `password`); returns the
    /// callback response.
    pub async fn sign_in(&self, username: &str, password: &str) -> Resp {
        self.sign_in_to(username, password, "/").await
    }

    /// Signs in with the [`CREDENTIALS`] provider and a `callbackUrl`.
    pub async fn sign_in_to(&self, username: &str, password: &str, callback_url: &str) -> Resp {
        let fields = [("username", username), ("password", password)];
        self.credentials_sign_in(CREDENTIALS, &fields, callback_url)
            .await
    }

    /// Signs in with a credentials provider (`callbackUrl` `/`), asserts that the
    /// browser got a CSRF cookie and the redirect that ends a sign-in, and returns the
    /// session cookie ([`SESSION`]) as `name=value` (as a `Cookie` request header
    /// carries it).
    pub async fn signed_in_cookie(&self, provider_id: &str, fields: &[(&str, &str)]) -> String {
        let res = self.credentials_sign_in(provider_id, fields, "/").await;
        assert!(self.cookie(CSRF).is_some(), "CSRF cookie for {fields:?}");
        assert_eq!(res.status, 302, "sign-in with {fields:?}");
        self.cookie_pair(SESSION)
            .unwrap_or_else(|| panic!("a session cookie after the sign-in with {fields:?}"))
    }

    /// The session JSON from `GET <base path>/session`.
    pub async fn session(&self) -> Value {
        self.get(&format!("{}/session", self.base_path))
            .await
            .json()
    }
}

/// One GET without a jar, with an optional `Cookie` request header and an optional
/// `Accept` header.
pub async fn get_with(base: &str, path: &str, cookie: Option<&str>, accept: Option<&str>) -> Resp {
    let b = Browser::new(base);
    let mut req = b.bare(Method::GET, path);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    b.send(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_defaults_to_auth_and_drops_a_trailing_slash() {
        let b = Browser::new("http://127.0.0.1:1");
        assert_eq!((b.base(), b.base_path()), ("http://127.0.0.1:1", "/auth"));
        assert_eq!(b.with_base_path("/api/auth/").base_path(), "/api/auth");
    }

    #[test]
    fn cookie_pairs_come_from_the_jar() {
        let b = Browser::new("http://127.0.0.1:1");
        assert_eq!(b.cookie_pair(SESSION), None);
        b.set_cookie(SESSION, "abc");
        assert_eq!(
            b.cookie_pair(SESSION).as_deref(),
            Some("authjs.session-token=abc")
        );
        b.remove_cookie(SESSION);
        assert!(b.cookie_names().is_empty());
    }
}
