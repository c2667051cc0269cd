//! actix-specific behaviour over real HTTP on loopback: the extractors (`Session<T>` with
//! the app's own type, `Token<T>`, `Option<Session>`, `SharedSession`), their rejections, the guards as
//! middleware on a scope and on a resource, routes without the middleware, lazy single
//! decoding, the body limit of auth routes, and coexistence with the app's own cookies.

use std::{
    net::TcpListener,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
};

use actix_web::{dev::ServerHandle, web, App, HttpResponse, HttpServer};
use authgate_actix::{require, require_auth, AuthMiddleware, Session, SharedSession, Token};
use authgate_core::{Auth, AuthConfig, AuthConfigBuilder, Credentials, User};
use authgate_test_support::{
    form_encode, get_with, now, raw_request, Browser, Resp, CREDENTIALS, SESSION,
};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const SECRET: &str = "authgate-actix-test-secret-0123456789abcdef";

/// A server on a loopback port; dropping it stops the server.
struct TestServer {
    base: String,
    auth: Auth,
    /// How often the `jwt` callback ran.
    jwt_runs: Arc<AtomicUsize>,
    handle: ServerHandle,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // `stop` sends the command at once; the returned future only waits for it.
        drop(self.handle.stop(false));
    }
}

/// Two users (`seven` admin of team blue, `eight` user of team red), password `pw`;
/// `jwt` counts its runs and copies `team` and `role` into the token at sign-in;
/// `session` exposes `user.id`, `user.role` and `user.team`.
fn config(base: &str, jwt_runs: Arc<AtomicUsize>) -> AuthConfigBuilder {
    AuthConfig::builder()
        .secret(SECRET)
        .url(base)
        .provider(Credentials::new(|creds, _| async move {
            if creds.get("password").map(String::as_str) != Some("pw") {
                return Ok(None);
            }
            Ok(match creds.get("username").map(String::as_str) {
                Some("seven") => Some(
                    User::new("7")
                        .name("Seven")
                        .email("seven@example.com")
                        .with("team", "blue")
                        .with("role", "admin"),
                ),
                Some("eight") => Some(
                    User::new("8")
                        .name("Eight")
                        .email("eight@example.com")
                        .with("team", "red")
                        .with("role", "user"),
                ),
                _ => None,
            })
        }))
        .on_jwt(move |ctx| {
            jwt_runs.fetch_add(1, Ordering::SeqCst);
            async move {
                let mut token = ctx.token;
                if let Some(user) = &ctx.user {
                    for key in ["team", "role"] {
                        if let Some(v) = user.extra.get(key) {
                            token.insert(key, v)?;
                        }
                    }
                }
                Ok(Some(token))
            }
        })
        .on_session(|ctx| async move {
            let mut session = ctx.session;
            if let Some(user) = session.user.as_mut() {
                let token = ctx.token.unwrap_or_default();
                user.id = token.sub.clone();
                for key in ["team", "role"] {
                    if let Some(v) = token.get::<String>(key) {
                        user.insert(key, v)?;
                    }
                }
            }
            Ok(session)
        })
}

