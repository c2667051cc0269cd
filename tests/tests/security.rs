//! CSRF, open redirects, host-header handling, cookie attributes and hostile input
//! (`reference/authjs-behaviour.md` §4, §7; DESIGN §3 "where we do better").

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use authgate::{AuthConfig, Credentials, User};
use authgate_tests::{
    assert_cookie_attrs, encode_uri_component, form_encode, get_with, hidden_input, raw_request,
    spawn, spawn_custom, spawn_with, suite, token_for, Browser, Framework, Resp, Server,
    CALLBACK_URL, CSRF, SECRET, SESSION,
};
use reqwest::{header::HeaderValue, Method};
use serde_json::{json, Value};

/// A server whose credentials provider counts `authorize` calls (and accepts anyone).
async fn counting_server(fw: Framework) -> (Server, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let server = spawn_custom(fw, move |url| {
        authgate_demo::configure(AuthConfig::builder().secret(SECRET).url(url)).provider(
            Credentials::new(move |creds, _| {
                let c = Arc::clone(&c);
                async move {
                    c.fetch_add(1, Ordering::SeqCst);
                    let name = creds.get("username").cloned().unwrap_or_default();
                    Ok(Some(User::new("9").name(name)))
                }
            })
            .id("counted"),
        )
    })
    .await;
    (server, calls)
}

// ---------------------------------------------------------------------------------
// CSRF
// ---------------------------------------------------------------------------------

async fn csrf_failures_never_reach_authorize(fw: Framework) {
    let (server, calls) = counting_server(fw).await;
    let other = spawn_custom(fw, |url| {
        authgate_demo::configure(
            AuthConfig::builder()
                .secret("a-completely-different-secret-for-this-test")
                .url(url),
        )
    })
    .await;
    let path = "/auth/callback/counted";
    let missing = format!("{}/auth/signin?error=MissingCSRF", server.base);
    let creds = [("username", "x"), ("password", "y")];

    // A token and cookie from a valid session of this server, for mixing.
    let donor = server.browser();
    let donor_token = donor.csrf().await;
    let donor_cookie = donor.cookie(CSRF).expect("donor cookie");
    // A cookie and token minted by a server with another secret.
    let foreign = other.browser();
    let foreign_token = foreign.csrf().await;
    let foreign_cookie = foreign.cookie(CSRF).expect("foreign cookie");

    struct Case {
        name: &'static str,
        cookie: Option<String>,
        token: Option<String>,
    }
    let forged_hash = format!("{donor_token}%7C{}", "0".repeat(64));
    let cases = [
        Case {
            name: "no cookie",
            cookie: None,
            token: Some(donor_token.clone()),
        },
        Case {
            name: "no body token",
            cookie: Some(donor_cookie.clone()),
            token: None,
        },
        Case {
            name: "empty body token",
            cookie: Some(donor_cookie.clone()),
            token: Some(String::new()),
        },
        Case {
            name: "wrong token",
            cookie: Some(donor_cookie.clone()),
            token: Some("f".repeat(64)),
        },
        Case {
            name: "upper-case token",
            cookie: Some(donor_cookie.clone()),
            token: Some(donor_token.to_uppercase()),
        },
        Case {
            name: "token with suffix",
            cookie: Some(donor_cookie.clone()),
            token: Some(format!("{donor_token}0")),
        },
        Case {
            name: "the whole cookie as token",
            cookie: Some(donor_cookie.clone()),
            token: Some(donor_cookie.replace("%7C", "|")),
        },
        Case {
            name: "forged hash",
            cookie: Some(forged_hash),
            token: Some(donor_token.clone()),
        },
        Case {
            name: "cookie without hash",
            cookie: Some(donor_token.clone()),
            token: Some(donor_token.clone()),
        },
        Case {
            name: "cookie from another secret",
            cookie: Some(foreign_cookie),
            token: Some(foreign_token),
        },
    ];
    for case in &cases {
        let b = server.browser();
        if let Some(c) = &case.cookie {
            b.set_cookie(CSRF, c);
        }
        let mut form: Vec<(&str, &str)> = creds.to_vec();
        if let Some(t) = &case.token {
            form.push(("csrfToken", t));
        }
        let res = b.post_form(path, &form).await;
        assert_eq!(res.status, 302, "{}", case.name);
        assert_eq!(res.location(), Some(missing.as_str()), "{}", case.name);
        assert!(res.set_cookie(SESSION).is_none(), "{}", case.name);
        // JSON body, same result.
        let b = server.browser();
        if let Some(c) = &case.cookie {
            b.set_cookie(CSRF, c);
        }
        let mut body = json!({"username": "x", "password": "y"});
        if let Some(t) = &case.token {
            body["csrfToken"] = json!(t);
        }
        let res = b.post_json(path, &body).await;
        assert_eq!(
            res.location(),
            Some(missing.as_str()),
            "{} (JSON)",
            case.name
        );
    }
    // The token in the query string does not count.
    let b = server.browser();
    b.set_cookie(CSRF, &donor_cookie);
    let res = b
        .send(
            b.request(Method::POST, &format!("{path}?csrfToken={donor_token}"))
                .form(&creds),
        )
        .await;
    assert_eq!(res.location(), Some(missing.as_str()), "query token");
    // A non-string token.
    let res = b
        .post_json(path, &json!({"csrfToken": 12345, "username": "x"}))
        .await;
    assert_eq!(res.location(), Some(missing.as_str()), "numeric token");
    // No body at all.
    let res = b.send(b.request(Method::POST, path)).await;
    assert_eq!(res.location(), Some(missing.as_str()), "no body");
    // GET on the callback never authorizes.
    let res = b
        .get(&format!(
            "{path}?username=x&password=y&csrfToken={donor_token}"
        ))
        .await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/error?error=Configuration", server.base).as_str())
    );

    assert_eq!(calls.load(Ordering::SeqCst), 0, "authorize never ran");

    // The control: a correct pair works and runs authorize once.
    let b = server.browser();
    b.set_cookie(CSRF, &donor_cookie);
    let mut form = creds.to_vec();
    form.push(("csrfToken", &donor_token));
    let res = b.post_form(path, &form).await;
    assert_eq!(res.location(), Some(server.base.as_str()));
    assert!(res.sets(SESSION));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

