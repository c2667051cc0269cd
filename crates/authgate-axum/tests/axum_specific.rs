//! axum-specific behaviour over real HTTP: coexistence with an app's own
//! `CookieManagerLayer`, extractors without the layer, custom user types, lazy decoding.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use authgate_axum::{AuthLayer, Session, SharedSession, Token};
use authgate_core::{Auth, AuthConfig, Credentials, User};
use authgate_test_support::{get_with, Browser, CREDENTIALS, SESSION};
use axum::{routing::get, Json, Router};
use serde::Deserialize;
use tower_cookies::{Cookie, CookieManagerLayer, Cookies};

const SECRET: &str = "authgate-axum-test-secret-0123456789abcdef";

async fn serve(build: impl FnOnce(Auth) -> Router) -> (String, Auth) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let auth = Auth::new(
        AuthConfig::builder()
            .secret(SECRET)
            .url(&base)
            .provider(Credentials::new(|creds, _| async move {
                Ok((creds.get("password").map(String::as_str) == Some("pw"))
                    .then(|| User::new("7").name("Seven").with("team", "blue")))
            }))
            .on_jwt(|ctx| async move {
                let mut token = ctx.token;
                if let Some(team) = ctx.user.as_ref().and_then(|u| u.extra.get("team")) {
                    token.insert("team", team)?;
                }
                Ok(Some(token))
            })
            .build()
            .expect("config"),
    );
    let app = build(auth.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, auth)
}

/// Signs in and returns the `Cookie` header value holding the session.
async fn sign_in(base: &str) -> String {
    Browser::new(base)
        .signed_in_cookie(CREDENTIALS, &[("password", "pw")])
        .await
}

#[tokio::test]
async fn coexists_with_the_apps_cookie_manager_layer() {
    let (base, _) = serve(|auth| {
        Router::new()
            .route(
                "/visit",
                get(|cookies: Cookies, s: Session| async move {
                    cookies.add(Cookie::new("visited", "yes"));
                    s.user.name.unwrap_or_default()
                }),
            )
            .layer(CookieManagerLayer::new())
            .layer(AuthLayer::new(auth))
    })
    .await;
    let session = sign_in(&base).await;
    let cookie = format!("{session}; other=1");
    let res = get_with(&base, "/visit", Some(&cookie), None).await;
    assert_eq!(res.status, 200);
    let set = res.set_cookies();
    assert!(set.iter().any(|c| c.starts_with("visited=yes")), "{set:?}");
    assert_eq!(res.body, "Seven");
}

#[derive(Debug, Deserialize)]
struct Member {
    name: String,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    team: String,
}

