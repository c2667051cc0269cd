//! The axum demo and the actix demo answer alike (DESIGN §6): one scripted session,
//! driven through both, compared step by step after normalizing what is random or
//! differs by construction (the port, CSRF tokens, JWE values, timestamps).
//!
//! Compared per step: status, every response header except `date` and
//! `content-length` (so `Content-Type`, `Location`, `Cache-Control`, `Pragma`,
//! `Expires`, and any header only one framework adds), the body bytes, and the
//! `Set-Cookie` lines in order (name, normalized value, attributes in order).

use std::fmt::Write as _;

use authgate_tests::{spawn, Browser, Framework, Resp, Server};
use reqwest::Method;
use serde_json::{json, Value};

/// Headers not compared: `date` and `content-length` (they differ by time and by
/// framing, not by behaviour), the hop-by-hop transport headers (actix adds
/// `connection: close` when it answers before reading a request body, e.g. on 413;
/// hyper closes such a connection without saying so), and `set-cookie` (compared on its
/// own).
const IGNORED_HEADERS: &[&str] = &[
    "date",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "set-cookie",
];

/// One response, normalized.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    status: u16,
    /// Every header but `date`, `content-length` and `set-cookie`, as (lowercase name,
    /// normalized value), sorted by name (values keep their order).
    headers: Vec<(String, String)>,
    set_cookies: Vec<String>,
    body: String,
}

/// The script's record for one server.
struct Recorder<'a> {
    server: &'a Server,
    steps: Vec<(String, Snapshot)>,
}

impl Recorder<'_> {
    fn record(&mut self, label: impl Into<String>, res: &Resp) {
        let base = &self.server.base;
        let mut headers: Vec<(String, String)> = res
            .headers
            .iter()
            .filter(|(name, _)| !IGNORED_HEADERS.contains(&name.as_str()))
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes());
                let value = if name.as_str() == "expires" && value.contains("GMT") {
                    "<DATE>".to_owned()
                } else {
                    normalize(&value, base)
                };
                (name.as_str().to_owned(), value)
            })
            .collect();
        headers.sort_by(|a, b| a.0.cmp(&b.0));
        let set_cookies = res
            .set_cookies()
            .into_iter()
            .map(|line| normalize_cookie(line, base))
            .collect();
        self.steps.push((
            label.into(),
            Snapshot {
                status: res.status,
                headers,
                set_cookies,
                body: normalize(&res.body, base),
            },
        ));
    }

    /// Sends, records, returns the response.
    async fn send(&mut self, b: &Browser, label: &str, req: reqwest::RequestBuilder) -> Resp {
        let res = b.send(req).await;
        self.record(label, &res);
        res
    }

    /// As `send`, for a body over the limit (see [`Browser::send_oversized`]).
    async fn send_oversized(
        &mut self,
        b: &Browser,
        label: &str,
        req: reqwest::RequestBuilder,
    ) -> Resp {
        let res = b.send_oversized(req).await;
        self.record(label, &res);
        res
    }

    async fn get(&mut self, b: &Browser, path: &str) -> Resp {
        self.send(b, &format!("GET {path}"), b.request(Method::GET, path))
            .await
    }

    async fn page(&mut self, b: &Browser, path: &str) -> Resp {
        let req = b
            .request(Method::GET, path)
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        self.send(b, &format!("GET {path} (page)"), req).await
    }

    async fn csrf(&mut self, b: &Browser, label: &str) -> String {
        let res = self
            .send(
                b,
                &format!("GET /auth/csrf ({label})"),
                b.request(Method::GET, "/auth/csrf"),
            )
            .await;
        res.json()["csrfToken"]
            .as_str()
            .expect("csrfToken")
            .to_owned()
    }

    async fn form(&mut self, b: &Browser, label: &str, path: &str, form: &[(&str, &str)]) -> Resp {
        self.send(
            b,
            &format!("POST {path} ({label})"),
            b.request(Method::POST, path).form(form),
        )
        .await
    }

    async fn sign_in(&mut self, b: &Browser, user: &str, password: &str, callback: &str) -> Resp {
        let csrf = self.csrf(b, &format!("before sign-in of {user}")).await;
        self.form(
            b,
            &format!("sign in {user}/{password} → {callback}"),
            "/auth/callback/credentials",
            &[
                ("csrfToken", &csrf),
                ("username", user),
                ("password", password),
                ("callbackUrl", callback),
            ],
        )
        .await
    }

    /// The app routes, as API and as page requests.
    async fn app_routes(&mut self, b: &Browser, who: &str) {
        for path in ["/", "/api/me", "/dashboard", "/admin", "/unauthorized"] {
            self.send(
                b,
                &format!("GET {path} as {who}"),
                b.request(Method::GET, path),
            )
            .await;
            self.send(
                b,
                &format!("GET {path} (page) as {who}"),
                b.request(Method::GET, path).header("accept", "text/html"),
            )
            .await;
        }
        self.send(
            b,
            &format!("GET /auth/session as {who}"),
            b.request(Method::GET, "/auth/session"),
        )
        .await;
    }
}

