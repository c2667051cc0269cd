//! [`AuthLayer`]: answers the auth routes and gives every other request a lazy session.

use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{ready, Context, Poll},
};

use authgate_core::{
    integration::{
        bad_request, declares_too_large, payload_too_large, LazySession, ResponsePlan,
        SessionHandle,
    },
    rate_limit::PeerAddr,
    Auth,
};
use axum::extract::ConnectInfo;
use bytes::Bytes;
use http::{header, Request, Response};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A tower [`Layer`] that mounts an [`Auth`] engine in front of a service.
///
/// Requests under the base path are answered by the engine (body read up to
/// `max_body_bytes`, 413 above). Every other request gets a [`SessionHandle`]: the
/// session is decoded only if an extractor or guard asks, at most once, and a refreshed
/// cookie is appended to the response.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    auth: Auth,
}

impl AuthLayer {
    /// A layer for this engine.
    pub fn new(auth: Auth) -> Self {
        Self { auth }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// The service made by [`AuthLayer`].
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    auth: Auth,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AuthService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    ReqBody: Body + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<BoxError>,
    ResBody: From<Bytes> + Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        if self.auth.is_auth_path(req.uri().path()) {
            // The engine answers: the inner service, made ready by `poll_ready`, is not
            // called. Swap in an unready clone and drop the ready one, so what it
            // reserved (a `ConcurrencyLimit` permit, a slot) is released now, not held
            // until this connection's next app request.
            let unready = self.inner.clone();
            drop(std::mem::replace(&mut self.inner, unready));
            let auth = self.auth.clone();
            let fut = async move { Ok(answer(auth, req).await.map(ResBody::from)) };
            return ResponseFuture {
                kind: Kind::Auth { fut: Box::pin(fut) },
            };
        }
        let lazy = Arc::new(LazySession::new(
            self.auth.clone(),
            req.headers(),
            req.uri(),
        ));
        req.extensions_mut()
            .insert(SessionHandle(Arc::clone(&lazy)));
        ResponseFuture {
            kind: Kind::Inner {
                fut: self.inner.call(req),
                lazy,
            },
        }
    }
}

/// Reads the body (bounded) and lets the engine answer.
async fn answer<B>(auth: Auth, req: Request<B>) -> Response<Bytes>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let limit = auth.config().max_body_bytes();
    let (mut parts, body) = req.into_parts();
    // The peer address, for per-IP rate limits (when the app serves with
    // `into_make_service_with_connect_info::<SocketAddr>()`).
    if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        let peer = PeerAddr(*addr);
        parts.extensions.insert(peer);
    }
    let declared = parts.headers.get(header::CONTENT_LENGTH);
    if declares_too_large(&auth, declared.map(|v| v.as_bytes())) {
        return payload_too_large(&auth);
    }
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<LengthLimitError>() => return payload_too_large(&auth),
        Err(err) => {
            tracing::warn!(error = %err, "auth request body could not be read");
            return bad_request();
        }
    };
    auth.handle(Request::from_parts(parts, bytes)).await
}

type AuthFuture<B, E> = Pin<Box<dyn Future<Output = Result<Response<B>, E>> + Send>>;

pin_project! {
    /// The future of [`AuthService`].
    pub struct ResponseFuture<F, B, E> {
        #[pin]
        kind: Kind<F, B, E>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F, B, E> {
        // An auth route, answered by the engine.
        Auth { fut: AuthFuture<B, E> },
        // Any other request, answered by the inner service.
        Inner { #[pin] fut: F, lazy: Arc<LazySession> },
    }
}

impl<F, B, E> Future for ResponseFuture<F, B, E>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Auth { fut } => fut.as_mut().poll(cx),
            KindProj::Inner { fut, lazy } => {
                let mut res = ready!(fut.poll(cx))?;
                let headers = res.headers_mut();
                let plan = lazy.plan_response(
                    headers
                        .get_all(header::SET_COOKIE)
                        .iter()
                        .map(|v| v.as_bytes()),
                    headers
                        .get_all(header::CACHE_CONTROL)
                        .iter()
                        .map(|v| v.as_bytes()),
                );
                if plan.append_cookies {
                    for cookie in lazy.set_cookies() {
                        headers.append(header::SET_COOKIE, cookie.clone());
                    }
                }
                if plan.forbid_storing {
                    headers.insert(header::CACHE_CONTROL, ResponsePlan::cache_control());
                }
                Poll::Ready(Ok(res))
            }
        }
    }
}
