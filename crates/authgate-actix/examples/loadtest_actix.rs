//! Serves `/api/me` twice on one worker for `scripts/loadtest.sh actix`: bare on `PORT`
//! and behind `AuthMiddleware` (with a `Session` extractor) on `PORT + 1`. Prints the
//! session cookie to send.

use actix_web::{web, App, HttpServer};
use authgate_actix::{AuthMiddleware, Session};
use authgate_core::{Auth, AuthConfig, Token, User};
use serde_json::json;

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let auth = Auth::new(
        AuthConfig::builder()
            .secret("authgate-bench-secret-0123456789-abcdefghijklmnop")
            .url("http://localhost:3000")
            .build()?,
    );
    let alice = User::new("1")
        .name("Alice Liddell")
        .email("alice@example.com")
        .image("https://avatars.example.com/u/123456?v=4");
    let (token, _) = auth.encode_token(Token::from(&alice), false)?;
    let bare = HttpServer::new(|| {
        App::new().route(
            "/api/me",
            web::get().to(|| async {
                web::Json(json!({"user": {"name": "Alice Liddell", "email": "alice@example.com",
                    "image": "https://avatars.example.com/u/123456?v=4"}, "expires": "2026-12-24T10:00:00.000Z"}))
            }),
        )
    })
    .workers(1)
    .bind(("127.0.0.1", port))?
    .run();
    let layered = HttpServer::new(move || {
        App::new()
            .route(
                "/api/me",
                web::get().to(|s: Session| async move { web::Json(s.session) }),
            )
            .wrap(AuthMiddleware::new(auth.clone()))
    })
    .workers(1)
    .bind(("127.0.0.1", port + 1))?
    .run();
    println!("authjs.session-token={token}");
    futures_util::future::try_join(bare, layered).await?;
    Ok(())
}
