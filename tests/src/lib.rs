//! Test harness: serves the demo app on a loopback port, on every framework adapter;
//! the tests drive it with the shared helpers of `authgate-test-support` (re-exported
//! here: [`Browser`], [`Resp`], the cookie names, dates and encoders).
//!
//! Every suite function takes a [`Framework`], so the same suite runs on every adapter:
//! [`suite!`] turns `async fn name(fw: Framework)` into one `#[tokio::test]` per framework.

use authgate::{Auth, AuthConfig, AuthConfigBuilder, TokenCodec};
pub use authgate_test_support::*;
mod database;
mod email;
mod oauth;
pub use database::{spawn_database, spawn_email, stores, Store};
pub use email::Outbox;
pub use oauth::{oauth_sign_in, submit_form_post, OAuthDance};
use serde_json::{Map, Value};

/// The secret of the test vectors (`tests/vectors`), used by every test server.
pub const SECRET: &str = "authgate-test-vector-secret-do-not-use-in-production";
/// The older secret of the rotation vector.
pub const OLD_SECRET: &str = "second-secret-for-rotation-tests-0123456789";

/// A web framework adapter under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framework {
    /// `authgate-axum`.
    Axum,
    /// `authgate-actix`.
    Actix,
}

impl Framework {
    /// Every framework, for tests that compare them.
    pub const ALL: [Framework; 2] = [Framework::Axum, Framework::Actix];
}

/// Generates one `#[tokio::test]` per framework for each suite function.
#[macro_export]
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod axum {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Framework::Axum).await;
                }
            )*
        }
        mod actix {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Framework::Actix).await;
                }
            )*
        }
    };
}

/// A running test server; dropping it stops an actix server (axum servers end with
/// their test's runtime).
#[derive(Debug)]
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The engine it serves.
    pub auth: Auth,
    actix: Option<actix_web::dev::ServerHandle>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(handle) = self.actix.take() {
            // Sends the stop command; the server thread ends on its own.
            drop(handle.stop(false));
        }
    }
}

impl Server {
    /// A browser with an empty cookie jar.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }
}

/// Serves the demo app with the demo config, canonical URL = the server's address.
pub async fn spawn(fw: Framework) -> Server {
    spawn_with(fw, |b| b).await
}

/// Serves the demo app with its config adjusted by `tweak` (applied on top of secret,
/// URL and the demo's providers and callbacks).
pub async fn spawn_with(
    fw: Framework,
    tweak: impl FnOnce(AuthConfigBuilder) -> AuthConfigBuilder,
) -> Server {
    spawn_custom(fw, |url| {
        let builder = authgate_demo::configure(AuthConfig::builder().secret(SECRET).url(url));
        tweak(builder)
    })
    .await
}

/// Serves the demo app's routes with an engine built from scratch; `build` gets the
/// server's base URL.
pub async fn spawn_custom(fw: Framework, build: impl FnOnce(&str) -> AuthConfigBuilder) -> Server {
    // `AUTHGATE_TEST_LOG=authgate_core=debug cargo test ... -- --nocapture` shows the
    // engine's log lines.
    if let Ok(filter) = std::env::var("AUTHGATE_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("local addr"));
    let config = build(&base).build().expect("test config builds");
    let auth = Auth::new(config);
    let actix = match fw {
        Framework::Axum => {
            listener.set_nonblocking(true).expect("nonblocking");
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            let app = authgate_demo::router(auth.clone())
                .into_make_service_with_connect_info::<std::net::SocketAddr>();
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            None
        }
        Framework::Actix => Some(spawn_actix(listener, auth.clone())),
    };
    Server { base, auth, actix }
}

/// Runs the actix demo on its own thread (actix has its own runtime) and returns its
/// handle once it listens.
fn spawn_actix(listener: std::net::TcpListener, auth: Auth) -> actix_web::dev::ServerHandle {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || authgate_demo_actix::app(auth.clone()))
                .workers(1)
                .disable_signals()
                .listen(listener)
                .expect("actix listens")
                .run();
            let _ = tx.send(server.handle());
            let _ = server.await;
        });
    });
    rx.recv().expect("actix server started")
}

/// The Auth.js v5 codec for the http session cookie ([`SESSION`]) and [`SECRET`].
pub fn codec() -> TokenCodec {
    codec_for(&[SECRET], SESSION)
}

/// Encrypts claims (a JSON object, `iat`/`exp` as given) as a v5 session token for
/// the http cookie and [`SECRET`].
pub fn craft_token(claims: &Value) -> String {
    let map = claims.as_object().expect("claims are an object").clone();
    codec().encode(&map).expect("encode")
}

/// A session token for `sub` issued `age` seconds ago, expiring `ttl` seconds from now,
/// with extra claims merged in.
pub fn token_for(sub: &str, age: i64, ttl: i64, extra: &Value) -> String {
    let now = now();
    let mut claims = serde_json::json!({
        "sub": sub, "iat": now - age, "exp": now + ttl, "jti": format!("jti-{sub}-{now}"),
    });
    if let (Some(c), Some(e)) = (claims.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    craft_token(&claims)
}

/// Decodes a session token (as set in a cookie) with [`codec`]; panics when invalid.
pub fn decode_token(value: &str) -> Map<String, Value> {
    codec().decode(value).expect("session token decodes")
}

/// Loads a JSON test vector file from `tests/vectors`.
pub fn vectors(name: &str) -> Value {
    let path = format!("{}/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("vector JSON")
}