async fn csrf_guards_sign_out_and_update(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    b.sign_in("alice", "wonderland").await;
    let good = b.csrf().await;
    let cookie = b.cookie(CSRF).expect("csrf cookie");
    let missing = format!("{}/auth/signin?error=MissingCSRF", server.base);

    for (label, token) in [("none", None), ("wrong", Some("0".repeat(64)))] {
        let mut form = vec![("callbackUrl", "/bye".to_owned())];
        if let Some(t) = &token {
            form.push(("csrfToken", t.clone()));
        }
        let res = b
            .send(b.request(Method::POST, "/auth/signout").form(&form))
            .await;
        assert_eq!(res.location(), Some(missing.as_str()), "{label}");
        assert!(res.set_cookie(SESSION).is_none(), "{label}");

        let mut body = json!({"data": {"name": "Mallory"}});
        if let Some(t) = &token {
            body["csrfToken"] = json!(t);
        }
        let res = b.post_json("/auth/session", &body).await;
        assert_eq!(res.status, 400, "{label}");
        assert_eq!(res.body, "null");
    }
    // The right token with a cookie from elsewhere (cookie tossing) also fails.
    let other = server.browser();
    let other_token = other.csrf().await;
    b.set_cookie(CSRF, &other.cookie(CSRF).expect("cookie"));
    let res = b.post_form("/auth/signout", &[("csrfToken", &good)]).await;
    assert_eq!(res.location(), Some(missing.as_str()));
    b.set_cookie(CSRF, &cookie);
    let res = b
        .post_form("/auth/signout", &[("csrfToken", &other_token)])
        .await;
    assert_eq!(res.location(), Some(missing.as_str()));

    assert_eq!(
        b.session().await["user"]["name"],
        "Alice",
        "still signed in"
    );
}

// ---------------------------------------------------------------------------------
// Open redirects
// ---------------------------------------------------------------------------------

