//! The demo on axum.

use std::sync::Arc;

use authgate::axum::{require, require_auth, AuthLayer, GuardMode, Session};
use authgate::Auth;
use axum::{response::Html, routing::get, Json, Router};

use crate::{is_admin, pages};

async fn home(session: Option<Session>) -> Html<String> {
    Html(pages::home(session.as_ref().map(|s| &s.user)))
}

async fn me(session: Session) -> Json<Arc<authgate::Session>> {
    Json(session.session)
}

async fn dashboard(session: Session) -> Html<String> {
    Html(pages::dashboard(&session.user))
}

async fn admin(session: Session) -> Html<String> {
    Html(pages::admin(&session.user))
}

async fn unauthorized() -> Html<String> {
    Html(pages::unauthorized())
}

/// The demo's router with the auth layer on.
pub fn router(auth: Auth) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/api/me", get(me))
        // `route_layer`: the guards run for GET/HEAD only; other methods get 405.
        .route(
            "/dashboard",
            get(dashboard).route_layer(require_auth().mode(GuardMode::Redirect)),
        )
        .route("/admin", get(admin).route_layer(require(is_admin)))
        .route("/unauthorized", get(unauthorized))
        .layer(AuthLayer::new(auth))
}