/// Serves `routes` (behind [`AuthMiddleware`] when `middleware`) on a loopback port with
/// one worker; `tweak` adjusts the auth config.
async fn serve_with(
    routes: fn(&mut web::ServiceConfig),
    middleware: bool,
    tweak: fn(AuthConfigBuilder) -> AuthConfigBuilder,
) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("local addr"));
    let jwt_runs = Arc::new(AtomicUsize::new(0));
    let auth = Auth::new(
        tweak(config(&base, Arc::clone(&jwt_runs)))
            .build()
            .expect("config"),
    );
    let server = if middleware {
        let auth = auth.clone();
        HttpServer::new(move || {
            App::new()
                .configure(routes)
                .wrap(AuthMiddleware::new(auth.clone()))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run()
    } else {
        HttpServer::new(move || App::new().configure(routes))
            .workers(1)
            .disable_signals()
            .listen(listener)
            .expect("listen")
            .run()
    };
    let handle = server.handle();
    actix_web::rt::spawn(server);
    TestServer {
        base,
        auth,
        jwt_runs,
        handle,
    }
}

async fn serve(routes: fn(&mut web::ServiceConfig)) -> TestServer {
    serve_with(routes, true, |b| b).await
}

/// Signs in through the real routes (`GET /auth/csrf`, then `POST
/// /auth/callback/credentials` with the CSRF cookie) and returns the session cookie as
/// `authjs.session-token=<value>`.
async fn sign_in(base: &str, username: &str) -> String {
    let fields = [("username", username), ("password", "pw")];
    Browser::new(base)
        .signed_in_cookie(CREDENTIALS, &fields)
        .await
}

// ---------------------------------------------------------------------------------
// Extractors
// ---------------------------------------------------------------------------------

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct MyUser {
    id: String,
    name: String,
    email: String,
    role: String,
    team: String,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct MyClaims {
    sub: String,
    name: String,
    email: String,
    team: String,
    role: String,
    iat: i64,
    exp: i64,
}

fn extractor_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/user",
        web::get().to(|s: Session<MyUser>| async move { web::Json(s.user) }),
    )
    .route(
        "/claims",
        web::get().to(|Token(t): Token<MyClaims>| async move { web::Json(t) }),
    )
    .route(
        "/session",
        web::get().to(|s: Session| async move { web::Json(s.session) }),
    )
    .route(
        "/maybe",
        web::get().to(|s: Option<Session>| async move {
            match s {
                Some(s) => format!("in:{}", s.user.name.unwrap_or_default()),
                None => "out".to_owned(),
            }
        }),
    )
    .route(
        "/shared",
        web::get().to(|s: SharedSession| async move { web::Json(s) }),
    )
    .route(
        "/shared-raw",
        web::get().to(|s: SharedSession| async move { s }),
    )
    .route(
        "/maybe-shared",
        web::get().to(|s: Option<SharedSession>| async move {
            match s {
                Some(s) => format!("in:{}", s.expires),
                None => "out".to_owned(),
            }
        }),
    );
}

#[actix_web::test]
async fn session_and_token_in_the_apps_own_types() {
    let server = serve(extractor_routes).await;
    let base = &server.base;
    let seven = sign_in(base, "seven").await;
    let eight = sign_in(base, "eight").await;

    let res = get_with(base, "/user", Some(&seven), None).await;
    assert_eq!(res.status, 200);
    let user: MyUser = serde_json::from_str(&res.body).expect("MyUser JSON");
    assert_eq!(
        user,
        MyUser {
            id: "7".into(),
            name: "Seven".into(),
            email: "seven@example.com".into(),
            role: "admin".into(),
            team: "blue".into(),
        }
    );
    let res = get_with(base, "/user", Some(&eight), None).await;
    let user: MyUser = serde_json::from_str(&res.body).expect("MyUser JSON");
    assert_eq!((user.id.as_str(), user.team.as_str()), ("8", "red"));

    let before = now();
    let res = get_with(base, "/claims", Some(&seven), None).await;
    assert_eq!(res.status, 200);
    let claims: MyClaims = serde_json::from_str(&res.body).expect("MyClaims JSON");
    assert_eq!(claims.sub, "7");
    assert_eq!(claims.name, "Seven");
    assert_eq!(claims.email, "seven@example.com");
    assert_eq!(
        (claims.team.as_str(), claims.role.as_str()),
        ("blue", "admin")
    );
    assert!(
        claims.iat <= before + 1 && claims.iat >= before - 60,
        "{claims:?}"
    );
    assert_eq!(claims.exp - claims.iat, 30 * 24 * 3600, "default max_age");

    // The default type is the whole session.
    let res = get_with(base, "/session", Some(&seven), None).await;
    assert_eq!(res.status, 200);
    let json: Value = serde_json::from_str(&res.body).expect("session JSON");
    assert_eq!(
        json["user"],
        json!({"id": "7", "name": "Seven", "email": "seven@example.com",
               "role": "admin", "team": "blue"})
    );
    assert!(json["expires"].as_str().is_some_and(|e| e.ends_with('Z')));

    // `SharedSession` answers the same session, without copying it.
    let res = get_with(base, "/shared", Some(&seven), None).await;
    assert_eq!(res.status, 200);
    let shared: Value = serde_json::from_str(&res.body).expect("session JSON");
    assert_eq!(shared["user"], json["user"]);
    // As a response it is the same JSON, byte for byte.
    let raw = get_with(base, "/shared-raw", Some(&seven), None).await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.body, res.body);
    assert_eq!(raw.header("content-type"), Some("application/json"));
    let res = get_with(base, "/shared", None, None).await;
    assert_eq!(res.status, 401);
    assert_eq!(res.body, r#"{"error":"Unauthorized"}"#);
    let res = get_with(base, "/maybe-shared", Some(&seven), None).await;
    assert!(
        res.body.starts_with("in:") && res.body.ends_with('Z'),
        "{}",
        res.body
    );
    assert_eq!(
        get_with(base, "/maybe-shared", None, None).await.body,
        "out"
    );
}

