//! The bare handler the instruction-count benchmark (`scripts/callgrind.sh`) compares
//! the axum demo with: `/api/me` without authgate, building and serializing the same
//! session JSON per request (401 without a session cookie). `PORT` (default 3000);
//! stops on Ctrl-C / SIGINT.

use axum::{http::HeaderMap, http::StatusCode, routing::get, Json, Router};
use serde_json::json;

async fn me(headers: HeaderMap) -> (StatusCode, Json<serde_json::Value>) {
    let signed_in = headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("authjs.session-token="));
    if !signed_in {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Unauthorized"})),
        );
    }
    let session = json!({
        "user": {"name": "Alice", "email": "alice@example.com", "id": "1", "role": "admin"},
        "expires": "2026-12-29T16:20:53.000Z",
    });
    (StatusCode::OK, Json(session))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let app = Router::new().route("/api/me", get(me));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