#[tokio::test]
async fn custom_types_and_optional_session() {
    let (base, _) = serve(|auth| {
        Router::new()
            .route(
                "/member",
                get(|s: Session<Member>| async move { s.user.name }),
            )
            .route(
                "/claims",
                get(|Token(t): Token<Claims>| async move { format!("{}:{}", t.sub, t.team) }),
            )
            .route(
                "/maybe",
                get(|s: Option<Session>| async move {
                    if s.is_some() {
                        "in"
                    } else {
                        "out"
                    }
                }),
            )
            .route("/shared", get(|s: SharedSession| async move { Json(s) }))
            .route("/shared-raw", get(|s: SharedSession| async move { s }))
            .route(
                "/maybe-shared",
                get(|s: Option<SharedSession>| async move {
                    s.and_then(|s| s.user.as_ref().and_then(|u| u.name.clone()))
                        .unwrap_or_else(|| "out".to_owned())
                }),
            )
            .layer(AuthLayer::new(auth))
    })
    .await;
    let session = sign_in(&base).await;
    let res = get_with(&base, "/member", Some(&session), None).await;
    assert_eq!(res.body, "Seven");
    let res = get_with(&base, "/claims", Some(&session), None).await;
    assert_eq!(res.body, "7:blue");
    assert_eq!(
        get_with(&base, "/maybe", Some(&session), None).await.body,
        "in"
    );
    assert_eq!(get_with(&base, "/maybe", None, None).await.body, "out");
    let res = get_with(&base, "/claims", None, None).await;
    assert_eq!(res.status, 401);
    assert_eq!(res.body, r#"{"error":"Unauthorized"}"#);

    // `SharedSession`: the session as `/auth/session` answers it, not copied.
    let res = get_with(&base, "/shared", Some(&session), None).await;
    assert_eq!(res.status, 200);
    let shared: serde_json::Value = serde_json::from_str(&res.body).expect("session JSON");
    assert_eq!(shared["user"]["name"], "Seven");
    assert!(shared["expires"].as_str().is_some_and(|e| e.ends_with('Z')));
    // As a response it is the same JSON, byte for byte.
    let raw = get_with(&base, "/shared-raw", Some(&session), None).await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.body, res.body);
    assert_eq!(raw.header("content-type"), Some("application/json"));
    let res = get_with(&base, "/shared", None, None).await;
    assert_eq!(res.status, 401);
    assert_eq!(res.body, r#"{"error":"Unauthorized"}"#);
    assert_eq!(
        get_with(&base, "/maybe-shared", Some(&session), None)
            .await
            .body,
        "Seven"
    );
    assert_eq!(
        get_with(&base, "/maybe-shared", None, None).await.body,
        "out"
    );
}

#[tokio::test]
async fn extractor_without_the_layer_is_a_500_not_a_panic() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app: Router = Router::new().route("/me", get(|s: Session| async move { Json(s.session) }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let res = get_with(&base, "/me", None, None).await;
    assert_eq!(res.status, 500);
    assert_eq!(res.body, r#"{"error":"Configuration"}"#);
}

#[tokio::test]
async fn session_is_decoded_lazily_and_once() {
    let jwt_runs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&jwt_runs);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let auth = Auth::new(
        AuthConfig::builder()
            .secret(SECRET)
            .url(&base)
            .provider(Credentials::new(|_, _| async { Ok(Some(User::new("1"))) }))
            .on_jwt(move |ctx| {
                counter.fetch_add(1, Ordering::SeqCst);
                async move { Ok(Some(ctx.token)) }
            })
            .build()
            .expect("config"),
    );
    let app = Router::new()
        .route("/public", get(|| async { "hi" }))
        .route(
            "/twice",
            get(|a: Session, b: Option<Session>, t: Token| async move {
                format!("{:?}{}{:?}", a.user.id, b.is_some(), t.0.sub)
            }),
        )
        .layer(AuthLayer::new(auth));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let session = sign_in(&base).await;
    let after_sign_in = jwt_runs.load(Ordering::SeqCst);
    let res = get_with(&base, "/public", Some(&session), None).await;
    assert_eq!(res.status, 200);
    assert_eq!(
        jwt_runs.load(Ordering::SeqCst),
        after_sign_in,
        "no extractor, no decode"
    );
    let res = get_with(&base, "/twice", Some(&session), None).await;
    assert_eq!(res.status, 200);
    assert_eq!(
        jwt_runs.load(Ordering::SeqCst),
        after_sign_in + 1,
        "three extractors, one decode"
    );
}

#[tokio::test]
async fn guard_modes_answer_as_asked_whatever_the_accept_header() {
    use authgate_axum::{require_auth, GuardMode};
    let (base, _) = serve(|auth| {
        Router::new()
            .route(
                "/page",
                get(|| async { "page" }).route_layer(require_auth().mode(GuardMode::Redirect)),
            )
            .route(
                "/api",
                get(|| async { "api" }).route_layer(require_auth().mode(GuardMode::Unauthorized)),
            )
            .route(
                "/auto",
                get(|| async { "auto" }).route_layer(require_auth()),
            )
            .layer(AuthLayer::new(auth))
    })
    .await;
    let cookie = sign_in(&base).await;
    authgate_test_support::assert_guard_modes(&base, &cookie).await;
}

#[test]
fn rejections_are_errors_with_messages() {
    use authgate_axum::AuthRejection;
    let err: Box<dyn std::error::Error> = Box::new(AuthRejection::NotMounted);
    assert_eq!(
        err.to_string(),
        "session extractor used on a route without AuthLayer"
    );
    assert_eq!(AuthRejection::Unauthorized.to_string(), "no session");
}

const APP_CLEAR: &str = "authjs.session-token=; Path=/; Max-Age=0";

/// Issue 11 item 8: a handler that sets or clears the session cookie itself keeps it.
#[tokio::test]
async fn a_handler_that_clears_the_session_cookie_keeps_its_own() {
    let (base, _) = serve(|auth| {
        Router::new()
            .route(
                "/logout",
                get(|s: Option<Session>| async move {
                    drop(s);
                    ([(axum::http::header::SET_COOKIE, APP_CLEAR)], "bye")
                }),
            )
            .route(
                "/peek",
                get(|s: Option<Session>| async move { s.is_some().to_string() }),
            )
            .layer(AuthLayer::new(auth))
    })
    .await;
    let junk = format!("{SESSION}=junk");
    // The session read would clear the garbage cookie; the handler did it itself.
    let res = get_with(&base, "/logout", Some(&junk), None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.set_cookies(), [APP_CLEAR]);
    assert_eq!(res.header("cache-control"), Some("private, no-store"));
    // Signed in: the handler's clearing cookie is the only one too.
    let session = sign_in(&base).await;
    let res = get_with(&base, "/logout", Some(&session), None).await;
    assert_eq!(res.set_cookies(), [APP_CLEAR]);
    // Without the handler's cookie, the layer clears the garbage itself.
    let res = get_with(&base, "/peek", Some(&junk), None).await;
    assert_eq!(res.body, "false");
    assert!(res.clears(SESSION), "{:?}", res.set_cookies());
    assert_eq!(res.header("cache-control"), Some("private, no-store"));
}

#[tokio::test]
async fn auth_routes_release_the_inner_services_readiness() {
    use std::{convert::Infallible, time::Duration};

    use axum::body::Body;
    use tower::{limit::ConcurrencyLimit, service_fn, Layer, Service, ServiceExt};

    let auth = Auth::new(
        AuthConfig::builder()
            .secret(SECRET)
            .url("http://localhost:3000")
            .build()
            .expect("config"),
    );
    let app = service_fn(|_req: http::Request<Body>| async {
        Ok::<_, Infallible>(http::Response::new(Body::from("app")))
    });
    // One request at a time may be in the app; auth routes never enter it.
    let svc = AuthLayer::new(auth).layer(ConcurrencyLimit::new(app, 1));
    let (mut first, mut second) = (svc.clone(), svc);
    let req = || {
        http::Request::get("http://localhost:3000/auth/csrf")
            .body(Body::empty())
            .expect("request")
    };
    let res = first
        .ready()
        .await
        .expect("ready")
        .call(req())
        .await
        .expect("answer");
    assert_eq!(res.status(), 200);
    // The first connection's answered auth request holds no permit: the second is ready.
    let ready = tokio::time::timeout(Duration::from_secs(2), second.ready()).await;
    assert!(ready.is_ok(), "the permit was kept by an auth request");
    let res = second.call(req()).await.expect("answer");
    assert_eq!(res.status(), 200);
}
