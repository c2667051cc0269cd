//! Runs the demo app: `cargo run -p authgate-demo` (then open http://localhost:3000).

use std::net::SocketAddr;

#[tokio::main]
async fn main() {
    authgate_demo::init_tracing();
    if let Err(err) = run().await {
        tracing::error!("{err}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let settings = authgate_demo::Settings::from_env()?;
    let (url, port) = (settings.url.clone(), settings.port);
    let auth = settings.auth().await?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!(
        "authgate demo on {url} (listening on {addr}); users alice/wonderland, bob/builder"
    );
    // With the peer address, for the per-IP rate limits.
    let app = authgate_demo::router(auth).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
