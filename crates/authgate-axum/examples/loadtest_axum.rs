//! Serves `/api/me` twice on one core for `scripts/loadtest.sh`: bare on `PORT` and
//! behind `AuthLayer` (with a `Session` extractor) on `PORT + 1`. Prints the session
//! cookie to send.

use authgate_axum::{AuthLayer, Session};
use authgate_core::{Auth, AuthConfig};
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
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs() as i64;
        let claims = json!({"name": "Alice Liddell", "email": "alice@example.com",
            "picture": "https://avatars.example.com/u/123456?v=4", "sub": "1",
            "iat": now, "exp": now + 3600, "jti": "1272c684-f12e-4953-90aa-0fc8007884d6"});
        let token = auth
            .config()
            .token_codec(false)
            .encode(claims.as_object().ok_or("object")?)?;
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