#[actix_web::test]
async fn optional_session_in_and_out() {
    let server = serve(extractor_routes).await;
    let base = &server.base;
    let seven = sign_in(base, "seven").await;

    let Resp { status, body, .. } = get_with(base, "/maybe", Some(&seven), None).await;
    assert_eq!((status, body.as_str()), (200, "in:Seven"));
    let Resp { status, body, .. } = get_with(base, "/maybe", None, None).await;
    assert_eq!((status, body.as_str()), (200, "out"));
    let res = get_with(base, "/maybe", Some("other=1"), None).await;
    assert!(res.set_cookies().is_empty(), "no session, no cookie");
    assert_eq!(res.body, "out");

    // A token that does not decode is no session, and its cookie is cleared.
    let res = get_with(base, "/maybe", Some(&format!("{SESSION}=garbage")), None).await;
    let cleared = res.set_cookies();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with(&format!("{SESSION}=;"))
                && c.to_ascii_lowercase().contains("max-age=0")),
        "bad token is cleared: {cleared:?}"
    );
    let Resp { status, body, .. } = res;
    assert_eq!((status, body.as_str()), (200, "out"));
}

#[actix_web::test]
async fn extractors_without_a_session_are_401_json() {
    let server = serve(extractor_routes).await;
    let base = &server.base;
    for path in ["/user", "/claims", "/session"] {
        for cookie in [None, Some("other=1"), Some("authjs.session-token=garbage")] {
            let res = get_with(base, path, cookie, None).await;
            assert_eq!(res.status, 401, "{path} with {cookie:?}");
            assert_eq!(
                res.header("content-type"),
                Some("application/json"),
                "{path} with {cookie:?}"
            );
            assert_eq!(
                res.body, r#"{"error":"Unauthorized"}"#,
                "{path} with {cookie:?}"
            );
        }
        // A page request is still a 401: the redirect is the guards' job, not the
        // extractor's.
        let status = get_with(base, path, None, Some("text/html")).await.status;
        assert_eq!(status, 401, "{path} as a page");
    }
}

fn routes_without_middleware(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/session",
        web::get().to(|s: Session| async move { web::Json(s.session) }),
    )
    .route(
        "/user",
        web::get().to(|s: Session<MyUser>| async move { web::Json(s.user) }),
    )
    .route(
        "/token",
        web::get().to(|Token(t): Token| async move { web::Json(t) }),
    )
    .service(
        web::scope("/guarded")
            .wrap(require_auth())
            .route("/page", web::get().to(|| async { "secret" })),
    )
    .service(
        web::resource("/admin")
            .wrap(require(|_| true))
            .get(|| async { "admin" }),
    )
    .route("/public", web::get().to(|| async { "public" }));
}

