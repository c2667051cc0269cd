//! axum-specific behaviour over real HTTP: coexistence with an app's own
//! `CookieManagerLayer`, extractors without the layer, custom user types, lazy decoding.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use authgate_axum::{AuthLayer, Session, Token};
use authgate_core::{Auth, AuthConfig, Credentials, User};
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

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Signs in and returns the `Cookie` header value holding the session.
async fn sign_in(base: &str) -> String {
    let c = client();
    let res = c
        .get(format!("{base}/auth/csrf"))
        .send()
        .await
        .expect("csrf");
    let csrf_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("authjs.csrf-token="))
        .and_then(|v| v.split(';').next())
        .expect("csrf cookie")
        .to_owned();
    let token = res.json::<serde_json::Value>().await.expect("json")["csrfToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let res = c
        .post(format!("{base}/auth/callback/credentials"))
        .header("cookie", &csrf_cookie)
        .form(&[("csrfToken", token.as_str()), ("password", "pw")])
        .send()
        .await
        .expect("sign in");
    assert_eq!(res.status(), 302);
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("authjs.session-token="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_owned()
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
    let res = client()
        .get(format!("{base}/visit"))
        .header("cookie", format!("{session}; other=1"))
        .send()
        .await
        .expect("visit");
    assert_eq!(res.status(), 200);
    let set: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    assert!(set.iter().any(|c| c.starts_with("visited=yes")), "{set:?}");
    assert_eq!(res.text().await.expect("body"), "Seven");
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
            .layer(AuthLayer::new(auth))
    })
    .await;
    let session = sign_in(&base).await;
    let c = client();
    let get = |path: &str, cookie: Option<&str>| {
        let mut r = c.get(format!("{base}{path}"));
        if let Some(v) = cookie {
            r = r.header("cookie", v.to_owned());
        }
        r.send()
    };
    let res = get("/member", Some(&session)).await.expect("member");
    assert_eq!(res.text().await.expect("body"), "Seven");
    let res = get("/claims", Some(&session)).await.expect("claims");
    assert_eq!(res.text().await.expect("body"), "7:blue");
    assert_eq!(
        get("/maybe", Some(&session))
            .await
            .expect("maybe")
            .text()
            .await
            .expect("b"),
        "in"
    );
    assert_eq!(
        get("/maybe", None)
            .await
            .expect("maybe")
            .text()
            .await
            .expect("b"),
        "out"
    );
    let res = get("/claims", None).await.expect("claims");
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.text().await.expect("body"),
        r#"{"error":"Unauthorized"}"#
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
    let res = client().get(format!("{base}/me")).send().await.expect("me");
    assert_eq!(res.status(), 500);
    assert_eq!(
        res.text().await.expect("body"),
        r#"{"error":"Configuration"}"#
    );
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
    let c = client();
    let res = c
        .get(format!("{base}/public"))
        .header("cookie", &session)
        .send()
        .await
        .expect("public");
    assert_eq!(res.status(), 200);
    assert_eq!(
        jwt_runs.load(Ordering::SeqCst),
        after_sign_in,
        "no extractor, no decode"
    );
    let res = c
        .get(format!("{base}/twice"))
        .header("cookie", &session)
        .send()
        .await
        .expect("twice");
    assert_eq!(res.status(), 200);
    assert_eq!(
        jwt_runs.load(Ordering::SeqCst),
        after_sign_in + 1,
        "three extractors, one decode"
    );
}
