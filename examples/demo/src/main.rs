//! Runs the demo app: `cargo run -p authgate-demo` (then open http://localhost:3000).

use std::net::SocketAddr;

use rand::RngCore;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    if let Err(err) = run().await {
        tracing::error!("{err}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let port: u16 = match env("PORT") {
        Some(p) => p
            .parse()
            .map_err(|_| format!("PORT is not a port number: {p:?}"))?,
        None => 3000,
    };
    let secret = env("AUTH_SECRET").unwrap_or_else(|| {
        tracing::warn!(
            "AUTH_SECRET is not set: using a random secret, so sessions end when the demo stops"
        );
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    });
    let url = env("AUTH_URL").unwrap_or_else(|| format!("http://localhost:{port}"));
    match env("AUTH_STRATEGY").as_deref() {
        None | Some("jwt") => {}
        Some("database") => return Err(
            "AUTH_STRATEGY=database needs the database adapters, which are not built yet; use jwt"
                .into(),
        ),
        Some(other) => {
            return Err(format!(
                "AUTH_STRATEGY must be jwt or database, not {other:?}"
            ))
        }
    }
    for unused in ["OIDC_ISSUER", "GITHUB_ID", "DATABASE_URL"] {
        if env(unused).is_some() {
            tracing::warn!(
                "{unused} is set but OAuth/OIDC providers and databases are not built yet; ignored"
            );
        }
    }
    let auth = authgate_demo::auth(&secret, &url).map_err(|e| e.to_string())?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!(
        "authgate demo on {url} (listening on {addr}); users alice/wonderland, bob/builder"
    );
    axum::serve(listener, authgate_demo::router(auth))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