#[actix_web::test]
async fn extractors_and_guards_without_the_middleware_are_500_not_a_panic() {
    let server = serve_with(routes_without_middleware, false, |b| b).await;
    let base = &server.base;
    // A cookie that would be a valid session behind the middleware does not help.
    let now = now();
    let claims = json!({"sub": "7", "name": "Seven", "iat": now, "exp": now + 3600});
    let token = server
        .auth
        .config()
        .token_codec(false)
        .encode(claims.as_object().expect("object"))
        .expect("encode");
    let cookie = format!("{SESSION}={token}");
    for path in ["/session", "/user", "/token", "/guarded/page", "/admin"] {
        for c in [None, Some(cookie.as_str())] {
            for accept in [None, Some("text/html")] {
                let res = get_with(base, path, c, accept).await;
                assert_eq!(res.status, 500, "{path} cookie={} {accept:?}", c.is_some());
                assert_eq!(
                    res.header("content-type"),
                    Some("application/json"),
                    "{path}"
                );
                assert_eq!(res.body, r#"{"error":"Configuration"}"#, "{path}");
            }
        }
    }
    // The worker survived every one of them.
    let Resp { status, body, .. } = get_with(base, "/public", None, None).await;
    assert_eq!((status, body.as_str()), (200, "public"));
}

// ---------------------------------------------------------------------------------
// Guards
// ---------------------------------------------------------------------------------

fn guard_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/app")
            .wrap(require_auth())
            .route(
                "/data",
                web::get().to(|s: Session| async move {
                    format!("data for {}", s.user.name.unwrap_or_default())
                }),
            )
            .route("/page", web::get().to(|| async { "page" })),
    )
    .service(
        web::resource("/admin")
            .wrap(require(|s| {
                s.user_field::<String>("role").as_deref() == Some("admin")
            }))
            .get(|s: Session<MyUser>| async move { format!("admin {}", s.user.name) }),
    )
    .route("/open", web::get().to(|| async { "open" }));
}

