//! The token endpoint (RFC 6749 sections 4.1.3 and 6, RFC 7636 section 4.6): code
//! redemption with PKCE, refresh with rotation.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::client_auth::TokenRequest;
use super::error::{no_store, OAuthError};
use super::id_token::id_token;
use super::misbehave::Misbehaviour;
use super::state::{random_token, Access, Grant, Inner, Shared};
use super::CLIENT_ID;

/// `POST /token`.
pub(crate) async fn token(
    State(idp): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = TokenRequest::parse(&headers, &body);
    let grant_type = request.as_ref().ok().and_then(|r| r.get("grant_type"));
    count_grant_type(&idp, grant_type);
    if let Some(response) = misbehave(&idp).await {
        return response;
    }
    match request.and_then(|r| answer(&idp, &r)) {
        Ok(body) if idp.settings().misbehaviour == Some(Misbehaviour::HugeTokenResponse) => {
            huge(body)
        }
        Ok(body) => (no_store(), Json(body)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `body` with 2 MiB of padding, in 64 KiB chunks and no `Content-Length`.
fn huge(mut body: Value) -> Response {
    body["padding"] = json!("x".repeat(2 * 1024 * 1024));
    let bytes = Bytes::from(body.to_string());
    let chunks: Vec<Result<Bytes, std::convert::Infallible>> = (0..bytes.len())
        .step_by(64 * 1024)
        .map(|at| Ok(bytes.slice(at..(at + 64 * 1024).min(bytes.len()))))
        .collect();
    (
        no_store(),
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        axum::body::Body::from_stream(futures_util::stream::iter(chunks)),
    )
        .into_response()
}

/// Counts a token request under its grant type.
pub(crate) fn count_grant_type(idp: &Shared, grant_type: Option<&str>) {
    match grant_type {
        Some("authorization_code") => idp.count(|c| &mut c.token_code),
        Some("refresh_token") => idp.count(|c| &mut c.token_refresh),
        _ => idp.count(|c| &mut c.token_other),
    }
}

/// The token endpoint's misbehaviours: a delay (then the normal answer), or a whole
/// bad answer.
pub(crate) async fn misbehave(idp: &Shared) -> Option<Response> {
    match idp.settings().misbehaviour? {
        Misbehaviour::SlowToken(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
        Misbehaviour::Token5xx => Some(
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "<html><body><h1>500 Internal Server Error</h1></body></html>",
            )
                .into_response(),
        ),
        Misbehaviour::TokenErrorWith200 => Some(
            Json(json!({
                "error": "bad_verification_code",
                "error_description": "The code passed is incorrect or expired.",
                "error_uri": "https://docs.github.invalid/oauth#bad-verification-code",
            }))
            .into_response(),
        ),
        _ => None,
    }
}

/// The JSON answer to an authenticated request of a supported grant type.
fn answer(idp: &Shared, request: &TokenRequest) -> Result<Value, OAuthError> {
    request.authenticate(idp)?;
    let issued = match request.require("grant_type")? {
        "authorization_code" => redeem_code(idp, request)?,
        "refresh_token" => refresh(idp, request)?,
        other => return Err(OAuthError::unsupported_grant_type(other)),
    };
    let settings = idp.settings();
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": idp.access_token_ttl.as_secs(),
        "refresh_token": issued.refresh_token,
        "scope": issued.scope,
    });
    if let Some(id_token) = id_token(idp, &settings, &issued.grant, issued.nonce.as_deref())? {
        body["id_token"] = json!(id_token);
    }
    Ok(body)
}

/// Tokens just issued for a grant.
#[derive(Debug)]
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    /// The access token's scope.
    pub(crate) scope: String,
    pub(crate) grant: Grant,
    /// The authorization request's nonce (none on a refresh).
    pub(crate) nonce: Option<String>,
}

/// Redeems an authorization code: known, unexpired, unused, issued to this client and
/// redirect_uri, and its PKCE challenge met. A replayed code revokes what it gave.
pub(crate) fn redeem_code(idp: &Shared, request: &TokenRequest) -> Result<Issued, OAuthError> {
    let code = request.require("code")?;
    let redirect_uri = request.require("redirect_uri")?;
    let verifier = request.require("code_verifier")?;
    let mut inner = idp.lock();
    if let Some(&grant) = inner.used_codes.get(code) {
        inner.revoke(grant);
        return Err(OAuthError::invalid_grant("the code was already used"));
    }
    let entry = inner
        .codes
        .remove(code)
        .ok_or_else(|| OAuthError::invalid_grant("unknown code"))?;
    inner.used_codes.insert(code.to_owned(), entry.grant.id);
    if Instant::now() > entry.expires {
        return Err(OAuthError::invalid_grant("the code expired"));
    }
    if request.get("client_id").unwrap_or(CLIENT_ID) != entry.client_id {
        return Err(OAuthError::invalid_grant(
            "the code was issued to another client",
        ));
    }
    if redirect_uri != entry.redirect_uri {
        return Err(OAuthError::invalid_grant(
            "redirect_uri differs from the authorization request's",
        ));
    }
    if !verifier_is_well_formed(verifier) {
        return Err(OAuthError::invalid_grant("code_verifier is malformed"));
    }
    if crate::b64url(&Sha256::digest(verifier.as_bytes())) != entry.code_challenge {
        return Err(OAuthError::invalid_grant(
            "code_verifier does not match the code_challenge",
        ));
    }
    let scope = entry.grant.scope.clone();
    Ok(issue(idp, &mut inner, entry.grant, scope, entry.nonce))
}

/// RFC 7636 section 4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn verifier_is_well_formed(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Redeems a refresh token, which stops working: the answer has a new one.
fn refresh(idp: &Shared, request: &TokenRequest) -> Result<Issued, OAuthError> {
    let token = request.require("refresh_token")?;
    let mut inner = idp.lock();
    let grant = inner
        .refresh
        .get(token)
        .cloned()
        .ok_or_else(|| OAuthError::invalid_grant("unknown or used refresh token"))?;
    let scope = match request.get("scope") {
        None => grant.scope.clone(),
        Some(asked) => {
            if let Some(extra) = asked.split(' ').find(|s| !grant.has_scope(s)) {
                return Err(OAuthError::invalid_scope(format!(
                    "scope {extra} was not granted"
                )));
            }
            asked.to_owned()
        }
    };
    inner.refresh.remove(token);
    Ok(issue(idp, &mut inner, grant, scope, None))
}

/// A new access token (with `scope`) and refresh token (with the grant's scope).
fn issue(
    idp: &Shared,
    inner: &mut Inner,
    grant: Grant,
    scope: String,
    nonce: Option<String>,
) -> Issued {
    let access_token = random_token();
    let refresh_token = random_token();
    let access = Access {
        grant: Grant {
            scope: scope.clone(),
            ..grant.clone()
        },
        expires: Instant::now() + idp.access_token_ttl,
    };
    inner.access.insert(access_token.clone(), access);
    inner.refresh.insert(refresh_token.clone(), grant.clone());
    Issued {
        access_token,
        refresh_token,
        scope,
        grant,
        nonce,
    }
}
