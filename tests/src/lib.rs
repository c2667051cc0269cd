//! Test harness: serves the demo app on a loopback port and drives it like a browser
//! (a cookie jar, no automatic redirects).
//!
//! Every suite function takes a [`Framework`], so the same suite runs on every adapter:
//! [`suite!`] turns `async fn name(fw: Framework)` into one `#[tokio::test]` per framework.

use std::{collections::BTreeMap, sync::Mutex};

use authgate::{Auth, AuthConfig, AuthConfigBuilder, TokenCodec, TokenFormat};
use reqwest::{header::HeaderMap, Method, RequestBuilder};
use serde_json::{Map, Value};

/// The secret of the test vectors (`tests/vectors`), used by every test server.
pub const SECRET: &str = "authgate-test-vector-secret-do-not-use-in-production";
/// The older secret of the rotation vector.
pub const OLD_SECRET: &str = "second-secret-for-rotation-tests-0123456789";

/// A web framework adapter under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framework {
    /// `authgate-axum`.
    Axum,
    /// `authgate-actix`.
    Actix,
}

impl Framework {
    /// Every framework, for tests that compare them.
    pub const ALL: [Framework; 2] = [Framework::Axum, Framework::Actix];
}

/// Generates one `#[tokio::test]` per framework for each suite function.
#[macro_export]
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod axum {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Framework::Axum).await;
                }
            )*
        }
        mod actix {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Framework::Actix).await;
                }
            )*
        }
    };
}

/// A running test server; dropping it stops an actix server (axum servers end with
/// their test's runtime).
#[derive(Debug)]
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The engine it serves.
    pub auth: Auth,
    actix: Option<actix_web::dev::ServerHandle>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(handle) = self.actix.take() {
            // Sends the stop command; the server thread ends on its own.
            drop(handle.stop(false));
        }
    }
}

impl Server {
    /// A browser with an empty cookie jar.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }
}

/// Serves the demo app with the demo config, canonical URL = the server's address.
pub async fn spawn(fw: Framework) -> Server {
    spawn_with(fw, |b| b).await
}

/// Serves the demo app with its config adjusted by `tweak` (applied on top of secret,
/// URL and the demo's providers and callbacks).
pub async fn spawn_with(
    fw: Framework,
    tweak: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> Server {
    spawn_custom(fw, |url| {
        let builder = authgate_demo::configure(AuthConfig::builder().secret(SECRET).url(url));
        tweak(builder)
    })
    .await
}

/// Serves the demo app's routes with an engine built from scratch; `build` gets the
/// server's base URL.
pub async fn spawn_custom(fw: Framework, build: impl FnOnce(&str) -> AuthConfigBuilder) -> Server {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("local addr"));
    let config = build(&base).build().expect("test config builds");
    let auth = Auth::new(config);
    let actix = match fw {
        Framework::Axum => {
            listener.set_nonblocking(true).expect("nonblocking");
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            let app = authgate_demo::router(auth.clone());
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            None
        }
        Framework::Actix => Some(spawn_actix(listener, auth.clone())),
    };
    Server { base, auth, actix }
}

/// Runs the actix demo on its own thread (actix has its own runtime) and returns its
/// handle once it listens.
fn spawn_actix(listener: std::net::TcpListener, auth: Auth) -> actix_web::dev::ServerHandle {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || authgate_demo_actix::app(auth.clone()))
                .workers(1)
                .disable_signals()
                .listen(listener)
                .expect("actix listens")
                .run();
            let _ = tx.send(server.handle());
            let _ = server.await;
        });
    });
    rx.recv().expect("actix server started")
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body text.
    pub body: String,
}

