//! The cost of `AuthMiddleware` per authenticated request, in process (no sockets): the
//! same `/api/me` handler with and without the middleware.
//!
//! `cargo bench -p authgate-actix --bench middleware`
//! (The over-the-network figure comes from `scripts/loadtest.sh actix`.)
#![allow(missing_docs)]

use std::hint::black_box;

use actix_web::{test, web, App};
use authgate_actix::{AuthMiddleware, Session};
use authgate_core::{Auth, AuthConfig, Token, User};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;

const SECRET: &str = "authgate-bench-secret-0123456789-abcdefghijklmnop";

fn bench(c: &mut Criterion) {
    let rt = actix_web::rt::System::new();
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
    let bare = rt.block_on(test::init_service(App::new().route(
        "/api/me",
        web::get().to(|| async {
            web::Json(json!({"user": {"name": "Alice Liddell", "email": "alice@example.com",
                "image": "https://avatars.example.com/u/123456?v=4"}, "expires": "2026-12-24T10:00:00.000Z"}))
        }),
    )));
    let layered = rt.block_on(test::init_service(
        App::new()
            .route(
                "/api/me",
                web::get().to(|s: Session| async move { web::Json(s.session) }),
            )
            .wrap(AuthMiddleware::new(auth)),
    ));
    let request = || {
        test::TestRequest::get()
            .uri("/api/me")
            .insert_header(("cookie", cookie.as_str()))
            .to_request()
    };
    c.bench_function("middleware/bare_handler", |b| {
        b.iter(|| {
            rt.block_on(async {
                let res = test::call_service(&bare, black_box(request())).await;
                assert!(res.status().is_success());
                test::read_body(res).await
            })
        })
    });
    c.bench_function("middleware/with_auth_middleware", |b| {
        b.iter(|| {
            rt.block_on(async {
                let res = test::call_service(&layered, black_box(request())).await;
                assert!(res.status().is_success());
                test::read_body(res).await
            })
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