#[actix_web::test]
async fn require_auth_on_a_scope() {
    let server = serve(guard_routes).await;
    let base = &server.base;

    // API request without a session: 401 JSON.
    let res = get_with(base, "/app/data", None, None).await;
    assert_eq!(res.status, 401);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.body, r#"{"error":"Unauthorized"}"#);
    let Resp { status, body, .. } = get_with(
        base,
        "/app/data",
        Some("authjs.session-token=garbage"),
        Some("application/json"),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (401, r#"{"error":"Unauthorized"}"#)
    );

    // Page request without a session: 302 to the sign-in page with the full URL.
    for path in ["/app/page", "/app/page?tab=2&x=y", "/app/data"] {
        let res = get_with(
            base,
            path,
            None,
            Some("text/html,application/xhtml+xml,*/*"),
        )
        .await;
        assert_eq!(res.status, 302, "{path}");
        let location = res.location().expect("location");
        assert_eq!(
            location,
            format!(
                "{base}/auth/signin?callbackUrl={}",
                form_encode(&format!("{base}{path}"))
            ),
            "{path}"
        );
        assert_eq!(res.body, "", "{path}: empty body");
    }

    // With a session: through.
    let seven = sign_in(base, "seven").await;
    let Resp { status, body, .. } = get_with(base, "/app/data", Some(&seven), None).await;
    assert_eq!((status, body.as_str()), (200, "data for Seven"));
    let Resp { status, body, .. } =
        get_with(base, "/app/page", Some(&seven), Some("text/html")).await;
    assert_eq!((status, body.as_str()), (200, "page"));
    let eight = sign_in(base, "eight").await;
    let Resp { status, body, .. } = get_with(base, "/app/data", Some(&eight), None).await;
    assert_eq!((status, body.as_str()), (200, "data for Eight"));

    // Outside the scope: not guarded.
    let Resp { status, body, .. } = get_with(base, "/open", None, None).await;
    assert_eq!((status, body.as_str()), (200, "open"));
}

#[actix_web::test]
async fn require_predicate_on_a_resource() {
    let server = serve(guard_routes).await;
    let base = &server.base;
    let seven = sign_in(base, "seven").await;
    let eight = sign_in(base, "eight").await;

    let Resp { status, body, .. } = get_with(base, "/admin", Some(&seven), None).await;
    assert_eq!((status, body.as_str()), (200, "admin Seven"));

    for accept in [None, Some("text/html")] {
        let res = get_with(base, "/admin", Some(&eight), accept).await;
        assert_eq!(res.status, 403, "{accept:?}");
        assert_eq!(res.header("content-type"), Some("application/json"));
        assert_eq!(res.body, r#"{"error":"Forbidden"}"#);
    }

    let Resp { status, body, .. } = get_with(base, "/admin", None, None).await;
    assert_eq!(
        (status, body.as_str()),
        (401, r#"{"error":"Unauthorized"}"#)
    );
    let res = get_with(base, "/admin", None, Some("text/html")).await;
    assert_eq!(res.status, 302);
    assert_eq!(
        res.location(),
        Some(
            format!(
                "{base}/auth/signin?callbackUrl={}",
                form_encode(&format!("{base}/admin"))
            )
            .as_str()
        )
    );
}

// ---------------------------------------------------------------------------------
// Lazy decoding
// ---------------------------------------------------------------------------------

fn lazy_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/public", web::get().to(|| async { "hi" }))
        .route(
            "/three",
            web::get().to(|a: Session, b: Option<Session>, t: Token| async move {
                format!(
                    "{}|{}|{}",
                    a.user.name.unwrap_or_default(),
                    b.is_some(),
                    t.0.sub.unwrap_or_default()
                )
            }),
        )
        .service(
            web::resource("/guarded")
                .wrap(require(|_| true))
                .wrap(require_auth())
                .get(|a: Session, t: Token| async move {
                    format!(
                        "{}|{}",
                        a.user.name.unwrap_or_default(),
                        t.0.sub.unwrap_or_default()
                    )
                }),
        );
}

#[actix_web::test]
async fn session_is_decoded_lazily_and_once() {
    let server = serve(lazy_routes).await;
    let base = &server.base;
    let seven = sign_in(base, "seven").await;
    let runs = || server.jwt_runs.load(Ordering::SeqCst);
    let after_sign_in = runs();
    assert!(after_sign_in >= 1, "jwt ran at sign-in");

    let res = get_with(base, "/public", Some(&seven), None).await;
    assert_eq!(res.status, 200);
    assert!(res.set_cookies().is_empty());
    assert_eq!(runs(), after_sign_in, "no extractor, no decode");

    let Resp { status, body, .. } = get_with(base, "/three", Some(&seven), None).await;
    assert_eq!((status, body.as_str()), (200, "Seven|true|7"));
    assert_eq!(runs(), after_sign_in + 1, "three extractors, one decode");

    let Resp { status, body, .. } = get_with(base, "/guarded", Some(&seven), None).await;
    assert_eq!((status, body.as_str()), (200, "Seven|7"));
    assert_eq!(
        runs(),
        after_sign_in + 2,
        "two guards and two extractors, one decode"
    );

    // Without a cookie there is nothing to decode.
    let status = get_with(base, "/three", None, None).await.status;
    assert_eq!(status, 401);
    assert_eq!(runs(), after_sign_in + 2, "no cookie, no jwt callback");
}

// ---------------------------------------------------------------------------------
// Body limit
// ---------------------------------------------------------------------------------

fn echo_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/echo",
        web::post().to(|body: web::Bytes| async move { body.len().to_string() }),
    );
}

