//! The router, discovery (OIDC Discovery 1.0), the JWKS and userinfo (OIDC Core 5.3).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::misbehave::{Misbehaviour, OTHER_SUB, WRONG_ISSUER};
use super::state::{Access, Shared};
use super::{authorize, github, keys, token};

/// The OIDC endpoints under the issuer's path (`prefix`, no trailing slash) and GitHub's
/// at the root.
pub(crate) fn router(idp: Arc<Shared>, prefix: &str) -> Router {
    let oidc = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize::authorize))
        .route("/token", post(token::token))
        .route("/userinfo", get(userinfo).post(userinfo));
    let oidc = if prefix.is_empty() {
        oidc
    } else {
        Router::new().nest(prefix, oidc)
    };
    oidc.merge(github::router()).with_state(idp)
}

/// `GET /.well-known/openid-configuration`.
async fn discovery(State(idp): State<Arc<Shared>>) -> Json<Value> {
    idp.count(|c| &mut c.discovery);
    let issuer = match idp.settings().misbehaviour {
        Some(Misbehaviour::WrongDiscoveryIssuer) => WRONG_ISSUER.to_owned(),
        _ => idp.issuer_for("{tenantid}"),
    };
    let base = &idp.base;
    let algs: Vec<&str> = keys::SigningAlg::ALL.iter().map(|a| a.name()).collect();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algs,
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp",
            "name", "email", "email_verified", "picture",
        ],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
}

/// `GET /jwks`: the current generation's public keys.
async fn jwks(State(idp): State<Arc<Shared>>) -> Response {
    idp.count(|c| &mut c.jwks);
    let generation = idp.settings().generation;
    Json(keys::jwks(generation)).into_response()
}

/// `GET` or `POST /userinfo` with `Authorization: Bearer <access token>`.
async fn userinfo(State(idp): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    idp.count(|c| &mut c.userinfo);
    let Some(access) = bearer(&idp, &headers, &["bearer"]) else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#)],
            Json(json!({ "error": "invalid_token" })),
        )
            .into_response();
    };
    let user = &access.grant.user;
    let sub = match idp.settings().misbehaviour {
        Some(Misbehaviour::UserinfoSubMismatch) => OTHER_SUB,
        _ => user.sub.as_str(),
    };
    let mut body = user.profile_claims();
    body["sub"] = json!(sub);
    Json(body).into_response()
}

/// The live access token of an `Authorization: <scheme> <token>` header, for one of
/// `schemes` (lower case).
pub(crate) fn bearer(idp: &Shared, headers: &HeaderMap, schemes: &[&str]) -> Option<Access> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !schemes.contains(&scheme.to_ascii_lowercase().as_str()) {
        return None;
    }
    let inner = idp.lock();
    let access = inner.access.get(token.trim())?;
    (access.expires > std::time::Instant::now()).then(|| access.clone())
}
