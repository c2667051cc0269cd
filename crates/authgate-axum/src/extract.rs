//! Extractors: [`Session`], `Option<Session>`, [`SharedSession`], [`Token`].

use std::sync::Arc;

use authgate_core::{integration::SessionHandle, ErrorCode, SessionUser};
use axum::{
    extract::{FromRequestParts, OptionalFromRequestParts},
    response::{IntoResponse, Response},
    Json,
};
use http::{request::Parts, StatusCode};
use serde::{de::DeserializeOwned, Serialize, Serializer};

/// Why an extractor refused (the same variants as `authgate-actix`'s).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthRejection {
    /// No session: 401 `{"error":"Unauthorized"}`.
    #[error("no session")]
    Unauthorized,
    /// The session store is down (database sessions): 503
    /// `{"error":"ServiceUnavailable"}`; the user was not signed out.
    #[error("the session store is unavailable")]
    Unavailable,
    /// The route is not behind an [`crate::AuthLayer`] (a setup mistake): 500.
    #[error("session extractor used on a route without AuthLayer")]
    NotMounted,
    /// The session did not fit the app's type (a setup mistake): 500.
    #[error("session does not deserialize into the extractor's type: {0}")]
    Shape(String),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                Json(serde_json::json!({ "error": "Unauthorized" })),
            )
                .into_response(),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "error": "ServiceUnavailable" })),
            )
                .into_response(),
            other => {
                tracing::error!("{other}");
                server_error()
            }
        }
    }
}

fn server_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(serde_json::json!({ "error": ErrorCode::Configuration.name() })),
    )
        .into_response()
}

fn handle(parts: &Parts) -> Result<&SessionHandle, AuthRejection> {
    parts
        .extensions
        .get::<SessionHandle>()
        .ok_or(AuthRejection::NotMounted)
}

/// The signed-in user's session; rejects with 401 when there is none.
///
/// `T` is the app's own type for `session.user` (default [`SessionUser`]).
#[derive(Clone, Debug)]
pub struct Session<T = SessionUser> {
    /// The user, in the app's type.
    pub user: T,
    /// When the session expires (ISO 8601).
    pub expires: String,
    /// The whole session as the `session` callback shaped it.
    pub session: Arc<authgate_core::Session>,
}

/// The request's session as the `session` callback shaped it (`None`: no session); an
/// error when the session store is down.
async fn shared(parts: &Parts) -> Result<Option<Arc<authgate_core::Session>>, AuthRejection> {
    let outcome = handle(parts)?.get().await;
    if outcome.is_unavailable() {
        return Err(AuthRejection::Unavailable);
    }
    Ok(outcome.session.clone())
}

impl<T: DeserializeOwned + 'static> Session<T> {
    async fn resolve(parts: &Parts) -> Result<Option<Self>, AuthRejection> {
        let Some(session) = shared(parts).await? else {
            return Ok(None);
        };
        let user = session
            .user_as::<T>()
            .map_err(|e| AuthRejection::Shape(e.to_string()))?;
        Ok(Some(Self {
            user,
            expires: session.expires.clone(),
            session,
        }))
    }
}

impl<S, T> FromRequestParts<S> for Session<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send + 'static,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::resolve(parts)
            .await?
            .ok_or(AuthRejection::Unauthorized)
    }
}

impl<S, T> OptionalFromRequestParts<S> for Session<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send + 'static,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Self::resolve(parts).await
    }
}

/// The session exactly as the `session` callback shaped it, shared with the request:
/// nothing is copied, where [`Session`] copies the user into its own `user` (about 2k
/// instructions per request for a typical user: see BENCHMARKS.md). Derefs to
/// [`authgate_core::Session`], serializes as it, and as a response answers it as JSON.
/// Rejects as [`Session`] does (401 with no session, 503 when the session store is
/// down); `Option<SharedSession>` is `None` with no session.
///
/// ```
/// use authgate_axum::SharedSession;
/// use axum::Json;
///
/// // Answers the session as JSON, as `GET /auth/session` would, without copying it.
/// async fn me(session: SharedSession) -> SharedSession {
///     session
/// }
///
/// // Or inside the app's own JSON.
/// async fn page(session: SharedSession) -> Json<serde_json::Value> {
///     Json(serde_json::json!({ "session": session, "page": 1 }))
/// }
///
/// async fn greet(session: SharedSession) -> String {
///     let name = session.user.as_ref().and_then(|u| u.name.as_deref());
///     format!("Hello, {}", name.unwrap_or("you"))
/// }
/// ```
#[derive(Clone, Debug)]
pub struct SharedSession(pub Arc<authgate_core::Session>);

impl std::ops::Deref for SharedSession {
    type Target = authgate_core::Session;

    fn deref(&self) -> &authgate_core::Session {
        &self.0
    }
}

impl Serialize for SharedSession {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Answers the session as JSON (`application/json`), as `GET /auth/session` does: the
/// same bytes as `Json(session)`, written faster ([`authgate_core::Session::to_json`]).
impl IntoResponse for SharedSession {
    fn into_response(self) -> Response {
        match self.0.to_json() {
            Ok(body) => (
                [(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(err) => {
                tracing::error!(error = %err, "the session could not be written as JSON");
                server_error()
            }
        }
    }
}

impl SharedSession {
    async fn resolve(parts: &Parts) -> Result<Option<Self>, AuthRejection> {
        Ok(shared(parts).await?.map(Self))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SharedSession {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::resolve(parts)
            .await?
            .ok_or(AuthRejection::Unauthorized)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for SharedSession {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Self::resolve(parts).await
    }
}

/// The decoded JWT (after the `jwt` callback), in the app's type (default
/// [`authgate_core::Token`]); rejects with 401 when there is none.
#[derive(Clone, Debug)]
pub struct Token<T = authgate_core::Token>(pub T);

impl<S, T> FromRequestParts<S> for Token<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send + 'static,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let outcome = handle(parts)?.get().await;
        let token = outcome.token.as_ref().ok_or(AuthRejection::Unauthorized)?;
        token
            .to_type::<T>()
            .map(Self)
            .map_err(|e| AuthRejection::Shape(e.to_string()))
    }
}
