//! Every auth route: status codes, headers and JSON shapes as Auth.js v5
//! (`reference/authjs-behaviour.md` §0, §1 and §4).

use authgate::Pages;
use authgate_tests::{
    assert_cookie_attrs, decode_token, form_encode, hidden_input, now, raw_request, spawn,
    spawn_with, suite, token_for, Browser, Framework, Resp, Server, CALLBACK_URL, CREDENTIALS,
    CSRF, SESSION,
};
use reqwest::Method;
use serde_json::{json, Value};

fn assert_no_store(res: &Resp) {
    assert_eq!(
        res.header("cache-control"),
        Some("private, no-cache, no-store"),
        "Cache-Control"
    );
    assert_eq!(res.header("pragma"), Some("no-cache"), "Pragma");
    assert_eq!(res.header("expires"), Some("0"), "Expires");
}

fn assert_bad_request(res: &Resp, what: &str) {
    assert_eq!(res.status, 400, "{what}: status");
    assert_eq!(res.json(), json!("Bad request."), "{what}: body");
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{what}: content-type"
    );
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

async fn signed_in(server: &Server, user: &str, password: &str) -> Browser {
    let b = server.browser();
    let res = b.sign_in(user, password).await;
    assert_eq!(res.status, 302, "sign-in of {user}");
    assert!(b.cookie(SESSION).is_some(), "{user} has a session cookie");
    b
}

// ---------------------------------------------------------------------------------
// R1 providers
// ---------------------------------------------------------------------------------

async fn providers_lists_credentials(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b.get("/auth/providers").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert!(res.set_cookies().is_empty(), "providers sets no cookie");
    let json = res.json();
    let base = format!("{}/auth", server.base);
    assert_eq!(
        json,
        serde_json::json!({"credentials": {
            "id": "credentials", "name": "Credentials", "type": "credentials",
            "signinUrl": format!("{base}/signin/credentials"),
            "callbackUrl": format!("{base}/callback/credentials"),
        }})
    );
}

async fn sign_in_and_read_session(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b.sign_in_to("alice", "wonderland", "/dashboard").await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.location(),
        Some(format!("{}/dashboard", server.base).as_str())
    );
    let session = b.session().await;
    assert_eq!(session["user"]["name"], "Alice");
    assert_eq!(session["user"]["id"], "1");
    assert_eq!(session["user"]["role"], "admin");
}

// ---------------------------------------------------------------------------------
// R2 csrf
// ---------------------------------------------------------------------------------

async fn csrf_sets_cookie_once(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b.get("/auth/csrf").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_no_store(&res);
    let token = res.json()["csrfToken"]
        .as_str()
        .expect("csrfToken")
        .to_owned();
    assert!(is_hex64(&token), "64 lowercase hex: {token}");
    assert_eq!(res.json(), json!({ "csrfToken": token }));

    let line = res.set_cookie(CSRF).expect("csrf cookie set");
    assert_cookie_attrs(line, false);
    assert!(
        authgate_tests::cookie_attr(line, "expires").is_none()
            && authgate_tests::cookie_attr(line, "max-age").is_none(),
        "csrf cookie is a browser-session cookie: {line}"
    );
    let value = res.cookie_value(CSRF).expect("value");
    let (t, hash) = value.split_once("%7C").expect("token%7Chash");
    assert_eq!(t, token);
    assert!(is_hex64(hash), "hash is sha256 hex: {hash}");

    // First visit: the callback-url cookie is set to the origin (§4.4).
    assert_eq!(
        res.cookie_value(CALLBACK_URL),
        Some(authgate_tests::encode_uri_component(&server.base).as_str())
    );
    let line = res.set_cookie(CALLBACK_URL).expect("callback cookie");
    assert_cookie_attrs(line, false);
    assert!(
        authgate_tests::cookie_attr(line, "expires").is_none()
            && authgate_tests::cookie_attr(line, "max-age").is_none(),
        "callback-url is a browser-session cookie: {line}"
    );

    // A valid cookie is reused and not re-set.
    let again = b.get("/auth/csrf").await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["csrfToken"], token.as_str());
    assert!(again.set_cookie(CSRF).is_none(), "csrf cookie not re-set");
    assert!(
        again.set_cookie(CALLBACK_URL).is_none(),
        "callback-url not re-set"
    );
}

