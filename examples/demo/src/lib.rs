//! The authgate demo app (DESIGN §6): credentials sign-in with four users, every
//! callback, and the app routes `/`, `/api/me`, `/dashboard` and `/admin`.
//!
//! The end-to-end suite drives [`router`], so the demo is the contract other tools and
//! tests rely on.

use std::collections::HashMap;

use authgate::axum::{require, require_auth, AuthLayer, Session};
use authgate::{
    Auth, AuthConfig, AuthConfigBuilder, Credentials, Error, SignInDecision, Token, Trigger, User,
};
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse},
    routing::get,
    Json, Router,
};
use subtle::ConstantTimeEq;

/// A demo user: username, password, and who they are.
struct DemoUser {
    username: &'static str,
    password: &'static str,
    id: &'static str,
    name: &'static str,
    email: &'static str,
    role: &'static str,
}

const USERS: &[DemoUser] = &[
    DemoUser {
        username: "alice",
        password: "wonderland",
        id: "1",
        name: "Alice",
        email: "alice@example.com",
        role: "admin",
    },
    DemoUser {
        username: "bob",
        password: "builder",
        id: "2",
        name: "Bob",
        email: "bob@example.com",
        role: "user",
    },
    DemoUser {
        username: "mallory",
        password: "mallory",
        id: "3",
        name: "Mallory",
        email: "mallory@example.com",
        role: "user",
    },
    DemoUser {
        username: "eve",
        password: "eve",
        id: "4",
        name: "Eve",
        email: "eve@blocked.example",
        role: "user",
    },
];

/// Checks a username and password against the demo users (constant-time on the
/// password).
async fn authorize(creds: HashMap<String, String>) -> Result<Option<User>, Error> {
    let (Some(username), Some(password)) = (creds.get("username"), creds.get("password")) else {
        return Ok(None);
    };
    let user = USERS
        .iter()
        .find(|u| u.username == username.as_str())
        .filter(|u| bool::from(u.password.as_bytes().ct_eq(password.as_bytes())));
    Ok(user.map(|u| {
        User::new(u.id)
            .name(u.name)
            .email(u.email)
            .with("role", u.role)
    }))
}

/// The demo's auth configuration, on top of `base` (secret and URL).
///
/// - `sign_in`: mallory is sent to `/unauthorized`, `@blocked.example` users are denied.
/// - `jwt`: copies `role` and the user id into the token at sign-in; on `Update` takes a
///   new `name` from the posted data.
/// - `session`: exposes `user.id` and `user.role`.
pub fn configure(base: AuthConfigBuilder) -> AuthConfigBuilder {
    base.provider(Credentials::new(|creds, _req| authorize(creds)))
        .on_sign_in(|ctx| async move {
            if ctx.user.id == "3" {
                return Ok(SignInDecision::Redirect("/unauthorized".into()));
            }
            if ctx
                .user
                .email
                .as_deref()
                .is_some_and(|e| e.ends_with("@blocked.example"))
            {
                return Ok(SignInDecision::Deny);
            }
            Ok(SignInDecision::Allow)
        })
        .on_jwt(|ctx| async move {
            let mut token: Token = ctx.token;
            match ctx.trigger {
                Some(Trigger::SignIn | Trigger::SignUp) => {
                    if let Some(user) = &ctx.user {
                        token.insert("id", &user.id)?;
                        if let Some(role) = user.extra.get("role") {
                            token.insert("role", role)?;
                        }
                    }
                }
                Some(Trigger::Update) => {
                    if let Some(name) = ctx
                        .session
                        .as_ref()
                        .and_then(|d| d.get("name"))
                        .and_then(|n| n.as_str())
                    {
                        token.name = Some(name.to_owned());
                    }
                }
                None => {}
            }
            Ok(Some(token))
        })
        .on_session(|ctx| async move {
            let mut session = ctx.session;
            if let Some(user) = session.user.as_mut() {
                user.id = ctx
                    .token
                    .get::<String>("id")
                    .or_else(|| ctx.token.sub.clone());
                if let Some(role) = ctx.token.get::<String>("role") {
                    user.insert("role", role)?;
                }
            }
            Ok(session)
        })
}

/// The demo engine for a secret and a canonical URL.
pub fn auth(secret: &str, url: &str) -> Result<Auth, Error> {
    Ok(Auth::new(
        configure(AuthConfig::builder().secret(secret).url(url)).build()?,
    ))
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn home(session: Option<Session>) -> Html<String> {
    match session {
        Some(s) => {
            let who = s
                .user
                .name
                .clone()
                .or(s.user.email.clone())
                .unwrap_or_default();
            page(
                "authgate demo",
                &format!(
                    "<p>Signed in as <strong>{}</strong>.</p><p><a href=\"/dashboard\">Dashboard</a> · <a href=\"/admin\">Admin</a> · <a href=\"/api/me\">/api/me</a> · <a href=\"/auth/signout\">Sign out</a></p>",
                    escape(&who)
                ),
            )
        }
        None => page(
            "authgate demo",
            "<p>Not signed in.</p><p><a href=\"/auth/signin\">Sign in</a></p>",
        ),
    }
}

async fn me(session: Session) -> Json<std::sync::Arc<authgate::Session>> {
    Json(session.session)
}

async fn dashboard(session: Session) -> Html<String> {
    let who = session.user.name.unwrap_or_default();
    page(
        "Dashboard",
        &format!(
            "<p>Welcome, {}.</p><p><a href=\"/\">Home</a></p>",
            escape(&who)
        ),
    )
}

async fn admin(session: Session) -> Html<String> {
    let who = session.user.name.unwrap_or_default();
    page("Admin", &format!("<p>Hello admin {}.</p>", escape(&who)))
}

async fn unauthorized() -> impl IntoResponse {
    (
        StatusCode::OK,
        page(
            "Unauthorized",
            "<p>This account may not sign in here.</p><p><a href=\"/\">Home</a></p>",
        ),
    )
}

/// The demo's router with the auth layer on.
pub fn router(auth: Auth) -> Router {
    let is_admin =
        |s: &authgate::Session| s.user_field::<String>("role").as_deref() == Some("admin");
    Router::new()
        .route("/", get(home))
        .route("/api/me", get(me))
        .route("/dashboard", get(dashboard).layer(require_auth()))
        .route("/admin", get(admin).layer(require(is_admin)))
        .route("/unauthorized", get(unauthorized))
        .layer(AuthLayer::new(auth))
}
