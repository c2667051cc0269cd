//! The bare handler the instruction-count benchmark (`scripts/callgrind.sh`) compares
//! the actix demo with: `/api/me` without authgate, building and serializing the same
//! session JSON per request (401 without a session cookie). `PORT` (default 3000);
//! stops on Ctrl-C / SIGINT.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::json;

async fn me(req: HttpRequest) -> HttpResponse {
    let signed_in = req
        .headers()
        .get_all("cookie")
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("authjs.session-token="));
    if !signed_in {
        return HttpResponse::Unauthorized().json(json!({"error": "Unauthorized"}));
    }
    let session = json!({
        "user": {"name": "Alice", "email": "alice@example.com", "id": "1", "role": "admin"},
        "expires": "2026-12-29T16:20:53.000Z",
    });
    HttpResponse::Ok().json(session)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    HttpServer::new(|| App::new().route("/api/me", web::get().to(me)))
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
