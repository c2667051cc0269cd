//! The demo on axum.

use authgate::axum::{require, require_auth, AuthLayer, GuardMode, Session, SharedSession};
use authgate::Auth;
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode, Uri},
    response::Html,
    routing::{delete, get},
    Json, Router,
};

use crate::{is_admin, pages, session_route, SessionAction};

async fn manage(
    auth: &Auth,
    action: SessionAction<'_>,
    headers: &HeaderMap,
    uri: &Uri,
) -> (StatusCode, Json<serde_json::Value>) {
    let (status, body) = session_route(auth, action, headers, uri).await;
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(body),
    )
}

async fn list_sessions(
    State(auth): State<Auth>,
    _signed_in: Session,
    headers: HeaderMap,
    uri: Uri,
) -> (StatusCode, Json<serde_json::Value>) {
    manage(&auth, SessionAction::List, &headers, &uri).await
}

async fn revoke_others(
    State(auth): State<Auth>,
    _signed_in: Session,
    headers: HeaderMap,
    uri: Uri,
) -> (StatusCode, Json<serde_json::Value>) {
    manage(&auth, SessionAction::RevokeOthers, &headers, &uri).await
}

async fn revoke_one(
    State(auth): State<Auth>,
    _signed_in: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> (StatusCode, Json<serde_json::Value>) {
    manage(&auth, SessionAction::Revoke(&id), &headers, &uri).await
}

async fn home(session: Option<Session>) -> Html<String> {
    Html(pages::home(session.as_ref().map(|s| &s.user)))
}

/// The session as `GET /auth/session` shapes it. `SharedSession`: the handler only
/// answers it, so it takes it without copying the user (`Session` would).
async fn me(session: SharedSession) -> SharedSession {
    session
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
        .route("/api/sessions", get(list_sessions).delete(revoke_others))
        .route("/api/sessions/{id}", delete(revoke_one))
        .with_state(auth.clone())
        .layer(AuthLayer::new(auth))
}
