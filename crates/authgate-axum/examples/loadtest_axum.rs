//! Serves `/api/me` twice on one core for `scripts/loadtest.sh`: bare on `PORT` and
//! behind `AuthLayer` (with a `Session` extractor) on `PORT + 1`. Prints the session
//! cookie to send.

use authgate_axum::{AuthLayer, Session};
use authgate_core::{Auth, AuthConfig, Token, User};
use axum::{routing::get, Json, Router};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let fixed = json!({"user": {"name": "Alice Liddell", "email": "alice@example.com",
            "image": "https://avatars.example.com/u/123456?v=4"}, "expires": "2026-12-24T10:00:00.000Z"});
        let bare: Router = Router::new().route(
            "/api/me",
            get(move || {
                let body = fixed.clone();
                async move { Json(body) }
            }),
        );
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
        let layered: Router = Router::new()
            .route("/api/me", get(|s: Session| async move { Json(s.session) }))
            .layer(AuthLayer::new(auth));
        let a = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let b = tokio::net::TcpListener::bind(("127.0.0.1", port + 1)).await?;
        println!("authjs.session-token={token}");
        tokio::spawn(async move { axum::serve(a, bare).await });
        axum::serve(b, layered).await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