fn attack_payloads(server: &Server) -> Vec<String> {
    let hostport = server.base.trim_start_matches("http://");
    let port: u16 = hostport
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let other_port = if port == 65535 { port - 1 } else { port + 1 };
    let mut v: Vec<String> = [
        "//evil.com",
        "///evil.com",
        "////evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "\\/evil.com",
        "/%2F%2Fevil.com",
        "/%2Fevil.com",
        "%2F%2Fevil.com",
        "/%5Cevil.com",
        "/%5C%5Cevil.com",
        "%5C%5Cevil.com",
        "/%09/evil.com",
        "/\t/evil.com",
        "/\n/evil.com",
        "/\r\nLocation: https://evil.com",
        " //evil.com",
        "\t//evil.com",
        "\n//evil.com",
        "//evil.com ",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "%6A%61vascript:alert(1)",
        "javascript://%0Aalert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "file:///etc/passwd",
        "https://evil.com",
        "http://evil.com",
        "HTTPS://EVIL.COM/",
        "https:evil.com",
        "http:evil.com",
        "https:/evil.com",
        "http:\\\\evil.com",
        "evil.com",
        "evil.com/path",
        "",
        "ftp://evil.com",
        "/\u{3000}/evil.com",
        "/%E3%80%80/evil.com",
        "/\u{2028}/evil.com",
        "\u{FEFF}//evil.com",
        "//evil\u{3002}com",
        "/\u{0000}/evil.com",
        "http://[::ffff:7f00:1]/",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.extend([
        format!("http://{hostport}@evil.com"),
        format!("http://{hostport}@evil.com/"),
        format!("http://evil.com#@{hostport}"),
        format!("http://evil.com?@{hostport}"),
        format!("http://evil.com\\@{hostport}"),
        format!("http://{hostport}.evil.com/"),
        format!("http://{hostport}%2F@evil.com"),
        format!("http://{hostport}%40evil.com"),
        format!("http://user:pass@{hostport}/"),
        format!("http://{hostport}:{port}/"),
        format!("http://127.0.0.1:{other_port}/"),
        format!("https://{hostport}/"),
        format!("https://127.0.0.1:{port}"),
        format!("http://localhost:{port}/"),
        format!("ws://{hostport}/"),
        format!("//{hostport}/x"),
        format!("{hostport}/x"),
    ]);
    v
}

/// Payloads that a browser resolves to this very origin: they may be kept, but only
/// as a same-origin URL.
fn same_origin_oddities(server: &Server) -> Vec<String> {
    let hostport = server.base.trim_start_matches("http://");
    let port = hostport.rsplit(':').next().unwrap_or_default();
    vec![
        format!("http:{hostport}/x"),
        format!("http://0x7f000001:{port}/"),
        "/.//evil.com".to_owned(),
        "/%2e%2e//evil.com".to_owned(),
        "/..//evil.com".to_owned(),
        "/;//evil.com".to_owned(),
        "/?//evil.com".to_owned(),
        "/#//evil.com".to_owned(),
        "/%252F%252Fevil.com".to_owned(),
        format!("HTTP://{hostport}/upper"),
    ]
}

/// A `Location` is safe when it is the origin itself or a URL of the same origin.
fn assert_same_origin(location: Option<&str>, base: &str, what: &str) {
    let loc = location.unwrap_or_else(|| panic!("{what}: no Location"));
    if loc == base {
        return;
    }
    let want = reqwest::Url::parse(base).expect("base");
    let got = reqwest::Url::parse(loc).unwrap_or_else(|e| panic!("{what}: {loc:?} ({e})"));
    assert_eq!(got.origin(), want.origin(), "{what}: {loc:?}");
    assert!(
        got.username().is_empty() && got.password().is_none(),
        "{what}: {loc:?}"
    );
    assert!(
        loc.starts_with(&format!("{base}/")) || loc.to_ascii_lowercase().starts_with("http:"),
        "{what}: {loc:?}"
    );
}

/// Non-ASCII same-origin targets: kept, but a `Location` header must be an ASCII
/// URI-reference (RFC 9110 §10.2.2), so the path must arrive percent-encoded.
async fn non_ascii_callback_urls_are_encoded(fw: Framework) {
    let server = spawn(fw).await;
    let base = server.base.clone();
    let b = server.browser();
    for (input, want) in [
        ("/é".to_owned(), format!("{base}/%C3%A9")),
        (
            "/\u{FEFF}/evil.com".to_owned(),
            format!("{base}/%EF%BB%BF/evil.com"),
        ),
        (
            "/\u{FF0F}evil.com".to_owned(),
            format!("{base}/%EF%BC%8Fevil.com"),
        ),
        (format!("{base}/é"), format!("{base}/%C3%A9")),
    ] {
        let res = b.sign_in_to("alice", "wonderland", &input).await;
        let raw = res.headers.get("location").expect("Location");
        assert!(raw.as_bytes().is_ascii(), "{input:?}: {:?}", raw);
        assert_eq!(res.location(), Some(want.as_str()), "{input:?}");
    }
}

async fn same_origin_oddities_stay_home(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let csrf = b.csrf().await;
    for p in same_origin_oddities(&server) {
        let res = b.sign_in_to("alice", "wonderland", &p).await;
        assert_eq!(res.status, 302, "{p:?}");
        assert_same_origin(res.location(), &server.base, &p);
        let res = b
            .post_form(
                "/auth/signout",
                &[("csrfToken", &csrf), ("callbackUrl", &p)],
            )
            .await;
        assert_same_origin(res.location(), &server.base, &p);
        b.set_cookie(CALLBACK_URL, &encode_uri_component(&p));
        let res = b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
        assert_same_origin(res.location(), &server.base, &p);
    }
}

async fn redirect_attacks_in_sign_in_body(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let csrf = b.csrf().await;
    let payloads = attack_payloads(&server);
    assert!(payloads.len() >= 20);
    for p in &payloads {
        let res = b.sign_in_to("alice", "wonderland", p).await;
        assert_eq!(res.status, 302, "{p:?}");
        assert_eq!(res.location(), Some(server.base.as_str()), "{p:?}");
        // The stored callback URL is the safe one.
        if let Some(v) = res.cookie_value(CALLBACK_URL) {
            assert_eq!(v, encode_uri_component(&server.base), "{p:?}");
        }
        // Also in JSON mode.
        let res = b
            .send(
                b.request(Method::POST, "/auth/callback/credentials")
                    .header("X-Auth-Return-Redirect", "1")
                    .json(&json!({
                        "csrfToken": csrf, "username": "alice",
                        "password": "wonderland", "callbackUrl": p,
                    })),
            )
            .await;
        assert_eq!(res.json(), json!({"url": server.base}), "{p:?} (JSON)");
    }
}

async fn redirect_attacks_in_sign_in_page_query(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    for p in attack_payloads(&server) {
        let res = b
            .send(
                b.request(Method::GET, "/auth/signin")
                    .query(&[("callbackUrl", p.as_str())]),
            )
            .await;
        assert_eq!(res.status, 200, "{p:?}");
        assert_eq!(
            hidden_input(&res.body, "callbackUrl").as_deref(),
            Some(server.base.as_str()),
            "{p:?}"
        );
        assert!(!res.body.contains("evil.com"), "{p:?} reflected");
        // The sign-out page and the error page link are safe too.
        let res = b
            .send(
                b.request(Method::GET, "/auth/signout")
                    .query(&[("callbackUrl", p.as_str())]),
            )
            .await;
        assert_eq!(
            hidden_input(&res.body, "callbackUrl").as_deref(),
            Some(server.base.as_str()),
            "{p:?} signout page"
        );
        let res = b
            .send(
                b.request(Method::GET, "/auth/error")
                    .query(&[("callbackUrl", p.as_str()), ("error", "X")]),
            )
            .await;
        assert!(!res.body.contains("evil.com"), "{p:?} error page");
        assert!(!res.body.contains("javascript:"), "{p:?} error page");
    }
}

async fn redirect_attacks_in_callback_cookie(fw: Framework) {
    let server = spawn(fw).await;
    let payloads = attack_payloads(&server);
    for p in &payloads {
        // Sign-out with the cookie as the only callbackUrl.
        let b = server.browser();
        let csrf = b.csrf().await;
        b.set_cookie(CALLBACK_URL, &encode_uri_component(p));
        let res = b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
        assert_eq!(res.status, 302, "{p:?}");
        assert_eq!(res.location(), Some(server.base.as_str()), "{p:?}");
        assert_eq!(
            res.cookie_value(CALLBACK_URL),
            Some(encode_uri_component(&server.base).as_str()),
            "{p:?}: the cookie is replaced with the safe value"
        );
    }
    // Sign-in with the cookie as the only callbackUrl, signed in.
    let b = server.browser();
    let csrf = b.csrf().await;
    for p in payloads.iter().take(12) {
        b.set_cookie(CALLBACK_URL, &encode_uri_component(p));
        let res = b
            .post_form(
                "/auth/callback/credentials",
                &[
                    ("csrfToken", &csrf),
                    ("username", "bob"),
                    ("password", "builder"),
                ],
            )
            .await;
        assert_eq!(res.location(), Some(server.base.as_str()), "{p:?}");
        b.set_cookie(CALLBACK_URL, &encode_uri_component(p));
        let res = b.get("/auth/signin").await;
        assert_eq!(
            hidden_input(&res.body, "callbackUrl").as_deref(),
            Some(server.base.as_str()),
            "{p:?}"
        );
    }
}

async fn redirect_attacks_in_sign_out(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    for p in attack_payloads(&server) {
        b.sign_in("alice", "wonderland").await;
        let csrf = b.csrf().await;
        let res = b
            .post_form(
                "/auth/signout",
                &[("csrfToken", &csrf), ("callbackUrl", &p)],
            )
            .await;
        assert_eq!(res.status, 302, "{p:?}");
        assert_eq!(res.location(), Some(server.base.as_str()), "{p:?}");
        assert!(res.clears(SESSION), "{p:?}");
    }
}

async fn same_origin_callbacks_are_kept(fw: Framework) {
    let server = spawn(fw).await;
    let base = server.base.clone();
    let b = server.browser();
    let csrf = b.csrf().await;
    for (input, want) in [
        ("/".to_owned(), format!("{base}/")),
        ("/dashboard".to_owned(), format!("{base}/dashboard")),
        ("/a/b?c=d&e=f".to_owned(), format!("{base}/a/b?c=d&e=f")),
        ("/x#frag".to_owned(), format!("{base}/x#frag")),
        (base.clone(), base.clone()),
        (
            format!("{base}/deep/path?q=1"),
            format!("{base}/deep/path?q=1"),
        ),
    ] {
        let res = b.sign_in_to("alice", "wonderland", &input).await;
        assert_eq!(res.location(), Some(want.as_str()), "{input}");
        let res = b
            .send(
                b.request(Method::GET, "/auth/signin")
                    .query(&[("callbackUrl", input.as_str())]),
            )
            .await;
        assert_eq!(
            hidden_input(&res.body, "callbackUrl"),
            Some(want.clone()),
            "{input} page"
        );
        let res = b
            .post_form(
                "/auth/signout",
                &[("csrfToken", &csrf), ("callbackUrl", &input)],
            )
            .await;
        assert_eq!(res.location(), Some(want.as_str()), "{input} signout");
    }
}

// ---------------------------------------------------------------------------------
// Host headers
// ---------------------------------------------------------------------------------

fn with_evil_headers(b: &Browser, method: Method, path: &str) -> reqwest::RequestBuilder {
    b.request(method, path)
        .header("host", "evil.com")
        .header("x-forwarded-host", "evil.com")
        .header("x-forwarded-proto", "https")
        .header("forwarded", "host=evil.com;proto=https")
}

async fn canonical_url_beats_host_headers(fw: Framework) {
    let server = spawn(fw).await;
    let base = server.base.clone();
    let b = server.browser();
    let res = b
        .send(with_evil_headers(&b, Method::GET, "/auth/providers"))
        .await;
    assert_eq!(
        res.json()["credentials"]["signinUrl"],
        format!("{base}/auth/signin/credentials")
    );
    let res = b
        .send(with_evil_headers(&b, Method::GET, "/auth/csrf"))
        .await;
    let token = res.json()["csrfToken"].as_str().expect("token").to_owned();
    // http canonical URL: no __Host- cookie, no Secure, despite X-Forwarded-Proto.
    let line = res.set_cookie(CSRF).expect("plain csrf cookie");
    assert_cookie_attrs(line, false);
    assert!(res.set_cookie(&format!("__Host-{CSRF}")).is_none());

    let res = b
        .send(
            with_evil_headers(&b, Method::POST, "/auth/callback/credentials").form(&[
                ("csrfToken", token.as_str()),
                ("username", "alice"),
                ("password", "wonderland"),
                ("callbackUrl", "https://evil.com/x"),
            ]),
        )
        .await;
    assert_eq!(res.location(), Some(base.as_str()));
    assert!(res.sets(SESSION));
    let res = b
        .send(
            with_evil_headers(&b, Method::POST, "/auth/callback/credentials").form(&[
                ("csrfToken", token.as_str()),
                ("username", "alice"),
                ("password", "wonderland"),
                ("callbackUrl", "/dashboard"),
            ]),
        )
        .await;
    assert_eq!(res.location(), Some(format!("{base}/dashboard").as_str()));
    let res = b
        .send(with_evil_headers(&b, Method::GET, "/auth/signin"))
        .await;
    assert!(res
        .body
        .contains(&format!(r#"action="{base}/auth/callback/credentials""#)));
    assert!(!res.body.contains("evil.com"));
    let res = b
        .send(with_evil_headers(
            &b,
            Method::GET,
            "/auth/signin/credentials",
        ))
        .await;
    assert_eq!(
        res.location(),
        Some(format!("{base}/auth/error?error=Configuration").as_str())
    );
    // The session is read with the canonical scheme's cookie names.
    let res = b
        .send(with_evil_headers(&b, Method::GET, "/auth/session"))
        .await;
    assert_eq!(res.json()["user"]["name"], "Alice");
    // Guards build their redirect from the canonical URL.
    let anon = server.browser();
    let res = anon
        .send(with_evil_headers(&anon, Method::GET, "/dashboard").header("accept", "text/html"))
        .await;
    assert_eq!(
        res.location(),
        Some(
            format!(
                "{base}/auth/signin?callbackUrl={}",
                form_encode(&format!("{base}/dashboard"))
            )
            .as_str()
        )
    );
}

async fn trust_host_honours_forwarded_headers(fw: Framework) {
    let server = spawn_custom(fw, |_url| {
        authgate_demo::configure(AuthConfig::builder().secret(SECRET).trust_host(true))
    })
    .await;
    let b = server.browser();
    let fwd = |m: Method, p: &str| {
        b.request(m, p)
            .header("x-forwarded-host", "app.example")
            .header("x-forwarded-proto", "https")
    };
    let res = b.send(fwd(Method::GET, "/auth/providers")).await;
    assert_eq!(
        res.json()["credentials"]["callbackUrl"],
        "https://app.example/auth/callback/credentials"
    );
    let res = b.send(fwd(Method::GET, "/auth/csrf")).await;
    let token = res.json()["csrfToken"].as_str().expect("token").to_owned();
    let line = res
        .set_cookie("__Host-authjs.csrf-token")
        .expect("__Host- csrf cookie");
    assert_cookie_attrs(line, true);
    let line = res
        .set_cookie("__Secure-authjs.callback-url")
        .expect("__Secure- callback cookie");
    assert_cookie_attrs(line, true);
    assert_eq!(
        res.cookie_value("__Secure-authjs.callback-url"),
        Some(encode_uri_component("https://app.example").as_str())
    );
    assert!(res.set_cookie(CSRF).is_none());

    let res = b
        .send(fwd(Method::POST, "/auth/callback/credentials").form(&[
            ("csrfToken", token.as_str()),
            ("username", "alice"),
            ("password", "wonderland"),
            ("callbackUrl", "/dashboard"),
        ]))
        .await;
    assert_eq!(res.status, 302);
    assert_eq!(res.location(), Some("https://app.example/dashboard"));
    let line = res
        .set_cookie("__Secure-authjs.session-token")
        .expect("__Secure- session cookie");
    assert_cookie_attrs(line, true);
    assert!(res.set_cookie(SESSION).is_none());
    let token = res
        .cookie_value("__Secure-authjs.session-token")
        .expect("value");
    // Encrypted with the __Secure- cookie name as salt.
    let claims = authgate_tests::codec_for(&[SECRET], "__Secure-authjs.session-token")
        .decode(token)
        .expect("decodes with the __Secure- salt");
    assert_eq!(claims["sub"], "1");

    let res = b.send(fwd(Method::GET, "/auth/session")).await;
    assert_eq!(res.json()["user"]["name"], "Alice");
    assert!(res.sets("__Secure-authjs.session-token"));
    // Over plain http (no forwarded proto), the __Secure- cookie is not the session.
    let res = b.get("/auth/session").await;
    assert_eq!(res.body, "null");
    let res = b
        .send(
            b.request(Method::GET, "/auth/providers")
                .header("x-forwarded-host", "other.example")
                .header("x-forwarded-proto", "http"),
        )
        .await;
    assert_eq!(
        res.json()["credentials"]["signinUrl"],
        "http://other.example/auth/signin/credentials"
    );
    // The Host header alone is used when nothing is forwarded.
    let res = b.get("/auth/providers").await;
    assert_eq!(
        res.json()["credentials"]["signinUrl"],
        format!("{}/auth/signin/credentials", server.base)
    );
    // A Host that is not a plain host[:port] is refused, never a 500.
    for bad in ["evil.com/x", "a@evil.com", "evil.com\\x", "ev il.com"] {
        let res = b
            .send(
                b.request(Method::GET, "/auth/csrf")
                    .header("x-forwarded-host", bad),
            )
            .await;
        assert!(res.status < 500, "{bad}: {}", res.status);
    }
}

async fn https_canonical_url_uses_secure_cookies(fw: Framework) {
    let server = spawn_with(fw, |b| b.url("https://app.example")).await;
    let b = server.browser();
    let res = b.get("/auth/csrf").await;
    let token = res.json()["csrfToken"].as_str().expect("token").to_owned();
    assert_cookie_attrs(
        res.set_cookie("__Host-authjs.csrf-token").expect("__Host-"),
        true,
    );
    assert_cookie_attrs(
        res.set_cookie("__Secure-authjs.callback-url")
            .expect("__Secure-"),
        true,
    );
    let res = b
        .post_form(
            "/auth/callback/credentials",
            &[
                ("csrfToken", &token),
                ("username", "alice"),
                ("password", "wonderland"),
                ("callbackUrl", "/dashboard"),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("https://app.example/dashboard"));
    assert_cookie_attrs(
        res.set_cookie("__Secure-authjs.session-token")
            .expect("__Secure- session"),
        true,
    );
    assert_eq!(b.session().await["user"]["name"], "Alice");
    let res = b.get("/api/me").await;
    assert_eq!(res.status, 200, "app routes read the __Secure- cookie");
    assert_eq!(res.json()["user"]["name"], "Alice");
    let res = b.post_form("/auth/signout", &[("csrfToken", &token)]).await;
    assert!(res.clears("__Secure-authjs.session-token"));
    assert_cookie_attrs(
        res.set_cookie("__Secure-authjs.session-token")
            .expect("cleared"),
        true,
    );
}

async fn every_cookie_has_safe_attributes(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let mut all: Vec<String> = Vec::new();
    let mut keep = |r: &Resp| all.extend(r.set_cookies().into_iter().map(str::to_owned));
    keep(&b.get("/auth/signin?callbackUrl=%2Fa").await);
    let csrf = b.csrf().await;
    keep(
        &b.post_form(
            "/auth/callback/credentials",
            &[
                ("csrfToken", &csrf),
                ("username", "alice"),
                ("password", "wonderland"),
                ("callbackUrl", "/b"),
            ],
        )
        .await,
    );
    keep(&b.get("/auth/session").await);
    keep(
        &b.post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"name": "Z"}}),
        )
        .await,
    );
    b.set_cookie(SESSION, "garbage");
    keep(&b.get("/auth/session").await);
    b.sign_in("alice", "wonderland").await;
    keep(&b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await);
    assert!(all.len() >= 6, "{all:?}");
    for line in &all {
        assert_cookie_attrs(line, false);
    }
    assert!(all.iter().any(|l| l.starts_with(SESSION)));
    assert!(all.iter().any(|l| l.starts_with(CSRF)));
    assert!(all.iter().any(|l| l.starts_with(CALLBACK_URL)));
}

// ---------------------------------------------------------------------------------
// Hostile input never 500s
// ---------------------------------------------------------------------------------

async fn garbage_cookies(fw: Framework) {
    let server = spawn(fw).await;
    let cookies = [
        format!("{SESSION}=%%%zz"),
        format!("{SESSION}=%FF%FE"),
        format!("{SESSION}=a.b.c.d.e"),
        format!("{SESSION}=....."),
        format!("{SESSION}={}", "A".repeat(5000)),
        format!("{SESSION}.0=abc; {SESSION}.1=def"),
        format!("{SESSION}.99999999999999999999999=x"),
        format!("{SESSION}.-1=x; {SESSION}.x=y"),
        format!("{SESSION}=\"quoted\""),
        format!("{CSRF}=|"),
        format!("{CSRF}=%7C%7C%7C"),
        format!("{CSRF}={}", "z".repeat(3000)),
        format!("{CALLBACK_URL}=%FF"),
        format!("{CALLBACK_URL}=javascript%3Aalert(1)"),
        ";;;==;=;".to_owned(),
        "=".to_owned(),
        "novalue".to_owned(),
    ];
    let b = Browser::new(&server.base);
    for cookie in &cookies {
        for path in [
            "/auth/session",
            "/auth/csrf",
            "/auth/signin",
            "/auth/signout",
            "/auth/error?error=X",
            "/api/me",
            "/",
            "/dashboard",
        ] {
            let res = b
                .send(b.bare(Method::GET, path).header("cookie", cookie.as_str()))
                .await;
            assert!(res.status < 500, "{path} with {cookie}: {}", res.status);
            if path == "/auth/session" {
                assert_eq!(res.body, "null", "{cookie}");
            }
            if path == "/api/me" {
                assert_eq!(res.status, 401, "{cookie}");
            }
        }
        let res = b
            .send(
                b.bare(Method::POST, "/auth/callback/credentials")
                    .header("cookie", cookie.as_str())
                    .form(&[("csrfToken", "x"), ("username", "alice")]),
            )
            .await;
        assert_eq!(res.status, 302, "{cookie}");
    }
    // Non-UTF-8 cookie bytes, over a raw socket.
    let host = server.base.trim_start_matches("http://");
    let mut req = format!(
        "GET /auth/session HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nCookie: {SESSION}="
    )
    .into_bytes();
    req.extend_from_slice(b"\xff\xfe\x80abc\r\n\r\n");
    let res = raw_request(&server.base, req).await;
    assert!(res.status > 0 && res.status < 500, "{}", res.head);
}

/// Issue 11 item 2: a cookie with raw UTF-8 (as `document.cookie` sets it) beside the
/// CSRF or session cookie hides nothing.
async fn non_ascii_cookie_hides_nothing(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let csrf = b.csrf().await;
    let csrf_pair = b.cookie_pair(CSRF).expect("CSRF cookie");
    let cookie = HeaderValue::from_bytes(format!("{csrf_pair}; theme=café").as_bytes())
        .expect("obs-text header value");
    let res = b
        .send(
            b.bare(Method::POST, "/auth/callback/credentials")
                .header("cookie", cookie)
                .form(&[
                    ("csrfToken", csrf.as_str()),
                    ("username", "alice"),
                    ("password", "wonderland"),
                    ("callbackUrl", "/"),
                ]),
        )
        .await;
    assert_eq!(res.status, 302);
    let location = res.location().unwrap_or_default();
    assert!(!location.contains("error"), "{location}");
    let session = res
        .cookie_value(SESSION)
        .expect("session cookie")
        .to_owned();
    for cookie in [
        format!("pref=café; {SESSION}={session}"),
        format!("{SESSION}={session}; pref=café"),
    ] {
        let value = HeaderValue::from_bytes(cookie.as_bytes()).expect("obs-text");
        let res = b
            .send(b.bare(Method::GET, "/api/me").header("cookie", value))
            .await;
        assert_eq!(res.status, 200, "{cookie}");
    }
    // Over a raw socket too, with a pair that is not UTF-8 at all.
    let host = server.base.trim_start_matches("http://");
    let mut req = format!(
        "GET /api/me HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nCookie: pref=caf\u{e9}; bad="
    )
    .into_bytes();
    req.extend_from_slice(b"\xff\xfe; ");
    req.extend_from_slice(format!("{SESSION}={session}\r\n\r\n").as_bytes());
    let res = raw_request(&server.base, req).await;
    assert_eq!(res.status, 200, "{}", res.head);
}

/// The `Set-Cookie` headers of a raw response.
fn raw_set_cookies(head: &str) -> usize {
    head.lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .count()
}

/// Issue 11 item 3: thousands of bogus chunk cookies get a clearing answer bounded by
/// the chunk maximum (8) plus a few, never one per cookie sent.
async fn chunk_cookie_amplification_is_bounded(fw: Framework) {
    let server = spawn(fw).await;
    let host = server.base.trim_start_matches("http://");
    let max = server.auth.config().max_session_chunks();
    for pairs in [14_000, 2_000, 300] {
        let cookie: Vec<String> = (0..pairs)
            .map(|i| {
                format!(
                    "{SESSION}.{}=x",
                    i % (pairs / 2) + usize::from(i % 7 == 0) * 100_000
                )
            })
            .collect();
        let cookie = cookie.join("; ");
        for path in ["/auth/session", "/api/me", "/dashboard"] {
            let req = format!(
                "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nCookie: {cookie}\r\n\r\n"
            );
            let res = raw_request(&server.base, req.into_bytes()).await;
            let sent = raw_set_cookies(&res.head);
            assert!(
                sent <= max + 3,
                "{path} with {pairs} chunk cookies: {sent} Set-Cookie ({})",
                res.status
            );
            if pairs == 300 {
                assert!(res.status > 0 && res.status < 500, "{}", res.head);
                if path != "/dashboard" {
                    assert!(sent > 0, "{path}: the bogus session is cleared");
                }
            }
        }
    }
}

/// Issue 11 item 4: every response that sets a session cookie forbids storing it.
async fn session_cookies_are_never_cacheable(fw: Framework) {
    let server = spawn(fw).await;
    let claims = json!({"name": "Alice", "id": "1", "role": "admin"});
    // App routes answered with a re-issued (sliding) session cookie.
    for path in ["/api/me", "/dashboard", "/admin", "/"] {
        let b = server.browser();
        b.set_cookie(SESSION, &token_for("1", 25 * 3600, 3600, &claims));
        let res = b.get(path).await;
        assert!(res.sets(SESSION), "{path}: re-issued");
        assert_eq!(
            res.header("cache-control"),
            Some("private, no-store"),
            "{path}"
        );
    }
    // A garbage session cookie is cleared: the clearing answer is not stored either.
    let res = get_with(
        &server.base,
        "/api/me",
        Some(&format!("{SESSION}=junk")),
        None,
    )
    .await;
    assert!(res.clears(SESSION));
    assert_eq!(res.header("cache-control"), Some("private, no-store"));
    // A fresh session is not re-issued: nothing to forbid.
    let b = server.browser();
    b.set_cookie(SESSION, &token_for("1", 0, 3600, &claims));
    let res = b.get("/api/me").await;
    assert_eq!(res.status, 200);
    assert!(!res.sets(SESSION));
    assert_eq!(res.header("cache-control"), None);
    // Auth routes: sign-in, POST /session (unlike Auth.js), GET /session, sign-out.
    let b = server.browser();
    let res = b.sign_in("alice", "wonderland").await;
    assert!(res.sets(SESSION));
    assert_eq!(
        res.header("cache-control"),
        Some("private, no-store"),
        "sign-in"
    );
    let csrf = b.csrf().await;
    let res = b
        .post_json("/auth/session", &json!({"csrfToken": csrf, "data": {}}))
        .await;
    assert!(res.sets(SESSION), "{:?}", res.set_cookies());
    assert_eq!(
        res.header("cache-control"),
        Some("private, no-store"),
        "POST /session"
    );
    let res = b.get("/auth/session").await;
    assert_eq!(
        res.header("cache-control"),
        Some("private, no-cache, no-store")
    );
    let res = b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
    assert!(res.clears(SESSION));
    assert_eq!(
        res.header("cache-control"),
        Some("private, no-store"),
        "sign-out"
    );
}

/// Issue 11 item 10: the built-in pages are never framed.
async fn built_in_pages_refuse_framing(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    for path in [
        "/auth/signin",
        "/auth/signin?error=CredentialsSignin",
        "/auth/signout",
        "/auth/error?error=Configuration",
        "/auth/error?error=AccessDenied",
        "/auth/verify-request",
    ] {
        let res = b.get_page(path).await;
        assert!(
            res.header("content-type")
                .unwrap_or_default()
                .starts_with("text/html"),
            "{path}: {}",
            res.status
        );
        assert_eq!(res.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            res.header("content-security-policy"),
            Some("frame-ancestors 'none'"),
            "{path}"
        );
    }
}

/// One header of a raw response (first one, name case-insensitive).
fn raw_header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// Issue 11 item 11: an over-long callback URL is dropped, never echoed into the
/// `Location` or the callback-url cookie.
async fn oversized_callback_urls_are_dropped(fw: Framework) {
    let server = spawn(fw).await;
    let host = server.base.trim_start_matches("http://");
    for len in [65_000, 3_000] {
        let long = "a".repeat(len);
        for path in [
            format!("/dashboard?{long}"),
            format!("/dashboard?x={long}"),
            format!("/auth/signin?callbackUrl=%2F{long}"),
            format!(
                "/auth/signin?callbackUrl={}/{long}",
                encode_uri_component(&server.base)
            ),
        ] {
            let req = format!(
                "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
            );
            let res = raw_request(&server.base, req.into_bytes()).await;
            let what = format!("{}... ({len} bytes)", &path[..30]);
            if len > 8_000 && matches!(res.status, 400 | 414 | 431) {
                // The server refused the URI itself: fine at that size.
                continue;
            }
            assert!(res.status > 0 && res.status < 500, "{what}: {}", res.head);
            assert!(
                res.head.len() < 4_000,
                "{what}: {} bytes of head",
                res.head.len()
            );
            let body = String::from_utf8_lossy(&res.body);
            assert!(!body.contains(&long), "{what}: the long URL is in the page");
            if let Some(location) = raw_header(&res.head, "location") {
                assert!(!location.contains("callbackUrl"), "{what}: {location}");
            }
            if path.starts_with("/dashboard") && len == 3_000 {
                let location = raw_header(&res.head, "location").unwrap_or_default();
                assert!(location.contains("/auth/signin"), "{what}: {}", res.head);
            }
            if path.starts_with("/auth/signin") && len == 3_000 {
                assert_eq!(res.status, 200, "{what}");
                let cookie = res.head.lines().find(|l| {
                    l.to_ascii_lowercase()
                        .starts_with(&format!("set-cookie: {CALLBACK_URL}="))
                });
                let cookie = cookie.unwrap_or_default();
                assert!(
                    cookie.contains(&encode_uri_component(&server.base)) && cookie.len() < 300,
                    "{what}: the callback cookie holds the origin: {cookie}"
                );
            }
        }
    }
    // Just below the limit, a guarded URL is still carried along.
    let b = server.browser();
    let path = format!("/dashboard?x={}", "a".repeat(1_900));
    let res = b.get_page(&path).await;
    let location = res.location().unwrap_or_default();
    assert!(location.contains("callbackUrl"), "{location}");
}

/// A log sink for one future's events.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("log buffer poisoned"))?
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

/// Issue 11 item 6: a garbage session cookie logs at `debug`, never `info` or above.
async fn garbage_session_cookies_log_at_debug(fw: Framework) {
    use tracing::instrument::WithSubscriber;
    let server = spawn(fw).await;
    let uri: authgate::http::Uri = format!("{}/api/me", server.base).parse().expect("uri");
    for level in [tracing::Level::INFO, tracing::Level::DEBUG] {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        let subscriber = tracing::Dispatch::new(subscriber);
        for cookie in [
            format!("{SESSION}=junk"),
            format!("{SESSION}.0=a; {SESSION}.1=b"),
        ] {
            let mut headers = authgate::http::HeaderMap::new();
            headers.insert(
                "cookie",
                authgate::http::HeaderValue::from_str(&cookie).expect("ascii"),
            );
            let outcome = server
                .auth
                .session(&headers, &uri)
                .with_subscriber(subscriber.clone())
                .await;
            assert!(outcome.session.is_none());
        }
        let text = captured.text();
        if level == tracing::Level::INFO {
            assert!(text.is_empty(), "logged above debug: {text}");
        } else {
            assert!(text.contains("token rejected"), "{text}");
        }
    }
}

async fn odd_urls_and_headers(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    for path in [
        "/auth/signin?callbackUrl=%ZZ%",
        "/auth/signin?callbackUrl=%E0%A4%A",
        "/auth/signin?callbackUrl=%00",
        "/auth/error?error=%E0%A4%A",
        "/auth/error?error=%00%0D%0ASet-Cookie:%20x=y",
        "/auth/signin?error=%FF&code=%FE",
        "/auth/csrf?callbackUrl=",
        "/auth/session?&&&==&",
        "/auth/verify-request?%%%",
        "/dashboard?%ZZ",
    ] {
        let res = b.get(path).await;
        assert!(res.status < 500, "{path}: {}", res.status);
        assert!(
            res.set_cookies().iter().all(|c| !c.starts_with("x=")),
            "{path}: header injection"
        );
    }
    // Large and odd headers.
    let big = "a".repeat(16 * 1024);
    for (name, value) in [
        ("x-forwarded-host", big.as_str()),
        ("x-forwarded-proto", big.as_str()),
        ("x-auth-return-redirect", big.as_str()),
        ("accept", big.as_str()),
        ("content-type", big.as_str()),
    ] {
        let res = b
            .send(b.request(Method::GET, "/auth/session").header(name, value))
            .await;
        assert!(res.status < 500, "{name}: {}", res.status);
    }
    let many: Vec<String> = (0..200).map(|i| format!("c{i}=v{i}")).collect();
    let res = b
        .send(
            b.request(Method::GET, "/auth/session")
                .header("cookie", many.join("; ")),
        )
        .await;
    assert!(res.status < 500);
    let res = b
        .send(
            b.request(Method::GET, "/api/me")
                .header("cookie", many.join("; ")),
        )
        .await;
    assert_eq!(res.status, 401);
    // No Host header at all, over a raw socket (HTTP/1.0).
    let res = raw_request(
        &server.base,
        b"GET /auth/csrf HTTP/1.0\r\nConnection: close\r\n\r\n".to_vec(),
    )
    .await;
    assert!(res.status > 0 && res.status < 500, "{}", res.head);
}

async fn odd_bodies(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let csrf = b.csrf().await;
    let missing = format!("{}/auth/signin?error=MissingCSRF", server.base);
    let bodies: [(&str, Vec<u8>); 12] = [
        ("application/json", b"[1,2,3]".to_vec()),
        ("application/json", b"\"string\"".to_vec()),
        ("application/json", b"null".to_vec()),
        ("application/json", b"{bad json".to_vec()),
        ("application/json", b"".to_vec()),
        ("application/json", b"\xff\xfe".to_vec()),
        ("application/x-www-form-urlencoded", b"%%%&&&===".to_vec()),
        (
            "application/x-www-form-urlencoded",
            b"csrfToken=%FF%FE".to_vec(),
        ),
        ("text/plain", format!("csrfToken={csrf}").into_bytes()),
        ("multipart/form-data; boundary=x", b"--x--".to_vec()),
        ("", format!("csrfToken={csrf}").into_bytes()),
        ("application/xml", b"<a/>".to_vec()),
    ];
    for (ct, body) in &bodies {
        for path in [
            "/auth/callback/credentials",
            "/auth/signin",
            "/auth/signout",
        ] {
            let mut req = b.request(Method::POST, path).body(body.clone());
            if !ct.is_empty() {
                req = req.header("content-type", *ct);
            }
            let res = b.send(req).await;
            assert_eq!(res.status, 302, "{path} {ct} {body:?}");
            assert_eq!(res.location(), Some(missing.as_str()), "{path} {ct}");
        }
        let mut req = b.request(Method::POST, "/auth/session").body(body.clone());
        if !ct.is_empty() {
            req = req.header("content-type", *ct);
        }
        let res = b.send(req).await;
        assert_eq!(res.status, 400, "session {ct} {body:?}");
        assert_eq!(res.body, "null");
    }
    // Content-Type variants that are still form / JSON.
    let res = b
        .send(
            b.request(Method::POST, "/auth/signin")
                .header(
                    "content-type",
                    "application/x-www-form-urlencoded; charset=UTF-8",
                )
                .body(format!("csrfToken={csrf}")),
        )
        .await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/signin", server.base).as_str())
    );
    let res = b
        .send(
            b.request(Method::POST, "/auth/signin")
                .header("content-type", "Application/JSON")
                .body(json!({"csrfToken": csrf}).to_string()),
        )
        .await;
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/signin", server.base).as_str())
    );
    // Non-UTF-8 credentials with a valid token: a refusal, not a crash.
    let mut body = format!("csrfToken={csrf}&username=").into_bytes();
    body.extend_from_slice(b"%FF%FE\xff&password=\xfe");
    let res = b
        .send(
            b.request(Method::POST, "/auth/callback/credentials")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await;
    assert_eq!(
        res.location(),
        Some(
            format!(
                "{}/auth/signin?error=CredentialsSignin&code=credentials",
                server.base
            )
            .as_str()
        )
    );
    // Odd `data` in a session update with a valid token.
    b.sign_in("alice", "wonderland").await;
    for data in [
        json!("not json"),
        json!(42),
        json!(null),
        json!([1, 2]),
        json!({"name": 7}),
        json!({"name": {"nested": true}}),
    ] {
        let res = b
            .post_json("/auth/session", &json!({"csrfToken": csrf, "data": data}))
            .await;
        assert_eq!(res.status, 200, "{data}");
        assert_eq!(res.json()["user"]["name"], "Alice", "{data}");
    }
    let res = b
        .post_form("/auth/session", &[("csrfToken", &csrf), ("data", "{bad")])
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["user"]["name"], "Alice");
    assert_eq!(b.session().await["user"]["name"], Value::from("Alice"));
}