impl Resp {
    /// The `Location` header.
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (panics when it is not JSON: a test failure).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }

    /// The `Set-Cookie` header for a cookie name.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.split_once('=').is_some_and(|(n, _)| n == name))
    }

    /// Names of every cookie this response sets (or clears).
    pub fn set_cookie_names(&self) -> Vec<&str> {
        self.set_cookies()
            .into_iter()
            .filter_map(|c| c.split_once('=').map(|(n, _)| n.trim()))
            .collect()
    }

    /// The value a `Set-Cookie` header gives a cookie (still percent-encoded); `None`
    /// when the response does not set it.
    pub fn cookie_value(&self, name: &str) -> Option<&str> {
        let line = self.set_cookie(name)?;
        let first = line.split(';').next()?;
        first.split_once('=').map(|(_, v)| v.trim())
    }

    /// Whether the response deletes a cookie (empty value and `Max-Age=0`).
    pub fn clears(&self, name: &str) -> bool {
        self.set_cookie(name).is_some_and(|line| {
            cookie_attr(line, "max-age").as_deref() == Some("0")
                && self.cookie_value(name) == Some("")
        })
    }

    /// Whether the response sets a cookie to a non-empty value.
    pub fn sets(&self, name: &str) -> bool {
        self.set_cookie(name).is_some() && !self.clears(name)
    }

    /// The `Expires` of a cookie the response sets, in unix seconds.
    pub fn cookie_expires(&self, name: &str) -> Option<i64> {
        cookie_attr(self.set_cookie(name)?, "expires").and_then(|d| http_date(&d))
    }

    /// The session cookie the response sets, reassembled from chunks when needed
    /// (`None` when it sets none).
    pub fn session_token(&self, name: &str) -> Option<String> {
        if let Some(v) = self.cookie_value(name).filter(|v| !v.is_empty()) {
            return Some(v.to_owned());
        }
        let mut chunks: Vec<(usize, &str)> = self
            .set_cookies()
            .into_iter()
            .filter_map(|line| {
                let (n, rest) = line.split(';').next()?.split_once('=')?;
                let i = n
                    .trim()
                    .strip_prefix(name)?
                    .strip_prefix('.')?
                    .parse()
                    .ok()?;
                Some((i, rest.trim()))
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if chunks.is_empty() {
            return None;
        }
        chunks.sort_by_key(|(i, _)| *i);
        Some(chunks.into_iter().map(|(_, v)| v).collect())
    }
}

/// An attribute of a `Set-Cookie` line (name case-insensitive); `Some("")` for a flag
/// such as `HttpOnly`.
pub fn cookie_attr(line: &str, attr: &str) -> Option<String> {
    line.split(';').skip(1).find_map(|part| {
        let part = part.trim();
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        k.trim()
            .eq_ignore_ascii_case(attr)
            .then(|| v.trim().to_owned())
    })
}

/// Asserts the attributes every authgate cookie carries: `HttpOnly; SameSite=Lax;
/// Path=/`, no `Domain`, and `Secure` exactly when `secure`.
pub fn assert_cookie_attrs(line: &str, secure: bool) {
    assert!(
        cookie_attr(line, "httponly").is_some(),
        "HttpOnly missing: {line}"
    );
    assert_eq!(
        cookie_attr(line, "samesite").as_deref(),
        Some("Lax"),
        "SameSite: {line}"
    );
    assert_eq!(
        cookie_attr(line, "path").as_deref(),
        Some("/"),
        "Path: {line}"
    );
    assert!(cookie_attr(line, "domain").is_none(), "Domain set: {line}");
    assert_eq!(
        cookie_attr(line, "secure").is_some(),
        secure,
        "Secure: {line}"
    );
}

/// Parses an IMF-fixdate (`Wed, 21 Oct 2026 07:28:00 GMT`) to unix seconds.
pub fn http_date(s: &str) -> Option<i64> {
    let mut it = s.split_whitespace();
    let _weekday = it.next()?;
    let day: i64 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = it.next()?.parse().ok()?;
    let mut hms = it.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if it.next()? != "GMT" {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + sec)
}

/// Parses `2026-12-24T10:00:00.000Z` (JavaScript's `toISOString`) to unix seconds.
pub fn iso_date(s: &str) -> Option<i64> {
    let s = s.strip_suffix(".000Z")?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-');
    let (y, m, day) = (d.next()?, d.next()?, d.next()?);
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.get(m.parse::<usize>().ok()?.checked_sub(1)?)?;
    http_date(&format!("Xxx, {day} {month} {y} {time} GMT"))
}

/// Now, in unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The Auth.js v5 codec for the http session cookie (`authjs.session-token`) and
/// [`SECRET`].
pub fn codec() -> TokenCodec {
    codec_for(&[SECRET], "authjs.session-token")
}

/// An Auth.js v5 codec for some secrets and a cookie name (the HKDF salt).
pub fn codec_for(secrets: &[&str], salt: &str) -> TokenCodec {
    TokenCodec::new(TokenFormat::AuthJsV5, secrets, salt).expect("codec")
}

/// Encrypts claims (a JSON object, `iat`/`exp` as given) as a v5 session token for
/// the http cookie and [`SECRET`].
pub fn craft_token(claims: &Value) -> String {
    let map = claims.as_object().expect("claims are an object").clone();
    codec().encode(&map).expect("encode")
}

/// A session token for `sub` issued `age` seconds ago, expiring `ttl` seconds from now,
/// with extra claims merged in.
pub fn token_for(sub: &str, age: i64, ttl: i64, extra: &Value) -> String {
    let now = now();
    let mut claims = serde_json::json!({
        "sub": sub, "iat": now - age, "exp": now + ttl, "jti": format!("jti-{sub}-{now}"),
    });
    if let (Some(c), Some(e)) = (claims.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    craft_token(&claims)
}

/// Decodes a session token (as set in a cookie) with [`codec`]; panics when invalid.
pub fn decode_token(value: &str) -> Map<String, Value> {
    codec().decode(value).expect("session token decodes")
}

/// Unpadded base64url.
pub fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[idx as usize]));
        }
    }
    out
}

