//! The cost of `AuthLayer` per authenticated request, in process (no sockets): the same
//! `/api/me` handler with and without the layer.
//!
//! `cargo bench -p authgate-axum --bench layer`
//! (The over-the-network figure comes from `scripts/loadtest.sh`.)
#![allow(missing_docs)]

use std::hint::black_box;

use authgate_axum::{AuthLayer, Session};
use authgate_core::{Auth, AuthConfig, Token, User};
use axum::{body::Body, routing::get, Json, Router};
use criterion::{criterion_group, criterion_main, Criterion};
use http::Request;
use serde_json::{json, Value};
use tower::ServiceExt;

const SECRET: &str = "authgate-bench-secret-0123456789-abcdefghijklmnop";

fn session_json() -> Value {
    json!({"user": {"name": "Alice Liddell", "email": "alice@example.com",
        "image": "https://avatars.example.com/u/123456?v=4"}, "expires": "2026-12-24T10:00:00.000Z"})
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let fixed = session_json();
    let bare: Router = Router::new().route(
        "/api/me",
        get(move || {
            let body = fixed.clone();
            async move { Json(body) }
        }),
    );
    let auth = Auth::new(
        AuthConfig::builder()
            .secret(SECRET)
            .url("http://localhost:3000")
            .build()
            .expect("config"),
    );
    let alice = User::new("1")
        .name("Alice Liddell")
        .email("alice@example.com")
        .image("https://avatars.example.com/u/123456?v=4");
    let (token, _) = auth
        .encode_token(Token::from(&alice), false)
        .expect("encode");
    let cookie = format!("authjs.session-token={token}");
    let layered: Router = Router::new()
        .route("/api/me", get(|s: Session| async move { Json(s.session) }))
        .layer(AuthLayer::new(auth));
    let request = |cookie: Option<&str>| {
        let mut b = Request::get("/api/me");
        if let Some(c) = cookie {
            b = b.header("cookie", c);
        }
        b.body(Body::empty()).expect("request")
    };
    c.bench_function("layer/bare_handler", |b| {
        b.to_async(&rt).iter(|| async {
            let res = bare
                .clone()
                .oneshot(black_box(request(Some(&cookie))))
                .await
                .expect("response");
            assert_eq!(res.status(), 200);
            res
        })
    });
    c.bench_function("layer/with_auth_layer", |b| {
        b.to_async(&rt).iter(|| async {
            let res = layered
                .clone()
                .oneshot(black_box(request(Some(&cookie))))
                .await
                .expect("response");
            assert_eq!(res.status(), 200);
            res
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