// ---------------------------------------------------------------------------------
// Pages escape what the app configures; bad configs fail at build time
// ---------------------------------------------------------------------------------

async fn pages_escape_config_strings(fw: Framework) {
    let server = spawn_custom(fw, |url| {
        AuthConfig::builder()
            .secret(SECRET)
            .url(url)
            .theme(authgate::Theme {
                brand_color: "red;}</style><script>alert(1)</script>".into(),
                logo: Some("\"><script>alert(2)</script>".into()),
                button_text: "#fff;}</style><script>alert(3)</script>".into(),
            })
            .provider(
                Credentials::new(|_, _| async { Ok(None) })
                    .name("<img src=x onerror=alert(4)>")
                    .fields([authgate::CredentialField {
                        name: "pin\"><script>alert(5)</script>".into(),
                        label: "<b>PIN</b>".into(),
                        input_type: "password".into(),
                    }]),
            )
    })
    .await;
    let b = server.browser();
    for path in [
        "/auth/signin",
        "/auth/signin?error=CredentialsSignin",
        "/auth/signout",
        "/auth/error?error=AccessDenied",
        "/auth/verify-request",
    ] {
        let res = b.get(path).await;
        assert!(res.status < 500, "{path}");
        for bad in ["<script>", "<img src=x", "<b>PIN", "</style><"] {
            assert!(!res.body.contains(bad), "{path}: {bad} in {}", res.body);
        }
    }
}

