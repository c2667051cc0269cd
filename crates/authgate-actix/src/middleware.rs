//! [`AuthMiddleware`]: answers the auth routes and gives every other request a lazy
//! session.

use std::{rc::Rc, sync::Arc};

use actix_web::{
    body::{BoxBody, EitherBody, MessageBody},
    dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform},
    http::header,
    Error, HttpMessage, HttpResponse,
};
use authgate_core::{
    integration::{
        bad_request, declares_too_large, is_secure, payload_too_large, LazySession, ResponsePlan,
        SessionHandle,
    },
    Auth,
};
use bytes::{Bytes, BytesMut};
use futures_util::{
    future::{ready, LocalBoxFuture, Ready},
    StreamExt,
};

use crate::convert;

/// An actix-web middleware that mounts an [`Auth`] engine: requests under the base path
/// are answered by the engine (body read up to `max_body_bytes`, 413 above); every other
/// request gets a [`SessionHandle`], decoded only when asked, at most once, with any
/// refreshed cookie appended to the response.
#[derive(Clone, Debug)]
pub struct AuthMiddleware {
    auth: Auth,
}

impl AuthMiddleware {
    /// A middleware for this engine.
    pub fn new(auth: Auth) -> Self {
        Self { auth }
    }
}

impl<S, B> Transform<S, ServiceRequest> for AuthMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = AuthMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(AuthMiddlewareService {
            service: Rc::new(service),
            auth: self.auth.clone(),
        }))
    }
}

/// The service made by [`AuthMiddleware`].
#[derive(Debug)]
pub struct AuthMiddlewareService<S> {
    service: Rc<S>,
    auth: Auth,
}

impl<S, B> Service<ServiceRequest> for AuthMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let auth = self.auth.clone();
        if auth.is_auth_path(req.path()) {
            return Box::pin(async move {
                let res = answer(&auth, &mut req).await;
                Ok(req.into_response(res).map_into_right_body())
            });
        }
        // With a canonical URL only the cookies matter; otherwise the origin comes from
        // the Host / X-Forwarded-* headers or the URI. The cookies are handed over as
        // they are (actix has validated them), not converted to `http` 1 values.
        let secure = match auth.config().canonical_is_secure() {
            Some(secure) => Some(secure),
            None => {
                let headers = convert::session_headers(req.headers(), convert::ORIGIN_HEADERS);
                is_secure(&auth, &headers, &convert::uri(&req).unwrap_or_default())
            }
        };
        let cookies = req
            .headers()
            .get_all(header::COOKIE)
            .map(|value| Bytes::from_owner(value.clone()));
        let lazy = LazySession::with_cookie_bytes(auth, cookies, secure);
        let lazy = Arc::new(lazy);
        req.extensions_mut()
            .insert(SessionHandle(Arc::clone(&lazy)));
        let fut = self.service.call(req);
        Box::pin(async move {
            let mut res = fut.await?;
            let headers = res.headers_mut();
            let plan = lazy.plan_response(
                headers.get_all(header::SET_COOKIE).map(|v| v.as_bytes()),
                headers.get_all(header::CACHE_CONTROL).map(|v| v.as_bytes()),
            );
            if plan.append_cookies {
                for cookie in lazy.set_cookies() {
                    if let Some(v) = convert::header_value(cookie) {
                        headers.append(header::SET_COOKIE, v);
                    }
                }
            }
            if plan.forbid_storing {
                headers.insert(
                    header::CACHE_CONTROL,
                    header::HeaderValue::from_static(ResponsePlan::CACHE_CONTROL),
                );
            }
            Ok(res.map_into_left_body())
        })
    }
}

/// Reads the body (bounded) and lets the engine answer.
async fn answer(auth: &Auth, req: &mut ServiceRequest) -> HttpResponse {
    let limit = auth.config().max_body_bytes();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .map(|v| v.as_bytes());
    if declares_too_large(auth, declared) {
        return convert::response(payload_too_large(auth));
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) if body.len() + chunk.len() <= limit => body.extend_from_slice(&chunk),
            Ok(_) => return convert::response(payload_too_large(auth)),
            Err(err) => {
                tracing::warn!(error = %err, "auth request body could not be read");
                return convert::response(bad_request());
            }
        }
    }
    match convert::request(req, Bytes::from(body)) {
        Some(request) => convert::response(auth.handle(request).await),
        None => {
            tracing::warn!("auth request could not be converted (malformed header or URI)");
            convert::response(bad_request())
        }
    }
}