/// The scripted session; every request is the same on every framework.
async fn script(server: &Server) -> Vec<(String, Snapshot)> {
    let mut r = Recorder {
        server,
        steps: Vec::new(),
    };

    // Anonymous.
    let anon = server.browser();
    r.app_routes(&anon, "anonymous").await;
    r.page(&anon, "/dashboard?tab=2&q=a%20b").await;
    r.page(&anon, "/admin?x=1").await;
    r.get(&anon, "/no-such-page").await;
    for path in [
        "/auth/providers",
        "/auth/csrf",
        "/auth/csrf",
        "/auth/session",
        "/auth/signin",
        "/auth/signin?error=CredentialsSignin",
        "/auth/signin?callbackUrl=%2Fdashboard",
        "/auth/signin?callbackUrl=https%3A%2F%2Fevil.example%2F",
        "/auth/signin/credentials",
        "/auth/signout",
        "/auth/error",
        "/auth/error?error=AccessDenied",
        "/auth/error?error=Configuration",
        "/auth/error?error=Verification",
        "/auth/error?error=%3Cscript%3E",
        "/auth/verify-request",
        "/auth/unknown-action",
        "/auth",
        "/auth/",
        "/auth/callback/nope",
    ] {
        r.get(&anon, path).await;
    }
    for (method, path) in [
        (Method::PUT, "/auth/session"),
        (Method::DELETE, "/auth/csrf"),
        (Method::PUT, "/auth/callback/credentials"),
        (Method::PATCH, "/auth/signout"),
        (Method::HEAD, "/auth/session"),
        (Method::HEAD, "/auth/signin"),
    ] {
        let label = format!("{method} {path}");
        r.send(&anon, &label, anon.request(method, path)).await;
    }
    let csrf = r.csrf(&anon, "anonymous").await;
    r.form(
        &anon,
        "anonymous update",
        "/auth/session",
        &[("csrfToken", &csrf), ("data", r#"{"name":"X"}"#)],
    )
    .await;
    r.form(&anon, "no csrf", "/auth/signout", &[]).await;
    r.form(&anon, "anonymous", "/auth/signout", &[("csrfToken", &csrf)])
        .await;
    r.form(
        &anon,
        "to the page",
        "/auth/signin/credentials",
        &[("csrfToken", &csrf), ("callbackUrl", "/dashboard")],
    )
    .await;

    // Sign-ins that do not end in a session.
    let wrong = server.browser();
    r.sign_in(&wrong, "alice", "bad", "/").await;
    r.sign_in(&wrong, "nobody", "x", "/dashboard").await;
    r.form(
        &wrong,
        "bad csrf",
        "/auth/callback/credentials",
        &[
            ("csrfToken", "bad"),
            ("username", "alice"),
            ("password", "wonderland"),
        ],
    )
    .await;
    r.get(&wrong, "/auth/session").await;
    let eve = server.browser();
    r.sign_in(&eve, "eve", "eve", "/").await;
    r.get(&eve, "/auth/session").await;
    let mallory = server.browser();
    r.sign_in(&mallory, "mallory", "mallory", "/dashboard")
        .await;
    r.get(&mallory, "/auth/session").await;

    // Bob: a user, not an admin.
    let bob = server.browser();
    r.sign_in(&bob, "bob", "builder", "/").await;
    r.app_routes(&bob, "bob").await;
    let csrf = r.csrf(&bob, "bob").await;
    r.form(&bob, "bob", "/auth/signout", &[("csrfToken", &csrf)])
        .await;
    r.app_routes(&bob, "bob signed out").await;

    // Alice: the admin; update, sign out.
    let alice = server.browser();
    r.sign_in(&alice, "alice", "wonderland", "/dashboard").await;
    r.app_routes(&alice, "alice").await;
    let csrf = r.csrf(&alice, "alice").await;
    r.send(
        &alice,
        "POST /auth/session (JSON update)",
        alice
            .request(Method::POST, "/auth/session")
            .json(&json!({"csrfToken": csrf, "data": {"name": "Alice L."}})),
    )
    .await;
    r.form(
        &alice,
        "form update",
        "/auth/session",
        &[("csrfToken", &csrf), ("data", r#"{"name":"Alice <b>"}"#)],
    )
    .await;
    r.form(
        &alice,
        "update, bad csrf",
        "/auth/session",
        &[("csrfToken", "bad"), ("data", r#"{"name":"Nope"}"#)],
    )
    .await;
    r.form(
        &alice,
        "update without data",
        "/auth/session",
        &[("csrfToken", &csrf)],
    )
    .await;
    r.app_routes(&alice, "alice updated").await;
    r.page(&alice, "/auth/signout").await;
    r.page(&alice, "/auth/signin").await;
    r.form(&alice, "bad csrf", "/auth/signout", &[("csrfToken", "bad")])
        .await;
    r.get(&alice, "/api/me").await;
    r.form(
        &alice,
        "alice",
        "/auth/signout",
        &[("csrfToken", &csrf), ("callbackUrl", "/bye")],
    )
    .await;
    r.app_routes(&alice, "alice signed out").await;

    // X-Auth-Return-Redirect: JSON instead of a redirect.
    let json_mode = server.browser();
    let csrf = r.csrf(&json_mode, "json mode").await;
    let forms: [(&str, &str, Form<'_>); 8] = [
        (
            "failure",
            "/auth/callback/credentials",
            vec![
                ("csrfToken", &csrf),
                ("username", "alice"),
                ("password", "bad"),
            ],
        ),
        (
            "csrf failure",
            "/auth/callback/credentials",
            vec![("csrfToken", "bad")],
        ),
        (
            "eve",
            "/auth/callback/credentials",
            vec![
                ("csrfToken", &csrf),
                ("username", "eve"),
                ("password", "eve"),
            ],
        ),
        (
            "mallory",
            "/auth/callback/credentials",
            vec![
                ("csrfToken", &csrf),
                ("username", "mallory"),
                ("password", "mallory"),
            ],
        ),
        (
            "sign-in page",
            "/auth/signin/credentials",
            vec![("csrfToken", &csrf), ("callbackUrl", "/admin")],
        ),
        (
            "success",
            "/auth/callback/credentials",
            vec![
                ("csrfToken", &csrf),
                ("username", "alice"),
                ("password", "wonderland"),
                ("callbackUrl", "/dashboard"),
            ],
        ),
        (
            "sign-out, bad csrf",
            "/auth/signout",
            vec![("csrfToken", "bad")],
        ),
        (
            "sign-out",
            "/auth/signout",
            vec![("csrfToken", &csrf), ("callbackUrl", "/bye")],
        ),
    ];
    for (label, path, form) in &forms {
        for flag in ["1", "true"] {
            // The second round runs signed out (after the first "sign-out"), which is
            // itself part of the script.
            r.send(
                &json_mode,
                &format!("POST {path} X-Auth-Return-Redirect: {flag} ({label})"),
                json_mode
                    .request(Method::POST, path)
                    .header("X-Auth-Return-Redirect", flag)
                    .form(form),
            )
            .await;
        }
    }

    // Bodies over the limit (64 KiB) on auth routes: 413.
    let big = format!("csrfToken={csrf}&pad={}", "a".repeat(70_000));
    for path in [
        "/auth/callback/credentials",
        "/auth/session",
        "/auth/signout",
    ] {
        r.send_oversized(
            &json_mode,
            &format!("POST {path} (70 kB)"),
            json_mode
                .request(Method::POST, path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(big.clone()),
        )
        .await;
    }
    // Exactly at the limit: read and handled.
    let at_limit = format!("csrfToken=bad&pad={}", "a".repeat(64 * 1024 - 18));
    assert_eq!(at_limit.len(), 64 * 1024);
    r.send(
        &json_mode,
        "POST /auth/callback/credentials (64 KiB)",
        json_mode
            .request(Method::POST, "/auth/callback/credentials")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(at_limit),
    )
    .await;
    r.steps
}

/// Methods the app routes do not serve (and `HEAD`, which axum answers for every `GET`
/// route), anonymous and signed in.
async fn method_script(server: &Server) -> Vec<(String, Snapshot)> {
    let mut r = Recorder {
        server,
        steps: Vec::new(),
    };
    let anon = server.browser();
    let alice = server.browser();
    r.sign_in(&alice, "alice", "wonderland", "/").await;
    let bob = server.browser();
    r.sign_in(&bob, "bob", "builder", "/").await;
    for (who, b) in [("anonymous", &anon), ("alice", &alice), ("bob", &bob)] {
        for (method, path) in [
            (Method::HEAD, "/"),
            (Method::HEAD, "/api/me"),
            (Method::HEAD, "/dashboard"),
            (Method::HEAD, "/admin"),
            (Method::PUT, "/"),
            (Method::PUT, "/api/me"),
            (Method::POST, "/dashboard"),
            (Method::DELETE, "/admin"),
            (Method::POST, "/unauthorized"),
        ] {
            let label = format!("{method} {path} as {who}");
            r.send(b, &label, b.request(method, path)).await;
        }
    }
    r.steps
}

/// Form fields.
type Form<'a> = Vec<(&'a str, &'a str)>;

/// A script run against one server: (label, snapshot) per step.
type Script<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Vec<(String, Snapshot)>> + 'a>>;

/// Drives `script` through the demo on both frameworks; panics with every differing
/// step, both sides printed.
async fn assert_alike<F>(script: F, min_steps: usize)
where
    F: for<'a> Fn(&'a Server) -> Script<'a>,
{
    let mut records = Vec::new();
    for fw in Framework::ALL {
        let server = spawn(fw).await;
        records.push((fw, script(&server).await));
    }
    let (axum_fw, axum) = &records[0];
    let (actix_fw, actix) = &records[1];
    assert_eq!(*axum_fw, Framework::Axum);
    assert_eq!(*actix_fw, Framework::Actix);
    assert_eq!(axum.len(), actix.len(), "same number of steps");
    assert!(
        axum.len() >= min_steps,
        "the script ran: {} steps",
        axum.len()
    );

    let mut report = String::new();
    let mut differing = 0;
    for (i, ((label, a), (label_b, b))) in axum.iter().zip(actix).enumerate() {
        assert_eq!(label, label_b);
        if a != b {
            differing += 1;
            let _ = writeln!(report, "\n#{i} {label}");
            if a.status != b.status {
                let _ = writeln!(report, "  status: axum {} / actix {}", a.status, b.status);
            }
            if a.headers != b.headers {
                let _ = writeln!(
                    report,
                    "  headers:\n    axum  {:?}\n    actix {:?}",
                    a.headers, b.headers
                );
            }
            if a.set_cookies != b.set_cookies {
                let _ = writeln!(
                    report,
                    "  set-cookie:\n    axum  {:?}\n    actix {:?}",
                    a.set_cookies, b.set_cookies
                );
            }
            if a.body != b.body {
                let _ = writeln!(
                    report,
                    "  body:\n    axum  {:?}\n    actix {:?}",
                    a.body, b.body
                );
            }
        }
    }
    assert!(
        differing == 0,
        "{differing} of {} steps differ between the axum and the actix demo:{report}",
        axum.len()
    );
}

/// Replaces what differs by construction or chance: the server's address (also
/// percent-encoded), JWE compact tokens, 64-hex-digit values (CSRF tokens and hashes)
/// and ISO timestamps (`expires`).
fn normalize(s: &str, base: &str) -> String {
    let host = base.trim_start_matches("http://");
    let enc_host = host.replace(':', "%3A");
    let s = s
        .replace(base, "BASE")
        .replace(&format!("http%3A%2F%2F{enc_host}"), "BASE_ENC")
        .replace(
            &format!("http%253A%252F%252F{}", host.replace(':', "%253A")),
            "BASE_ENC2",
        )
        .replace(host, "HOST")
        .replace(&enc_host, "HOST_ENC");
    // `%7C` (the `|` of the CSRF cookie) would glue its `7C` to the hash after it.
    let s = s.replace("%7C", "\u{1}");
    let s = replace_runs(&s, |run| is_jwe(run).then_some("<JWE>"));
    let s = replace_runs(&s, |run| is_hex64(run).then_some("<HEX64>"));
    replace_iso(&s).replace('\u{1}', "%7C")
}

/// Replaces maximal runs of `[A-Za-z0-9._-]` for which `f` gives a replacement.
fn replace_runs(s: &str, f: impl Fn(&str) -> Option<&'static str>) -> String {
    let is_tok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let mut out = String::with_capacity(s.len());
    let mut run_start: Option<usize> = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        let tok = i < s.len() && is_tok(c);
        match (tok, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(start)) => {
                let run = &s[start..i];
                out.push_str(f(run).unwrap_or(run));
                run_start = None;
                if i < s.len() {
                    out.push(c);
                }
            }
            (false, None) if i < s.len() => out.push(c),
            _ => {}
        }
    }
    out
}

fn is_jwe(run: &str) -> bool {
    run.starts_with("eyJ") && run.split('.').count() == 5
}

fn is_hex64(run: &str) -> bool {
    run.len() == 64 && run.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Replaces `YYYY-MM-DDTHH:MM:SS(.sss)Z` with `<ISO>`.
fn replace_iso(s: &str) -> String {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    let bytes = s.as_bytes();
    let matches_at = |i: usize| {
        bytes.len() >= i + SHAPE.len()
            && SHAPE.iter().zip(&bytes[i..]).all(|(p, b)| match p {
                b'd' => b.is_ascii_digit(),
                p => p == b,
            })
    };
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if matches_at(i) {
            let mut j = i + SHAPE.len();
            if bytes.get(j) == Some(&b'.') {
                j += 1;
                while bytes.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
            }
            if bytes.get(j) == Some(&b'Z') {
                out.push_str("<ISO>");
                i = j + 1;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// `name=<normalized value>; Attr; Attr=value` with `Expires` as `<DATE>`.
fn normalize_cookie(line: &str, base: &str) -> String {
    let mut parts = line.split(';');
    let first = parts.next().unwrap_or("");
    let mut out = match first.split_once('=') {
        Some((name, value)) => format!("{}={}", name.trim(), normalize(value.trim(), base)),
        None => normalize(first.trim(), base),
    };
    for attr in parts {
        let attr = attr.trim();
        let (k, _) = attr.split_once('=').unwrap_or((attr, ""));
        out.push_str("; ");
        if k.trim().eq_ignore_ascii_case("expires") {
            out.push_str(k.trim());
            out.push_str("=<DATE>");
        } else {
            out.push_str(&normalize(attr, base));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_and_actix_demos_answer_alike() {
    assert_alike(|server| Box::pin(script(server)), 140).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_and_unsupported_methods_on_app_routes_answer_alike() {
    assert_alike(|server| Box::pin(method_script(server)), 27).await;
}

#[test]
fn normalization_keeps_what_matters() {
    let base = "http://127.0.0.1:41234";
    let hex = "a".repeat(64);
    assert_eq!(
        normalize(
            &format!(
                r#"{{"csrfToken":"{hex}","url":"{base}/x?callbackUrl=http%3A%2F%2F127.0.0.1%3A41234%2F","expires":"2026-01-02T03:04:05.678Z"}}"#
            ),
            base
        ),
        r#"{"csrfToken":"<HEX64>","url":"BASE/x?callbackUrl=BASE_ENC%2F","expires":"<ISO>"}"#
    );
    // A 63- or 65-digit run, a different status word or path is kept as is.
    let odd = "b".repeat(63);
    assert_eq!(normalize(&odd, base), odd);
    assert_eq!(
        normalize("/auth/signin?error=X", base),
        "/auth/signin?error=X"
    );
    assert_eq!(
        normalize_cookie(
            &format!("authjs.csrf-token={hex}%7C{hex}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; SameSite=Lax"),
            base
        ),
        "authjs.csrf-token=<HEX64>%7C<HEX64>; Path=/; Expires=<DATE>; HttpOnly; SameSite=Lax"
    );
    assert_eq!(
        normalize_cookie(
            "authjs.session-token=eyJhbGciOiJkaXIifQ..aXY.Y2lw.dGFn; Max-Age=0",
            base
        ),
        "authjs.session-token=<JWE>; Max-Age=0"
    );
    let v: Value = json!({"a": 1});
    assert_eq!(normalize(&v.to_string(), base), r#"{"a":1}"#);
}
