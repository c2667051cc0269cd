//! Extractors: [`Session`], `Option<Session>`, [`SharedSession`], [`Token`].

use std::sync::Arc;

use actix_web::{
    dev::Payload, http::StatusCode, FromRequest, HttpMessage, HttpRequest, HttpResponse,
    ResponseError,
};
use authgate_core::{integration::SessionHandle, ErrorCode, SessionUser};
use futures_util::{future::LocalBoxFuture, TryFutureExt};
use serde::de::DeserializeOwned;

/// Why an extractor refused (the same variants as `authgate-axum`'s).
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
    /// The route is not behind an [`crate::AuthMiddleware`] (a setup mistake): 500.
    #[error("session extractor used on a route without AuthMiddleware")]
    NotMounted,
    /// The session did not fit the app's type (a setup mistake): 500.
    #[error("session does not deserialize into the extractor's type: {0}")]
    Shape(String),
}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let code = match self {
            Self::Unauthorized => "Unauthorized",
            Self::Unavailable => "ServiceUnavailable",
            other => {
                tracing::error!("{other}");
                ErrorCode::Configuration.name()
            }
        };
        HttpResponse::build(self.status_code()).json(serde_json::json!({ "error": code }))
    }
}

fn handle(req: &HttpRequest) -> Result<SessionHandle, AuthRejection> {
    req.extensions()
        .get::<SessionHandle>()
        .cloned()
        .ok_or(AuthRejection::NotMounted)
}

/// The signed-in user's session; rejects with 401 when there is none.
///
/// `T` is the app's own type for `session.user` (default [`SessionUser`]). As an
/// `Option<Session<T>>`, a missing session is `None` (actix's `Option` extractor turns
/// any rejection into `None`).
#[derive(Clone, Debug)]
pub struct Session<T = SessionUser> {
    /// The user, in the app's type.
    pub user: T,
    /// When the session expires (ISO 8601).
    pub expires: String,
    /// The whole session as the `session` callback shaped it.
    pub session: Arc<authgate_core::Session>,
}

/// The request's session as the `session` callback shaped it: 401 with no session, 503
/// when the session store is down.
async fn shared(
    handle: Result<SessionHandle, AuthRejection>,
) -> Result<Arc<authgate_core::Session>, AuthRejection> {
    let handle = handle?;
    let outcome = handle.get().await;
    if outcome.is_unavailable() {
        return Err(AuthRejection::Unavailable);
    }
    outcome.session.clone().ok_or(AuthRejection::Unauthorized)
}

impl<T: DeserializeOwned + 'static> FromRequest for Session<T> {
    type Error = AuthRejection;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let handle = handle(req);
        Box::pin(async move {
            let session = shared(handle).await?;
            let user = session
                .user_as::<T>()
                .map_err(|e| AuthRejection::Shape(e.to_string()))?;
            Ok(Self {
                user,
                expires: session.expires.clone(),
                session,
            })
        })
    }
}

/// The session exactly as the `session` callback shaped it, shared with the request:
/// nothing is copied, where [`Session`] copies the user into its own `user` (about 2k
/// instructions per request for a typical user: see BENCHMARKS.md). Derefs to
/// [`authgate_core::Session`], serializes as it, and as a response answers it as JSON.
/// Rejects as [`Session`] does (401 with no session, 503 when the session store is
/// down). As an `Option<SharedSession>`, any rejection is `None`, a store that is down
/// too (actix's `Option` extractor turns every rejection into `None`): use
/// `SharedSession` where a 503 must not read as signed out.
///
/// ```
/// use actix_web::web::Json;
/// use authgate_actix::SharedSession;
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
/// ```
#[derive(Clone, Debug)]
pub struct SharedSession(pub Arc<authgate_core::Session>);

impl std::ops::Deref for SharedSession {
    type Target = authgate_core::Session;

    fn deref(&self) -> &authgate_core::Session {
        &self.0
    }
}

impl serde::Serialize for SharedSession {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Answers the session as JSON (`application/json`), as `GET /auth/session` does: the
/// same bytes as `web::Json(session)`, written faster
/// ([`authgate_core::Session::to_json`]).
impl actix_web::Responder for SharedSession {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        match self.0.to_json() {
            Ok(body) => HttpResponse::Ok()
                .content_type("application/json")
                .body(body),
            Err(err) => {
                tracing::error!(error = %err, "the session could not be written as JSON");
                HttpResponse::InternalServerError()
                    .json(serde_json::json!({ "error": ErrorCode::Configuration.name() }))
            }
        }
    }
}

impl FromRequest for SharedSession {
    type Error = AuthRejection;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(shared(handle(req)).map_ok(Self))
    }
}

/// The decoded JWT (after the `jwt` callback), in the app's type (default
/// [`authgate_core::Token`]); rejects with 401 when there is none.
#[derive(Clone, Debug)]
pub struct Token<T = authgate_core::Token>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Token<T> {
    type Error = AuthRejection;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let handle = handle(req);
        Box::pin(async move {
            let handle = handle?;
            let outcome = handle.get().await;
            let token = outcome.token.as_ref().ok_or(AuthRejection::Unauthorized)?;
            token
                .to_type::<T>()
                .map(Self)
                .map_err(|e| AuthRejection::Shape(e.to_string()))
        })
    }
}