async fn bad_configs_fail_at_build(_fw: Framework) {
    use authgate::{AuthConfigBuilder, Pages, SessionStrategy};
    let url = "http://localhost:3000";
    let ok = || {
        AuthConfig::builder()
            .secret(SECRET)
            .url(url)
            .provider(Credentials::new(|_, _| async { Ok(None) }))
    };
    assert!(ok().build().is_ok(), "the control builds");
    let page = |p: &str| {
        ok().pages(Pages {
            sign_in: Some(p.to_owned()),
            ..Pages::default()
        })
    };
    let cases: Vec<(&str, AuthConfigBuilder)> = vec![
        ("no secret", AuthConfig::builder().url(url)),
        ("empty secret", ok().secret("")),
        ("empty secret in list", ok().secrets([SECRET, ""])),
        (
            "no url, no trust_host",
            AuthConfig::builder().secret(SECRET),
        ),
        ("ftp url", ok().url("ftp://example.com")),
        ("relative url", ok().url("/auth")),
        ("url with query", ok().url("http://localhost:3000/?x=1")),
        ("url with fragment", ok().url("http://localhost:3000/#x")),
        ("javascript page", page("javascript:alert(1)")),
        ("protocol-relative page", page("//evil.com/login")),
        ("relative page", page("login")),
        ("base path without slash", ok().base_path("auth")),
        ("base path with //", ok().base_path("//evil.com")),
        ("base path with ?", ok().base_path("/auth?x")),
        (
            "duplicate provider",
            ok().provider(Credentials::new(|_, _| async { Ok(None) })),
        ),
        (
            "odd provider id",
            ok().provider(Credentials::new(|_, _| async { Ok(None) }).id("a/b")),
        ),
        ("odd error code", ok().error_code("a b", "msg")),
        (
            "credentials with database sessions",
            ok().strategy(SessionStrategy::Database),
        ),
        ("zero max_age", ok().max_age(std::time::Duration::ZERO)),
        (
            "update_age above max_age",
            ok().max_age(std::time::Duration::from_secs(60))
                .update_age(std::time::Duration::from_secs(61)),
        ),
        (
            "Duration::MAX max_age",
            ok().max_age(std::time::Duration::MAX),
        ),
        (
            "max_age above 100 years",
            ok().max_age(std::time::Duration::from_secs(101 * 366 * 24 * 3600)),
        ),
    ];
    for (what, builder) in cases {
        let err = builder.build().expect_err(what);
        assert!(matches!(err, authgate::Error::Config(_)), "{what}: {err:?}");
    }
    let vars = |pairs: &[(&str, &str)]| {
        AuthConfig::from_vars(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
    };
    assert!(
        vars(&[("AUTH_SECRET", SECRET), ("AUTH_TRUST_HOST", "maybe")])
            .build()
            .is_err()
    );
    assert!(
        vars(&[("AUTH_SECRET", SECRET), ("AUTH_TRUST_HOST", "false")])
            .build()
            .is_err(),
        "AUTH_TRUST_HOST=false does not trust the host (unlike Auth.js)"
    );
    assert!(
        vars(&[("AUTH_SECRET", SECRET), ("AUTH_TRUST_HOST", "true")])
            .build()
            .is_ok()
    );
    assert!(vars(&[("AUTH_URL", url)]).build().is_err(), "no secret");
}

suite!(
    non_ascii_callback_urls_are_encoded,
    pages_escape_config_strings,
    bad_configs_fail_at_build,
    csrf_failures_never_reach_authorize,
    csrf_guards_sign_out_and_update,
    redirect_attacks_in_sign_in_body,
    redirect_attacks_in_sign_in_page_query,
    redirect_attacks_in_callback_cookie,
    redirect_attacks_in_sign_out,
    same_origin_callbacks_are_kept,
    same_origin_oddities_stay_home,
    canonical_url_beats_host_headers,
    trust_host_honours_forwarded_headers,
    https_canonical_url_uses_secure_cookies,
    every_cookie_has_safe_attributes,
    garbage_cookies,
    non_ascii_cookie_hides_nothing,
    chunk_cookie_amplification_is_bounded,
    session_cookies_are_never_cacheable,
    built_in_pages_refuse_framing,
    oversized_callback_urls_are_dropped,
    garbage_session_cookies_log_at_debug,
    odd_urls_and_headers,
    odd_bodies,
);
