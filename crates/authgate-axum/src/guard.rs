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

use authgate_core::{
    integration::{guard, json_error, GuardMode, SessionHandle, SessionPredicate},
    ErrorCode, Session,
};

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
/// use authgate_axum::{require_auth, GuardMode};
/// let pages = require_auth().mode(GuardMode::Redirect);
/// let api = require_auth().mode(GuardMode::Unauthorized);
/// # let _ = (pages, api);
/// ```
#[derive(Clone)]
pub struct RequireLayer {
    predicate: Option<Predicate>,
    mode: GuardMode,
}

impl std::fmt::Debug for RequireLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireLayer")
            .field("predicate", &self.predicate.is_some())
            .field("mode", &self.mode)
            .finish()
    }
}

impl RequireLayer {
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

/// A guard that requires a session.
pub fn require_auth() -> RequireLayer {
    RequireLayer {
        predicate: None,
        mode: GuardMode::default(),
    }
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
    P: Fn(&Session) -> bool + Send + Sync + 'static,
{
    RequireLayer {
        predicate: Some(Arc::new(predicate)),
        mode: GuardMode::default(),
    }
}

impl<S> Layer<S> for RequireLayer {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireService {
            inner,
            predicate: self.predicate.clone(),
            mode: self.mode,
        }
    }
}

/// The service made by [`RequireLayer`].
#[derive(Clone)]
pub struct RequireService<S> {
    inner: S,
    predicate: Option<Predicate>,
    mode: GuardMode,
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
        let mode = self.mode;
        Box::pin(async move {
            let Some(handle) = req.extensions().get::<SessionHandle>().cloned() else {
                tracing::error!("guard used on a route without AuthLayer");
                let res = json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Configuration.name(),
                );
                return Ok(res.map(ResBody::from));
            };
            let outcome = handle.get().await;
            let decision = guard(
                handle.auth(),
                outcome,
                predicate.as_deref(),
                mode,
                req.headers(),
                req.uri(),
            );
            if let Some(denied) = decision {
                return Ok(denied.map(ResBody::from));
            }
            inner.call(req).await
        })
    }
}
