//! Guards: [`require_auth`] and [`require`].

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::SessionHandle;

type Predicate = Arc<authgate_core::SessionPredicate>;

/// Lets a request through only with a session (and, for [`require`], only when the
/// predicate holds).
///
/// Without a session: API requests get 401 `{"error":"Unauthorized"}`, page requests
/// (`Accept: text/html`) a redirect to the sign-in page with `callbackUrl`. With a
/// session that fails the predicate: 403 `{"error":"Forbidden"}`.
#[derive(Clone)]
pub struct RequireLayer {
    predicate: Option<Predicate>,
}

impl std::fmt::Debug for RequireLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireLayer")
            .field("predicate", &self.predicate.is_some())
            .finish()
    }
}

/// A guard that requires a session.
pub fn require_auth() -> RequireLayer {
    RequireLayer { predicate: None }
}

/// A guard that requires a session for which `predicate` is true.
///
/// ```
/// use authgate_axum::require;
/// let admins_only = require(|s| s.user_field::<String>("role").as_deref() == Some("admin"));
/// # let _ = admins_only;
/// ```
pub fn require<P>(predicate: P) -> RequireLayer
where
    P: Fn(&authgate_core::Session) -> bool + Send + Sync + 'static,
{
    RequireLayer {
        predicate: Some(Arc::new(predicate)),
    }
}

impl<S> Layer<S> for RequireLayer {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireService {
            inner,
            predicate: self.predicate.clone(),
        }
    }
}

/// The service made by [`RequireLayer`].
#[derive(Clone)]
pub struct RequireService<S> {
    inner: S,
    predicate: Option<Predicate>,
}

impl<S> std::fmt::Debug for RequireService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireService").finish_non_exhaustive()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
    ResBody: From<Bytes> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let predicate = self.predicate.clone();
        Box::pin(async move {
            let Some(handle) = req.extensions().get::<SessionHandle>().cloned() else {
                tracing::error!("guard used on a route without AuthLayer");
                let res =
                    authgate_core::json_error(StatusCode::INTERNAL_SERVER_ERROR, "Configuration");
                return Ok(res.map(ResBody::from));
            };
            let outcome = handle.0.get().await;
            let decision =
                handle
                    .0
                    .auth()
                    .guard(outcome, predicate.as_deref(), req.headers(), req.uri());
            if let Some(denied) = decision {
                return Ok(denied.map(ResBody::from));
            }
            inner.call(req).await
        })
    }
}