/// Decodes unpadded base64url (`None` on a bad character).
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push(((bits >> nbits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// JavaScript's `encodeURIComponent`.
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `application/x-www-form-urlencoded` encoding of one value (as a form or
/// `URLSearchParams` writes it).
pub fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"*-._".contains(&b) => out.push(char::from(b)),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A response read from a raw socket.
#[derive(Debug)]
pub struct RawResp {
    /// Status code (0 when the server closed without answering).
    pub status: u16,
    /// The status line and headers.
    pub head: String,
    /// The body bytes (as sent: not de-chunked).
    pub body: Vec<u8>,
}

/// Sends raw bytes to the server (`http://host:port`) over a fresh TCP connection and
/// reads until it closes (send `Connection: close`). Write errors are ignored, so a
/// server that answers early is still heard.
pub async fn raw_request(base: &str, request: Vec<u8>) -> RawResp {
    let addr = base.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        let timeout = Some(std::time::Duration::from_secs(10));
        stream.set_read_timeout(timeout).expect("timeout");
        stream.set_write_timeout(timeout).expect("timeout");
        let _ = stream.write_all(&request);
        let _ = stream.flush();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let split = buf
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(buf.len());
        let head = String::from_utf8_lossy(&buf[..split]).into_owned();
        let body = buf.get(split + 4..).map(<[u8]>::to_vec).unwrap_or_default();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        RawResp { status, head, body }
    })
    .await
    .expect("raw request task")
}

/// A browser: a cookie jar (by name; loopback only) and no automatic redirects.
#[derive(Debug)]
pub struct Browser {
    base: String,
    client: reqwest::Client,
    jar: Mutex<BTreeMap<String, String>>,
}

impl Browser {
    /// A browser for a server base URL.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            jar: Mutex::new(BTreeMap::new()),
        }
    }

    /// The server base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A cookie's raw (still percent-encoded) value.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().expect("jar").get(name).cloned()
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

    /// A request builder for a path (or absolute URL) with the jar's cookies.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let cookies: Vec<String> = self
            .jar
            .lock()
            .expect("jar")
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut req = self.client.request(method, url);
        if !cookies.is_empty() {
            req = req.header("cookie", cookies.join("; "));
        }
        req
    }

    /// A request builder for a path (or absolute URL) without the jar's cookies (its
    /// response still goes through [`Browser::send`] if you like).
    pub fn bare(&self, method: Method, path: &str) -> RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        self.client.request(method, url)
    }

    /// Sends a request, stores its cookies, reads the body.
    pub async fn send(&self, req: RequestBuilder) -> Resp {
        let res = req.send().await.expect("request reaches the test server");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.expect("body");
        let resp = Resp {
            status,
            headers,
            body,
        };
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

    /// The CSRF token (from `GET /auth/csrf`, which also sets the cookie).
    pub async fn csrf(&self) -> String {
        let res = self.get("/auth/csrf").await;
        res.json()["csrfToken"]
            .as_str()
            .expect("csrfToken")
            .to_owned()
    }

    /// The CSRF token from a `csrf` route at another path (another base path).
    pub async fn json_csrf(&self, path: &str) -> String {
        let res = self.get(path).await;
        res.json()["csrfToken"]
            .as_str()
            .expect("csrfToken")
            .to_owned()
    }

    /// Signs in with the demo credentials provider; returns the callback response.
    pub async fn sign_in(&self, username: &str, password: &str) -> Resp {
        self.sign_in_to(username, password, "/").await
    }

    /// Signs in with a `callbackUrl`.
    pub async fn sign_in_to(&self, username: &str, password: &str, callback_url: &str) -> Resp {
        let csrf = self.csrf().await;
        self.post_form(
            "/auth/callback/credentials",
            &[
                ("csrfToken", &csrf),
                ("username", username),
                ("password", password),
                ("callbackUrl", callback_url),
            ],
        )
        .await
    }

    /// The session JSON from `GET /auth/session`.
    pub async fn session(&self) -> Value {
        self.get("/auth/session").await.json()
    }
}

/// Loads a JSON test vector file from `tests/vectors`.
pub fn vectors(name: &str) -> Value {
    let path = format!("{}/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("vector JSON")
}
