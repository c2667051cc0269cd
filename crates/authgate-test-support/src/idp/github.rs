//! A GitHub-shaped surface: GitHub's OAuth app endpoints and the two REST API calls a
//! sign-in makes, with GitHub's quirks (errors with HTTP 200, form-encoded token
//! answers unless JSON is asked for, a mandatory User-Agent, private emails).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::client_auth::TokenRequest;
use super::endpoints::bearer;
use super::error::{no_store, OAuthError};
use super::state::{Access, Shared};
use super::{authorize, token};

/// GitHub's routes, at the server's root.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/login/oauth/authorize", get(authorize::authorize))
        .route("/login/oauth/access_token", post(access_token))
        .route("/api/user", get(user))
        .route("/api/user/emails", get(emails))
}

/// `POST /login/oauth/access_token`: a code for an access token (no refresh token, no
/// id_token). The answer is JSON only for `Accept: application/json`.
async fn access_token(State(idp): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let request = TokenRequest::parse(&headers, &body);
    let grant_type = match &request {
        Ok(r) => Some(r.get("grant_type").unwrap_or("authorization_code")),
        Err(_) => None,
    };
    token::count_grant_type(&idp, grant_type);
    if let Some(response) = token::misbehave(&idp).await {
        return response;
    }
    let issued = request.and_then(|r| {
        r.authenticate(&idp)?;
        match r.get("grant_type") {
            None | Some("authorization_code") => token::redeem_code(&idp, &r),
            Some(other) => Err(OAuthError::unsupported_grant_type(other)),
        }
    });
    let fields = match issued {
        Ok(issued) => vec![
            ("access_token", issued.access_token),
            ("token_type", "bearer".to_owned()),
            (
                "scope",
                issued.scope.split([' ', ',']).collect::<Vec<_>>().join(","),
            ),
        ],
        Err(e) => vec![
            ("error", github_error_code(&e).to_owned()),
            ("error_description", e.description),
            (
                "error_uri",
                "https://docs.github.invalid/apps/oauth-apps/troubleshooting".to_owned(),
            ),
        ],
    };
    let accepts_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if accepts_json {
        let body: serde_json::Map<String, Value> = fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), json!(v)))
            .collect();
        (no_store(), Json(body)).into_response()
    } else {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let content_type = [(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=utf-8",
        )];
        (no_store(), content_type, body).into_response()
    }
}

/// GitHub's name for an OAuth error.
fn github_error_code(e: &OAuthError) -> &'static str {
    match e.error {
        "invalid_client" => "incorrect_client_credentials",
        "invalid_grant" => "bad_verification_code",
        other => other,
    }
}

/// `GET /api/user` (GitHub's `GET /user`).
async fn user(State(idp): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    idp.count(|c| &mut c.github_user);
    match api_token(&idp, &headers) {
        Ok(access) => {
            let private_email = idp.settings().private_email;
            Json(access.grant.user.github_user(private_email)).into_response()
        }
        Err((status, message)) => api_error(status, message),
    }
}

/// `GET /api/user/emails` (GitHub's `GET /user/emails`); needs the `user:email` or
/// `user` scope, else 404 as GitHub answers.
async fn emails(State(idp): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    idp.count(|c| &mut c.github_emails);
    match api_token(&idp, &headers) {
        Ok(access) if access.grant.has_scope("user:email") || access.grant.has_scope("user") => {
            let private_email = idp.settings().private_email;
            Json(access.grant.user.github_emails(private_email)).into_response()
        }
        Ok(_) => api_error(StatusCode::NOT_FOUND, "Not Found"),
        Err((status, message)) => api_error(status, message),
    }
}

/// The access token of an API call (`Bearer` or `token` scheme), which must also have a
/// User-Agent.
/// The error is GitHub's status and message.
fn api_token(idp: &Shared, headers: &HeaderMap) -> Result<Access, (StatusCode, &'static str)> {
    if !headers.contains_key(header::USER_AGENT) {
        return Err((
            StatusCode::FORBIDDEN,
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
        ));
    }
    bearer(idp, headers, &["bearer", "token"]).ok_or((StatusCode::UNAUTHORIZED, "Bad credentials"))
}

fn api_error(status: StatusCode, message: &str) -> Response {
    let body = json!({
        "message": message,
        "documentation_url": "https://docs.github.invalid/rest",
    });
    (status, Json(body)).into_response()
}