async fn csrf_matches_the_authjs_vector(fw: Framework) {
    let v = authgate_tests::vectors("csrf.json");
    let server = spawn(fw).await;
    let b = server.browser();
    let cookie = v["cookie_value"].as_str().expect("cookie_value");
    b.set_cookie(CSRF, &authgate_tests::encode_uri_component(cookie));
    let res = b.get("/auth/csrf").await;
    assert_eq!(res.json()["csrfToken"], v["token"]);
    assert!(
        res.set_cookie(CSRF).is_none(),
        "an Auth.js cookie is accepted"
    );
    // Unencoded `|` in the cookie is read as well.
    let b2 = server.browser();
    b2.set_cookie(CSRF, cookie);
    let res = b2.get("/auth/csrf").await;
    assert_eq!(res.json()["csrfToken"], v["token"]);
}

async fn csrf_forged_cookie_is_replaced(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let forged = format!("{}%7C{}", "a".repeat(64), "0".repeat(64));
    b.set_cookie(CSRF, &forged);
    let res = b.get("/auth/csrf").await;
    let token = res.json()["csrfToken"]
        .as_str()
        .expect("csrfToken")
        .to_owned();
    assert_ne!(token, "a".repeat(64));
    let value = res.cookie_value(CSRF).expect("a fresh cookie");
    assert!(value.starts_with(&format!("{token}%7C")));
}

// ---------------------------------------------------------------------------------
// R3/R4 session
// ---------------------------------------------------------------------------------

async fn session_without_cookie_is_null(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b.get("/auth/session").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body, "null");
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_no_store(&res);
    assert!(res.set_cookie(SESSION).is_none(), "no session cookie");
}

async fn session_read_reissues_cookie(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    // A token issued an hour ago that expires in ten minutes.
    let old = token_for(
        "1",
        3600,
        600,
        &json!({"name": "Alice", "email": "alice@example.com", "id": "1", "role": "admin"}),
    );
    b.set_cookie(SESSION, &old);
    let res = b.get("/auth/session").await;
    assert_eq!(res.status, 200);
    assert_no_store(&res);
    let body = res.json();
    assert_eq!(body["user"]["name"], "Alice");
    let line = res.set_cookie(SESSION).expect("session cookie re-set");
    assert_cookie_attrs(line, false);
    let max_age = 30 * 24 * 3600;
    let expires = res.cookie_expires(SESSION).expect("Expires");
    let now = now();
    assert!(
        (expires - (now + max_age)).abs() <= 5,
        "Expires = now + 30 days (got {expires}, now {now})"
    );
    let new = res.cookie_value(SESSION).expect("value");
    assert_ne!(new, old);
    let claims = decode_token(new);
    assert!(claims["exp"].as_i64().expect("exp") >= now + max_age - 5);
    assert!(claims["iat"].as_i64().expect("iat") >= now - 5);
    assert_eq!(claims["sub"], "1");
    // `expires` in the body is the new expiry, as an ISO string.
    let iso = body["expires"].as_str().expect("expires");
    assert!(
        iso.ends_with('Z') && iso.len() == 24,
        "toISOString format: {iso}"
    );

    // And again: every read re-sets the cookie.
    let res = b.get("/auth/session").await;
    assert!(res.sets(SESSION), "every read re-sets the cookie");
    assert_eq!(res.json()["user"]["name"], "Alice");
}

