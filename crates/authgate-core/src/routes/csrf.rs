//! `GET /csrf`: the CSRF token (the cookie is set by the request context when missing).

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::{
    context::RouteCtx,
    respond::{json, no_store},
};

/// `{"csrfToken": "<token>"}`, not cacheable.
pub(super) fn token(ctx: RouteCtx<'_>) -> Response<Bytes> {
    let body = serde_json::json!({ "csrfToken": ctx.csrf_token });
    no_store(json(StatusCode::OK, &body, ctx.set_cookies))
}