#[actix_web::test]
async fn a_body_above_max_body_bytes_on_an_auth_route_is_413() {
    let server = serve_with(echo_routes, true, |b| b.max_body_bytes(1024)).await;
    let base = &server.base;
    let c = Browser::new(base);

    // Declared by Content-Length.
    let big = format!(
        "csrfToken=x&username=seven&password=pw&pad={}",
        "a".repeat(2000)
    );
    let res = c
        .send(
            c.bare(Method::POST, "/auth/callback/credentials")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(big.clone()),
        )
        .await;
    assert_eq!(res.status, 413);
    assert!(res.set_cookies().is_empty(), "413 sets no cookie");
    assert_eq!(res.body, r#""Payload too large.""#);
    let res = c
        .send(
            c.bare(Method::POST, "/auth/session")
                .header("content-type", "application/json")
                .body(format!(r#"{{"data":"{}"}}"#, "b".repeat(4096))),
        )
        .await;
    assert_eq!(res.status, 413, "session update");

    // Streamed without a length (chunked): cut off when it passes the limit.
    let chunk = "a".repeat(600);
    let mut request = format!(
        "POST /auth/callback/credentials HTTP/1.1\r\nHost: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        base.trim_start_matches("http://")
    );
    for _ in 0..4 {
        request.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    request.push_str("0\r\n\r\n");
    let answer = raw_request(base, request.into_bytes()).await;
    assert!(
        answer.head.starts_with("HTTP/1.1 413"),
        "chunked body over the limit: {answer:?}"
    );

    // Within the limit, the same route works (and sign-in still does).
    let seven = sign_in(base, "seven").await;
    assert!(seven.starts_with("authjs.session-token="));

    // The limit is the auth routes' only: the app's own routes read what they like.
    let res = c
        .send(
            c.bare(Method::POST, "/echo")
                .header("cookie", &seven)
                .body(big.clone()),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body, big.len().to_string());
}

// ---------------------------------------------------------------------------------
// The app's own cookies
// ---------------------------------------------------------------------------------

fn cookie_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/visit",
        web::get().to(|s: Session| async move {
            HttpResponse::Ok()
                .append_header(("set-cookie", "visited=yes"))
                .append_header(("set-cookie", "theme=dark; Path=/; HttpOnly"))
                .body(s.user.name.unwrap_or_default())
        }),
    )
    .route(
        "/plain",
        web::get().to(|| async {
            HttpResponse::Ok()
                .append_header(("set-cookie", "visited=yes"))
                .finish()
        }),
    );
}

#[actix_web::test]
async fn the_apps_own_cookies_coexist_with_the_refreshed_session_cookie() {
    let server = serve(cookie_routes).await;
    let base = &server.base;
    let codec = server.auth.config().token_codec(false);
    let now = now();
    let update_age = i64::try_from(server.auth.config().update_age().as_secs()).expect("secs");
    let old_iat = now - update_age - 3600;
    let claims = json!({"sub": "7", "name": "Seven", "email": "seven@example.com",
        "team": "blue", "role": "admin",
        "iat": old_iat, "exp": now + 3600, "jti": "jti-old"});
    let old = codec
        .encode(claims.as_object().expect("object"))
        .expect("encode");
    let cookie = format!("{SESSION}={old}; other=1");

    let res = get_with(base, "/visit", Some(&cookie), None).await;
    assert_eq!(res.status, 200);
    let set = res.set_cookies();
    assert!(set.iter().any(|c| c.starts_with("visited=yes")), "{set:?}");
    assert!(
        set.iter().any(|c| c.starts_with("theme=dark; Path=/")),
        "{set:?}"
    );
    let session_lines: Vec<&&str> = set
        .iter()
        .filter(|c| c.starts_with(&format!("{SESSION}=")))
        .collect();
    assert_eq!(
        session_lines.len(),
        1,
        "one refreshed session cookie: {set:?}"
    );
    let line = session_lines[0];
    let lower = line.to_ascii_lowercase();
    assert!(
        lower.contains("httponly") && lower.contains("path=/") && lower.contains("samesite=lax"),
        "{line}"
    );
    let value = line
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v)
        .expect("value");
    assert_ne!(value, old, "re-issued");
    let fresh = codec.decode(value).expect("refreshed token decodes");
    assert_eq!(fresh["sub"], "7");
    assert_eq!(fresh["team"], "blue");
    let iat = fresh["iat"].as_i64().expect("iat");
    assert!(iat >= now - 5, "fresh iat {iat} (was {old_iat})");
    assert_eq!(res.body, "Seven");

    // A fresh token is not re-issued; the app's cookies stay.
    let fresh_cookie = format!("{SESSION}={value}");
    let res = get_with(base, "/visit", Some(&fresh_cookie), None).await;
    let set = res.set_cookies();
    assert_eq!(set.len(), 2, "only the app's cookies: {set:?}");
    assert!(set.iter().any(|c| c.starts_with("visited=yes")), "{set:?}");
    assert!(set.iter().any(|c| c.starts_with("theme=dark")), "{set:?}");

    // A route that never asks for its session never refreshes it, even when old.
    let res = get_with(base, "/plain", Some(&cookie), None).await;
    let set = res.set_cookies();
    assert_eq!(set.len(), 1, "{set:?}");
    assert!(set[0].starts_with("visited=yes"), "{set:?}");
}

fn guard_mode_routes(cfg: &mut web::ServiceConfig) {
    use authgate_actix::GuardMode;
    cfg.service(
        web::resource("/page")
            .wrap(require_auth().mode(GuardMode::Redirect))
            .get(|| async { "page" }),
    )
    .service(
        web::resource("/api")
            .wrap(require_auth().mode(GuardMode::Unauthorized))
            .get(|| async { "api" }),
    )
    .service(
        web::resource("/auto")
            .wrap(require_auth())
            .get(|| async { "auto" }),
    );
}

#[actix_web::test]
async fn guard_modes_answer_as_asked_whatever_the_accept_header() {
    let server = serve(guard_mode_routes).await;
    let base = &server.base;
    let cookie = sign_in(base, "seven").await;
    authgate_test_support::assert_guard_modes(base, &cookie).await;
}

#[test]
fn rejections_are_errors_with_messages() {
    use authgate_actix::AuthRejection;
    let err: Box<dyn std::error::Error> = Box::new(AuthRejection::NotMounted);
    assert_eq!(
        err.to_string(),
        "session extractor used on a route without AuthMiddleware"
    );
    assert_eq!(AuthRejection::Unauthorized.to_string(), "no session");
}

// ---------------------------------------------------------------------------------
// The app's own session cookie (issue 11 item 8)
// ---------------------------------------------------------------------------------

const APP_CLEAR: &str = "authjs.session-token=; Path=/; Max-Age=0";

fn own_cookie_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/logout",
        web::get().to(|s: Option<Session>| async move {
            drop(s);
            HttpResponse::Ok()
                .append_header(("set-cookie", APP_CLEAR))
                .body("bye")
        }),
    )
    .route(
        "/peek",
        web::get().to(|s: Option<Session>| async move { s.is_some().to_string() }),
    );
}

#[actix_web::test]
async fn a_handler_that_clears_the_session_cookie_keeps_its_own() {
    let server = serve(own_cookie_routes).await;
    let base = &server.base;
    let junk = format!("{SESSION}=junk");
    // The session read would clear the garbage cookie; the handler did it itself.
    let res = get_with(base, "/logout", Some(&junk), None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.set_cookies(), [APP_CLEAR]);
    assert_eq!(res.header("cache-control"), Some("private, no-store"));
    // Signed in: the handler's clearing cookie is the only one too.
    let session = sign_in(base, "seven").await;
    let res = get_with(base, "/logout", Some(&session), None).await;
    assert_eq!(res.set_cookies(), [APP_CLEAR]);
    // Without the handler's cookie, the middleware clears the garbage itself.
    let res = get_with(base, "/peek", Some(&junk), None).await;
    assert_eq!(res.body, "false");
    assert!(res.clears(SESSION), "{:?}", res.set_cookies());
    assert_eq!(res.header("cache-control"), Some("private, no-store"));
}
