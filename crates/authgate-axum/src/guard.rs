//! Guards: [`require_auth`] and [`require`].

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::SessionHandle;

type Predicate = Arc<dyn Fn(&authgate_core::Session) -> bool + Send + Sync>;

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
                return Ok(json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    r#"{"error":"Configuration"}"#,
                ));
            };
            let outcome = handle.0.get().await;
            let Some(session) = &outcome.session else {
                let wants_page = req
                    .headers()
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("text/html"));
                let target = handle.0.auth().sign_in_redirect(req.headers(), req.uri());
                return Ok(
                    match (
                        wants_page,
                        target.and_then(|t| HeaderValue::from_str(&t).ok()),
                    ) {
                        (true, Some(location)) => {
                            let mut res = Response::new(ResBody::from(Bytes::new()));
                            *res.status_mut() = StatusCode::FOUND;
                            res.headers_mut().insert(header::LOCATION, location);
                            res
                        }
                        _ => json(StatusCode::UNAUTHORIZED, r#"{"error":"Unauthorized"}"#),
                    },
                );
            };
            if predicate.is_some_and(|p| !p(session)) {
                return Ok(json(StatusCode::FORBIDDEN, r#"{"error":"Forbidden"}"#));
            }
            inner.call(req).await
        })
    }
}

fn json<B: From<Bytes>>(status: StatusCode, body: &'static str) -> Response<B> {
    let mut res = Response::new(B::from(Bytes::from_static(body.as_bytes())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}