async fn session_update_changes_name(fw: Framework) {
    let server = spawn(fw).await;
    let b = signed_in(&server, "alice", "wonderland").await;
    let csrf = b.csrf().await;
    let res = b
        .post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"name": "New"}}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    let body = res.json();
    assert_eq!(body["user"]["name"], "New");
    assert_eq!(body["user"]["id"], "1");
    assert_eq!(body["user"]["role"], "admin");
    assert!(res.sets(SESSION), "the updated token is stored");
    let token = decode_token(&b.cookie(SESSION).expect("cookie"));
    assert_eq!(token["name"], "New");
    // Persists in the next read.
    assert_eq!(b.session().await["user"]["name"], "New");

    // Form-encoded update with `data` as a JSON string.
    let res = b
        .post_form(
            "/auth/session",
            &[("csrfToken", &csrf), ("data", r#"{"name":"Formy"}"#)],
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["user"]["name"], "Formy");
    assert_eq!(b.session().await["user"]["name"], "Formy");
}

async fn session_update_without_csrf_is_400(fw: Framework) {
    let server = spawn(fw).await;
    let b = signed_in(&server, "alice", "wonderland").await;
    let before = b.cookie(SESSION);
    for body in [
        json!({"data": {"name": "Hacker"}}),
        json!({"csrfToken": "0".repeat(64), "data": {"name": "Hacker"}}),
        json!({"csrfToken": "", "data": {"name": "Hacker"}}),
    ] {
        let res = b.post_json("/auth/session", &body).await;
        assert_eq!(res.status, 400, "{body}");
        assert_eq!(res.body, "null", "{body}");
        assert!(
            res.set_cookie(SESSION).is_none(),
            "no session cookie change"
        );
    }
    assert_eq!(b.cookie(SESSION), before);
    assert_eq!(b.session().await["user"]["name"], "Alice");
}

async fn session_update_without_session_is_null(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let csrf = b.csrf().await;
    let res = b
        .post_json(
            "/auth/session",
            &json!({"csrfToken": csrf, "data": {"name": "X"}}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body, "null");
    assert!(res.set_cookie(SESSION).is_none());
}

// ---------------------------------------------------------------------------------
// R5/R6 signin
// ---------------------------------------------------------------------------------

async fn sign_in_page_has_the_form(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b.get("/auth/signin").await;
    assert_eq!(res.status, 200);
    assert!(res
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    let csrf_cookie = res.cookie_value(CSRF).expect("csrf cookie set by the page");
    let token = hidden_input(&res.body, "csrfToken").expect("csrfToken hidden input");
    assert!(csrf_cookie.starts_with(&format!("{token}%7C")));
    assert_eq!(
        hidden_input(&res.body, "callbackUrl").as_deref(),
        Some(server.base.as_str())
    );
    assert!(res.body.contains(&format!(
        r#"action="{}/auth/callback/credentials""#,
        server.base
    )));
    assert!(res.body.contains(r#"name="username""#), "username field");
    assert!(
        res.body.contains(r#"name="password" type="password""#),
        "password field"
    );
    assert!(!res.body.contains(r#"class="error""#), "no error message");

    // The same token is reused on the next visit, and the callbackUrl is kept.
    let res = b.get("/auth/signin?callbackUrl=%2Fdashboard").await;
    assert_eq!(hidden_input(&res.body, "csrfToken"), Some(token));
    assert_eq!(
        hidden_input(&res.body, "callbackUrl"),
        Some(format!("{}/dashboard", server.base))
    );
}

async fn sign_in_page_shows_errors(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b
        .get("/auth/signin?error=CredentialsSignin&code=credentials")
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.body
            .contains("Sign in failed. Check the details you provided are correct."),
        "{}",
        res.body
    );
    let res = b.get("/auth/signin?error=MissingCSRF").await;
    assert!(res.body.contains(r#"class="error""#));
    let res = b
        .get("/auth/signin?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("Unable to sign in."));
    assert!(!res.body.contains("<script>alert(1)"), "no reflection");
    let res = b
        .get("/auth/signin?error=CredentialsSignin&code=%3Cimg%20src%3Dx%3E")
        .await;
    assert!(!res.body.contains("<img src=x>"), "code is not reflected");
}

async fn post_signin_redirects_to_the_page(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let csrf = b.csrf().await;
    let signin = format!("{}/auth/signin", server.base);
    for path in ["/auth/signin", "/auth/signin/credentials"] {
        let res = b.post_form(path, &[("csrfToken", &csrf)]).await;
        assert_eq!(res.status, 302, "{path}");
        assert_eq!(res.location(), Some(signin.as_str()), "{path}");
        assert!(res.set_cookie(SESSION).is_none());
    }
    for path in ["/auth/signin", "/auth/signin/credentials"] {
        let res = b.post_form(path, &[("csrfToken", "nope")]).await;
        assert_eq!(res.status, 302, "{path}");
        assert_eq!(
            res.location(),
            Some(format!("{signin}?error=MissingCSRF").as_str()),
            "{path}"
        );
    }
    let res = b
        .post_form("/auth/signin/github", &[("csrfToken", &csrf)])
        .await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/error?error=Configuration", server.base).as_str())
    );
}

async fn get_signin_provider_is_configuration(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let target = format!("{}/auth/error?error=Configuration", server.base);
    for path in [
        "/auth/signin/credentials",
        "/auth/callback/credentials",
        "/auth/callback/unknown",
    ] {
        let res = b.get(path).await;
        assert_eq!(res.status, 302, "{path}");
        assert_eq!(res.location(), Some(target.as_str()), "{path}");
        assert!(res.set_cookie(SESSION).is_none());
    }
    let csrf = b.csrf().await;
    let res = b
        .post_form(
            "/auth/callback/unknown",
            &[
                ("csrfToken", &csrf),
                ("username", "alice"),
                ("password", "wonderland"),
            ],
        )
        .await;
    assert_eq!(res.location(), Some(target.as_str()));
    assert!(res.set_cookie(SESSION).is_none());
}

async fn callback_url_body_wins_over_query(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let csrf = b.csrf().await;
    let form = [
        ("csrfToken", csrf.as_str()),
        ("username", "alice"),
        ("password", "wonderland"),
        ("callbackUrl", "/from-body"),
    ];
    let res = b
        .send(
            b.request(
                Method::POST,
                "/auth/callback/credentials?callbackUrl=%2Ffrom-query",
            )
            .form(&form),
        )
        .await;
    assert_eq!(
        res.location(),
        Some(format!("{}/from-body", server.base).as_str())
    );
    let res = b
        .send(
            b.request(
                Method::POST,
                "/auth/callback/credentials?callbackUrl=%2Ffrom-query",
            )
            .form(&form[..3]),
        )
        .await;
    assert_eq!(
        res.location(),
        Some(format!("{}/from-query", server.base).as_str())
    );
    // Without either, the callback-url cookie (set by the last request) is used.
    let res = b.post_form("/auth/callback/credentials", &form[..3]).await;
    assert_eq!(
        res.location(),
        Some(format!("{}/from-query", server.base).as_str())
    );
}

// ---------------------------------------------------------------------------------
// R9/R10 signout
// ---------------------------------------------------------------------------------

async fn sign_out_page(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b.get("/auth/signout").await;
    assert_eq!(res.status, 200);
    assert!(res
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    let token = hidden_input(&res.body, "csrfToken").expect("csrf hidden input");
    assert!(is_hex64(&token));
    assert!(res
        .body
        .contains(&format!(r#"action="{}/auth/signout""#, server.base)));
    assert!(res
        .cookie_value(CSRF)
        .is_some_and(|v| v.starts_with(&token)));
}

async fn sign_out_clears_the_session(fw: Framework) {
    let server = spawn(fw).await;
    let b = signed_in(&server, "alice", "wonderland").await;
    let csrf = b.csrf().await;
    let res = b
        .post_form(
            "/auth/signout",
            &[("csrfToken", &csrf), ("callbackUrl", "/bye")],
        )
        .await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.location(),
        Some(format!("{}/bye", server.base).as_str())
    );
    assert!(res.clears(SESSION), "session cookie cleared");
    assert_cookie_attrs(res.set_cookie(SESSION).expect("line"), false);
    assert!(b.cookie(SESSION).is_none());
    assert_eq!(b.get("/auth/session").await.body, "null");

    // Without a callbackUrl, sign-out goes to the last one (the cookie), else the origin.
    let b = signed_in(&server, "bob", "builder").await;
    let csrf = b.csrf().await;
    let res = b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
    assert_eq!(res.location(), Some(format!("{}/", server.base).as_str()));
    assert!(res.clears(SESSION));
}

async fn sign_out_clears_every_chunk(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let token = token_for("1", 0, 600, &json!({"name": "Alice"}));
    // Stale chunks and a whole cookie: every one must go.
    b.set_cookie(&format!("{SESSION}.0"), &token[..200]);
    b.set_cookie(&format!("{SESSION}.1"), &token[200..]);
    b.set_cookie(&format!("{SESSION}.2"), "x");
    let csrf = b.csrf().await;
    let res = b.post_form("/auth/signout", &[("csrfToken", &csrf)]).await;
    assert_eq!(res.status, 302);
    for name in [".0", ".1", ".2"].map(|s| format!("{SESSION}{s}")) {
        assert!(res.clears(&name), "{name} cleared: {:?}", res.set_cookies());
    }
    assert!(b.cookie_names().iter().all(|n| !n.starts_with(SESSION)));
}

async fn sign_out_without_session(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let csrf = b.csrf().await;
    let res = b
        .post_form(
            "/auth/signout",
            &[("csrfToken", &csrf), ("callbackUrl", "/after")],
        )
        .await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.location(),
        Some(format!("{}/after", server.base).as_str())
    );
    assert!(
        res.set_cookie_names()
            .iter()
            .all(|n| !n.starts_with(SESSION)),
        "no session cookie touched: {:?}",
        res.set_cookies()
    );
}

async fn sign_out_with_bad_csrf_keeps_session(fw: Framework) {
    let server = spawn(fw).await;
    let b = signed_in(&server, "alice", "wonderland").await;
    let _ = b.csrf().await;
    let res = b
        .post_form(
            "/auth/signout",
            &[("csrfToken", "wrong"), ("callbackUrl", "/bye")],
        )
        .await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.location(),
        Some(format!("{}/auth/signin?error=MissingCSRF", server.base).as_str())
    );
    assert!(res.set_cookie(SESSION).is_none(), "session untouched");
    assert_eq!(b.session().await["user"]["name"], "Alice");
}

// ---------------------------------------------------------------------------------
// R11/R12 error and verify-request
// ---------------------------------------------------------------------------------

async fn error_page_statuses(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    for (code, status, text) in [
        (
            "Configuration",
            500,
            "problem with the server configuration",
        ),
        (
            "AccessDenied",
            403,
            "You do not have permission to sign in.",
        ),
        ("Verification", 403, "The sign in link is no longer valid."),
        ("Whatever", 200, "Go back to the site"),
        // v5 matches case-sensitively.
        ("configuration", 200, "Go back to the site"),
    ] {
        let res = b.get(&format!("/auth/error?error={code}")).await;
        assert_eq!(res.status, status, "{code}");
        assert!(
            res.header("content-type")
                .is_some_and(|c| c.starts_with("text/html")),
            "{code}"
        );
        assert!(res.body.contains(text), "{code}: {}", res.body);
    }
    let res = b.get("/auth/error").await;
    assert_eq!(res.status, 200);
}

async fn error_page_escapes(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b
        .get("/auth/error?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(res.status, 200);
    assert!(!res.body.contains("<script>alert(1)"), "{}", res.body);
    // A same-origin callbackUrl with markup is rendered escaped.
    let res = b
        .get("/auth/error?error=Oops&callbackUrl=%2Fx%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(res.status, 200);
    assert!(!res.body.contains("<script>alert(1)"), "{}", res.body);
    assert!(!res.body.contains(r#""><script"#));
}

async fn verify_request_page(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let res = b
        .get("/auth/verify-request?provider=email&type=email")
        .await;
    assert_eq!(res.status, 200);
    assert!(res
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    assert!(res.body.contains("Check your email"));
}

// ---------------------------------------------------------------------------------
// Bad requests
// ---------------------------------------------------------------------------------

async fn unknown_routes_are_400(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    for path in [
        "/auth/unknown",
        "/auth/",
        "/auth",
        "/auth/session/extra",
        "/auth/csrf/x",
        "/auth/providers/credentials",
        "/auth/signin/credentials/extra",
        "/auth/callback/credentials/x/y",
        "/auth/csrf/",
        "/auth/session/",
        "/auth/signin/",
        "/auth//session",
        "/auth/SESSION",
        "/auth/sign%69n",
        "/auth/%ZZ",
        "/auth/error/AccessDenied",
        "/auth/verify-request/email",
    ] {
        let res = b.get(path).await;
        assert_bad_request(&res, path);
        assert!(res.set_cookies().is_empty(), "{path}: no cookies");
    }
    for path in ["/auth/session", "/auth/csrf"] {
        let res = b.send(b.request(Method::HEAD, path)).await;
        assert_eq!(res.status, 400, "HEAD {path}");
        assert!(res.body.is_empty(), "HEAD {path}: empty body");
    }
    for method in [Method::PUT, Method::DELETE, Method::PATCH, Method::OPTIONS] {
        for path in ["/auth/session", "/auth/signin", "/auth/csrf"] {
            let res = b.send(b.request(method.clone(), path)).await;
            assert_bad_request(&res, &format!("{method} {path}"));
        }
    }
    // A POST to a GET-only action is `UnknownAction`, shown as `Configuration` (v5).
    let configuration = format!("{}/auth/error?error=Configuration", b.base());
    let res = b.send(b.request(Method::POST, "/auth/providers")).await;
    assert_eq!(res.status, 302, "POST providers: {}", res.body);
    assert_eq!(
        res.location(),
        Some(configuration.as_str()),
        "POST providers"
    );
    let csrf = b.csrf().await;
    for path in ["/auth/csrf", "/auth/error", "/auth/verify-request"] {
        let res = b.post_form(path, &[("csrfToken", &csrf)]).await;
        assert_eq!(res.status, 302, "POST {path}: {}", res.body);
        assert_eq!(res.location(), Some(configuration.as_str()), "POST {path}");
    }
    // A prefix that is not the base path is the app's, not the engine's.
    let res = b.get("/authx").await;
    assert_eq!(res.status, 404);
}

// ---------------------------------------------------------------------------------
// X-Auth-Return-Redirect
// ---------------------------------------------------------------------------------

async fn json_redirect_mode(fw: Framework) {
    let server = spawn(fw).await;
    let b = server.browser();
    let csrf = b.csrf().await;
    let post = |form: Vec<(&'static str, String)>, path: &'static str| {
        b.request(Method::POST, path)
            .header("X-Auth-Return-Redirect", "1")
            .form(&form)
    };
    // Failure.
    let res = b
        .send(post(
            vec![
                ("csrfToken", csrf.clone()),
                ("username", "alice".into()),
                ("password", "bad".into()),
            ],
            "/auth/callback/credentials",
        ))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.json(),
        json!({"url": format!("{}/auth/signin?error=CredentialsSignin&code=credentials", server.base)})
    );
    assert!(res.location().is_none());
    assert!(res.set_cookie(SESSION).is_none());
    // CSRF failure.
    let res = b
        .send(post(
            vec![("csrfToken", "bad".into())],
            "/auth/callback/credentials",
        ))
        .await;
    assert_eq!(
        res.json(),
        json!({"url": format!("{}/auth/signin?error=MissingCSRF", server.base)})
    );
    // Success: cookies still set.
    let res = b
        .send(post(
            vec![
                ("csrfToken", csrf.clone()),
                ("username", "alice".into()),
                ("password", "wonderland".into()),
                ("callbackUrl", "/dashboard".into()),
            ],
            "/auth/callback/credentials",
        ))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.json(),
        json!({"url": format!("{}/dashboard", server.base)})
    );
    assert!(res.sets(SESSION), "session cookie set in JSON mode");
    assert_eq!(b.session().await["user"]["name"], "Alice");
    // Sign-out.
    let res = b
        .send(post(
            vec![("csrfToken", csrf.clone()), ("callbackUrl", "/bye".into())],
            "/auth/signout",
        ))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json(), json!({"url": format!("{}/bye", server.base)}));
    assert!(res.clears(SESSION));
    assert_eq!(b.session().await, Value::Null);
    // Any value of the header turns the mode on.
    let res = b
        .send(
            b.request(Method::POST, "/auth/signin")
                .header("X-Auth-Return-Redirect", "")
                .form(&[("csrfToken", csrf.as_str())]),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.json(),
        json!({"url": format!("{}/auth/signin", server.base)})
    );
    // Configuration errors too.
    let res = b
        .send(
            b.request(Method::GET, "/auth/signin/credentials")
                .header("X-Auth-Return-Redirect", "1"),
        )
        .await;
    assert_eq!(
        res.json(),
        json!({"url": format!("{}/auth/error?error=Configuration", server.base)})
    );
}

// ---------------------------------------------------------------------------------
// Body limit
// ---------------------------------------------------------------------------------

fn post_head(server: &Server, extra: &str) -> String {
    let host = server.base.trim_start_matches("http://");
    format!(
        "POST /auth/callback/credentials HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n{extra}\r\n"
    )
}

async fn body_over_64k_is_413(fw: Framework) {
    let server = spawn(fw).await;
    let limit = 64 * 1024;
    // Declared too large: answered before the body is read.
    let req = post_head(&server, "Content-Length: 10000000\r\n");
    let res = raw_request(&server.base, req.into_bytes()).await;
    assert_eq!(res.status, 413, "{}", res.head);
    let req = post_head(&server, &format!("Content-Length: {}\r\n", limit + 1));
    let res = raw_request(&server.base, req.into_bytes()).await;
    assert_eq!(res.status, 413, "{}", res.head);

    // Exactly at the limit: read and handled (no CSRF token → MissingCSRF).
    let body = format!("x={}", "a".repeat(limit - 2));
    let mut req = post_head(&server, &format!("Content-Length: {limit}\r\n")).into_bytes();
    req.extend_from_slice(body.as_bytes());
    let res = raw_request(&server.base, req).await;
    assert_eq!(res.status, 302, "{}", res.head);
    assert!(res.head.contains("error=MissingCSRF"), "{}", res.head);

    // Chunked, no Content-Length: the limit still holds.
    let mut req = post_head(&server, "Transfer-Encoding: chunked\r\n").into_bytes();
    let piece = "a".repeat(8192);
    for _ in 0..9 {
        req.extend_from_slice(format!("{:x}\r\n{piece}\r\n", piece.len()).as_bytes());
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let res = raw_request(&server.base, req).await;
    assert_eq!(res.status, 413, "{}", res.head);

    // A small chunked body is fine.
    let mut req = post_head(&server, "Transfer-Encoding: chunked\r\n").into_bytes();
    req.extend_from_slice(b"5\r\nx=abc\r\n0\r\n\r\n");
    let res = raw_request(&server.base, req).await;
    assert_eq!(res.status, 302, "{}", res.head);
}

async fn body_limit_is_configurable(fw: Framework) {
    let server = spawn_with(fw, |b| b.max_body_bytes(100)).await;
    let b = server.browser();
    let res = b
        .post_form("/auth/callback/credentials", &[("x", &"a".repeat(200))])
        .await;
    assert_eq!(res.status, 413);
    let res = b
        .post_form("/auth/callback/credentials", &[("x", "a")])
        .await;
    assert_eq!(res.status, 302);
}

// ---------------------------------------------------------------------------------
// Custom pages (§1.4, §1.6, §1.7)
// ---------------------------------------------------------------------------------

fn custom_pages() -> Pages {
    Pages {
        sign_in: Some("/login".into()),
        error: Some("/oops".into()),
        sign_out: Some("/bye".into()),
        verify_request: Some("/check-email".into()),
        ..Pages::default()
    }
}

async fn custom_pages_redirect(fw: Framework) {
    let server = spawn_with(fw, |b| b.pages(custom_pages())).await;
    let base = server.base.clone();
    let b = server.browser();
    let enc = |s: &str| form_encode(s);

    let res = b.get("/auth/signin").await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.location(),
        Some(format!("{base}/login?callbackUrl={}", enc(&base)).as_str())
    );
    let res = b
        .get("/auth/signin?callbackUrl=%2Fdashboard&error=SessionRequired")
        .await;
    assert_eq!(
        res.location(),
        Some(
            format!(
                "{base}/login?callbackUrl={}&error=SessionRequired",
                enc(&format!("{base}/dashboard"))
            )
            .as_str()
        )
    );

    let res = b.get("/auth/signout").await;
    assert_eq!(res.status, 302);
    assert_eq!(res.location(), Some(format!("{base}/bye").as_str()));

    let res = b.get("/auth/error?error=AccessDenied").await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.location(),
        Some(format!("{base}/oops?error=AccessDenied").as_str())
    );

    let res = b
        .get("/auth/verify-request?provider=email&type=email")
        .await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.location(),
        Some(format!("{base}/check-email?provider=email&type=email").as_str())
    );
    let res = b.get("/auth/verify-request").await;
    assert_eq!(res.location(), Some(format!("{base}/check-email").as_str()));

    // Sign-in kind errors go to the custom sign-in page, others to the error page.
    let res = b.sign_in("alice", "nope").await;
    assert_eq!(
        res.location(),
        Some(format!("{base}/login?error=CredentialsSignin&code=credentials").as_str())
    );
    let res = b
        .post_form("/auth/callback/credentials", &[("csrfToken", "bad")])
        .await;
    assert_eq!(
        res.location(),
        Some(format!("{base}/login?error=MissingCSRF").as_str())
    );
    let res = b.sign_in("eve", "eve").await;
    assert_eq!(
        res.location(),
        Some(format!("{base}/oops?error=AccessDenied").as_str())
    );
    let res = b.get("/auth/signin/credentials").await;
    assert_eq!(
        res.location(),
        Some(format!("{base}/oops?error=Configuration").as_str())
    );

    // The guard sends visitors to the custom sign-in page.
    let res = b.get_page("/dashboard").await;
    assert_eq!(
        res.location(),
        Some(
            format!(
                "{base}/login?callbackUrl={}",
                enc(&format!("{base}/dashboard"))
            )
            .as_str()
        )
    );
}

async fn absolute_custom_pages(fw: Framework) {
    let server = spawn_with(fw, |b| {
        b.pages(Pages {
            sign_in: Some("https://login.example/sign-in?tenant=a".into()),
            error: Some("https://login.example/error".into()),
            ..Pages::default()
        })
    })
    .await;
    let b = server.browser();
    let res = b.get("/auth/signin").await;
    assert_eq!(
        res.location(),
        Some(
            format!(
                "https://login.example/sign-in?tenant=a&callbackUrl={}",
                form_encode(&server.base)
            )
            .as_str()
        )
    );
    let res = b.get("/auth/error?error=Verification").await;
    assert_eq!(
        res.location(),
        Some("https://login.example/error?error=Verification")
    );
}

async fn error_page_loop_guard(fw: Framework) {
    let server = spawn_with(fw, |b| b.pages(custom_pages())).await;
    let b = server.browser();
    // The custom error page bounced back here: the built-in page is rendered.
    let res = b
        .get("/auth/error?error=AccessDenied&callbackUrl=%2Foops%3Ferror%3DAccessDenied")
        .await;
    assert_eq!(res.status, 403, "{:?}", res.location());
    assert!(res.body.contains("You do not have permission to sign in."));
    let res = b
        .get(&format!(
            "/auth/error?error=Configuration&callbackUrl={}",
            form_encode(&format!("{}/oops", server.base))
        ))
        .await;
    assert_eq!(res.status, 500);
    // Any other callbackUrl still redirects.
    let res = b
        .get("/auth/error?error=AccessDenied&callbackUrl=%2Fdashboard")
        .await;
    assert_eq!(res.status, 302);
}

// ---------------------------------------------------------------------------------
// Base path
// ---------------------------------------------------------------------------------

async fn base_path_from_url_and_builder(fw: Framework) {
    // A path in the canonical URL becomes the base path; `baseUrl` stays the origin.
    let server = authgate_tests::spawn_custom(fw, |url| {
        authgate_demo::configure(
            authgate::AuthConfig::builder()
                .secret(authgate_tests::SECRET)
                .url(format!("{url}/api/auth")),
        )
    })
    .await;
    let base = server.base.clone();
    let b = server.browser().with_base_path("/api/auth");
    let res = b.get("/api/auth/providers").await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.json()["credentials"]["callbackUrl"],
        format!("{base}/api/auth/callback/credentials")
    );
    assert_eq!(b.get("/auth/providers").await.status, 404);
    // The browser's sign-in and session helpers go to `/api/auth/...`.
    let fields = [("username", "alice"), ("password", "nope")];
    let res = b.credentials_sign_in(CREDENTIALS, &fields, "/x").await;
    assert_eq!(
        res.location(),
        Some(format!("{base}/api/auth/signin?error=CredentialsSignin&code=credentials").as_str())
    );
    let res = b.sign_in_to("alice", "wonderland", "/x").await;
    assert_eq!(res.location(), Some(format!("{base}/x").as_str()));
    assert_eq!(b.session().await["user"]["name"], "Alice");
    let anon = server.browser();
    let res = anon.get_page("/dashboard").await;
    assert_eq!(
        res.location(),
        Some(
            format!(
                "{base}/api/auth/signin?callbackUrl={}",
                form_encode(&format!("{base}/dashboard"))
            )
            .as_str()
        )
    );

    // The builder's base path wins over the URL's.
    let server = spawn_with(fw, |b| b.base_path("/custom/")).await;
    let b = server.browser();
    let res = b.get("/custom/providers").await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.json()["credentials"]["signinUrl"],
        format!("{}/custom/signin/credentials", server.base)
    );
    assert_bad_request(&b.get("/custom/nope").await, "/custom/nope");
}

suite!(
    base_path_from_url_and_builder,
    providers_lists_credentials,
    sign_in_and_read_session,
    csrf_sets_cookie_once,
    csrf_matches_the_authjs_vector,
    csrf_forged_cookie_is_replaced,
    session_without_cookie_is_null,
    session_read_reissues_cookie,
    session_update_changes_name,
    session_update_without_csrf_is_400,
    session_update_without_session_is_null,
    sign_in_page_has_the_form,
    sign_in_page_shows_errors,
    post_signin_redirects_to_the_page,
    get_signin_provider_is_configuration,
    callback_url_body_wins_over_query,
    sign_out_page,
    sign_out_clears_the_session,
    sign_out_clears_every_chunk,
    sign_out_without_session,
    sign_out_with_bad_csrf_keeps_session,
    error_page_statuses,
    error_page_escapes,
    verify_request_page,
    unknown_routes_are_400,
    json_redirect_mode,
    body_over_64k_is_413,
    body_limit_is_configurable,
    custom_pages_redirect,
    absolute_custom_pages,
    error_page_loop_guard,
);
