//! Guards as middleware: [`require_auth`] and [`require`], on a scope or a resource.

use std::{rc::Rc, sync::Arc};

use actix_web::{
    body::{BoxBody, EitherBody, MessageBody},
    dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform},
    Error, HttpMessage,
};
use futures_util::future::{ready, LocalBoxFuture, Ready};

use crate::{convert, SessionHandle};

type Predicate = Arc<authgate_core::SessionPredicate>;

/// Lets a request through only with a session (and, for [`require`], only when the
/// predicate holds). Without a session: 401 `{"error":"Unauthorized"}` for API requests,
/// a redirect to the sign-in page with `callbackUrl` for pages (`Accept: text/html`);
/// failing the predicate: 403 `{"error":"Forbidden"}`.
#[derive(Clone)]
pub struct Require {
    predicate: Option<Predicate>,
}

impl std::fmt::Debug for Require {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Require")
            .field("predicate", &self.predicate.is_some())
            .finish()
    }
}

/// A guard that requires a session: `web::scope("/app").wrap(require_auth())`.
pub fn require_auth() -> Require {
    Require { predicate: None }
}

/// A guard that requires a session for which `predicate` is true.
///
/// ```
/// let admins = authgate_actix::require(|s| s.user_field::<String>("role").as_deref() == Some("admin"));
/// # let _ = admins;
/// ```
pub fn require<P>(predicate: P) -> Require
where
    P: Fn(&authgate_core::Session) -> bool + Send + Sync + 'static,
{
    Require {
        predicate: Some(Arc::new(predicate)),
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
        }))
    }
}

/// The service made by [`Require`].
pub struct RequireMiddleware<S> {
    service: Rc<S>,
    predicate: Option<Predicate>,
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
        Box::pin(async move {
            let Some(handle) = req.extensions().get::<SessionHandle>().cloned() else {
                tracing::error!("guard used on a route without AuthMiddleware");
                let res = authgate_core::json_error(
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    "Configuration",
                );
                return Ok(req
                    .into_response(convert::response(res))
                    .map_into_right_body());
            };
            let outcome = handle.0.get().await;
            let headers = convert::session_headers(req.headers(), convert::SESSION_HEADERS);
            let uri = convert::uri(&req).unwrap_or_default();
            if let Some(denied) =
                handle
                    .0
                    .auth()
                    .guard(outcome, predicate.as_deref(), &headers, &uri)
            {
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
