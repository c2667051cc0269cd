//! The engine's `handle` on arbitrary requests to the auth routes: never a panic, and
//! never a 500 except the error page asked for `Configuration`.
//!
//! Input: byte 0 picks the method, then NUL-separated fields: the path under `/auth/`
//! (with its query), the Cookie header, the content type, and the body.
#![no_main]

use std::sync::OnceLock;

use authgate_core::{Auth, AuthConfig, Credentials, User};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

fn auth() -> &'static (Auth, tokio::runtime::Runtime) {
    static AUTH: OnceLock<(Auth, tokio::runtime::Runtime)> = OnceLock::new();
    AUTH.get_or_init(|| {
        let config = AuthConfig::builder()
            .secret("fuzz-secret-0123456789abcdef0123456789")
            .url("http://localhost:3000")
            .provider(Credentials::new(|creds, _| async move {
                let ok = creds.get("password").map(String::as_str) == Some("pw");
                Ok(ok.then(|| User::new("1").name("Fuzz")))
            }))
            .on_jwt(|ctx| async move { Ok(Some(ctx.token)) })
            .build()
            .expect("config");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        (Auth::new(config), rt)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&m, rest)) = data.split_first() else {
        return;
    };
    let method = match m % 4 {
        0 => http::Method::GET,
        1 => http::Method::POST,
        2 => http::Method::HEAD,
        _ => http::Method::PUT,
    };
    let mut fields = rest.splitn(4, |&b| b == 0);
    let path = String::from_utf8_lossy(fields.next().unwrap_or_default());
    let cookie = fields.next().unwrap_or_default();
    let content_type = fields.next().unwrap_or_default();
    let body = fields.next().unwrap_or_default();
    let mut req = http::Request::builder()
        .method(method)
        .uri(format!("http://localhost:3000/auth/{path}"));
    if let Ok(v) = http::HeaderValue::from_bytes(cookie) {
        req = req.header(http::header::COOKIE, v);
    }
    if let Ok(v) = http::HeaderValue::from_bytes(content_type) {
        req = req.header(http::header::CONTENT_TYPE, v);
    }
    let Ok(req) = req.body(Bytes::copy_from_slice(body)) else {
        return; // not a valid URI: no framework would hand it over
    };
    let path_only = req.uri().path().to_owned();
    let (auth, rt) = auth();
    let res = rt.block_on(auth.handle(req));
    if res.status() == http::StatusCode::INTERNAL_SERVER_ERROR {
        assert!(path_only.starts_with("/auth/error"), "500 on {path_only}");
    }
});
