//! Guards as middleware: [`require_auth`] and [`require`], on a scope or a resource.

use std::{rc::Rc, sync::Arc};

use actix_web::{
    body::{BoxBody, EitherBody, MessageBody},
    dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform},
    Error, HttpMessage,
};
use futures_util::future::{ready, LocalBoxFuture, Ready};

use authgate_core::{
    integration::{guard, json_error, GuardMode, SessionHandle, SessionPredicate},
    ErrorCode, Session,
};

use crate::convert;

type Predicate = Arc<SessionPredicate>;

/// Lets a request through only with a session (and, for [`require`], only when the
/// predicate holds).
///
/// Without a session it answers as its [`GuardMode`] says: by default page requests
/// (`Accept: text/html`) get a redirect to the sign-in page with `callbackUrl` and the
/// rest 401 `{"error":"Unauthorized"}`; `.mode(GuardMode::Redirect)` always redirects (for
/// pages), `.mode(GuardMode::Unauthorized)` always answers 401 (for APIs). With a session
/// that fails the predicate: 403 `{"error":"Forbidden"}`.
///
/// ```
/// use authgate_actix::{require_auth, GuardMode};
/// let pages = require_auth().mode(GuardMode::Redirect);
/// let api = require_auth().mode(GuardMode::Unauthorized);
/// # let _ = (pages, api);
/// ```
#[derive(Clone)]
pub struct Require {
    predicate: Option<Predicate>,
    mode: GuardMode,
}

impl std::fmt::Debug for Require {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Require")
            .field("predicate", &self.predicate.is_some())
            .field("mode", &self.mode)
            .finish()
    }
}

impl Require {
    /// How a request without a session is answered: [`GuardMode::Negotiate`] (the
    /// default) redirects page requests (`Accept: text/html`) to the sign-in page and
    /// gives the rest 401 JSON; [`GuardMode::Redirect`] always redirects (for pages);
    /// [`GuardMode::Unauthorized`] always answers 401 JSON (for APIs).
    #[must_use]
    pub fn mode(mut self, mode: GuardMode) -> Self {
        self.mode = mode;
        self
    }
}

/// A guard that requires a session: `web::scope("/app").wrap(require_auth())`.
pub fn require_auth() -> Require {
    Require {
        predicate: None,
        mode: GuardMode::default(),
    }
}

/// A guard that requires a session for which `predicate` is true.
///
/// ```
/// let admins = authgate_actix::require(|s| s.user_field::<String>("role").as_deref() == Some("admin"));
/// # let _ = admins;
/// ```
pub fn require<P>(predicate: P) -> Require
where
    P: Fn(&Session) -> bool + Send + Sync + 'static,
{
    Require {
        predicate: Some(Arc::new(predicate)),
        mode: GuardMode::default(),
    }
}

impl<S, B> Transform<S, ServiceRequest> for Require
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = RequireMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequireMiddleware {
            service: Rc::new(service),
            predicate: self.predicate.clone(),
            mode: self.mode,
        }))
    }
}

/// The service made by [`Require`].
pub struct RequireMiddleware<S> {
    service: Rc<S>,
    predicate: Option<Predicate>,
    mode: GuardMode,
}

impl<S> std::fmt::Debug for RequireMiddleware<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireMiddleware").finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for RequireMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let predicate = self.predicate.clone();
        let mode = self.mode;
        Box::pin(async move {
            let Some(handle) = req.extensions().get::<SessionHandle>().cloned() else {
                tracing::error!("guard used on a route without AuthMiddleware");
                let res = json_error(
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Configuration.name(),
                );
                return Ok(req
                    .into_response(convert::response(res))
                    .map_into_right_body());
            };
            let outcome = handle.get().await;
            let headers = convert::session_headers(req.headers(), convert::SESSION_HEADERS);
            let uri = convert::uri(&req).unwrap_or_default();
            let decision = guard(
                handle.auth(),
                outcome,
                predicate.as_deref(),
                mode,
                &headers,
                &uri,
            );
            if let Some(denied) = decision {
                return Ok(req
                    .into_response(convert::response(denied))
                    .map_into_right_body());
            }
            service
                .call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        })
    }
}
