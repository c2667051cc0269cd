//! Runs the actix demo app: `cargo run -p authgate-demo-actix` (then open
//! http://localhost:3000). Same environment as the axum demo.

#[actix_web::main]
async fn main() {
    authgate_demo::init_tracing();
    if let Err(err) = run().await {
        tracing::error!("{err}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let settings = authgate_demo::Settings::from_env()?;
    let auth = settings.auth().await?;
    let addr = ("127.0.0.1", settings.port);
    tracing::info!(
        "authgate actix demo on {} (listening on 127.0.0.1:{}); users alice/wonderland, bob/builder",
        settings.url,
        settings.port
    );
    actix_web::HttpServer::new(move || authgate_demo_actix::app(auth.clone()))
        .bind(addr)
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", settings.port))?
        .run()
        .await
        .map_err(|e| e.to_string())
}
