//! `GET /session` (read, re-issued on every read as Auth.js) and `POST /session` (update:
//! `jwt` with `trigger = Update`, CSRF checked).

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use serde_json::Value;

use crate::{
    context::RouteCtx,
    respond::{json, json_bytes, no_store},
    session::{self, ReadMode},
};

/// `GET /session`.
pub(super) async fn get(ctx: RouteCtx<'_>) -> Response<Bytes> {
    answer(ctx, None).await
}

/// `POST /session`: `data` (a JSON value, or a JSON string from a form) is handed to
/// `jwt` and `session`.
pub(super) async fn update(ctx: RouteCtx<'_>) -> Response<Bytes> {
    if !ctx.csrf_verified {
        tracing::warn!("MissingCSRF: session update refused");
        return json(StatusCode::BAD_REQUEST, &Value::Null, ctx.set_cookies);
    }
    let data = ctx.body.get("data").cloned().map(|d| match d {
        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        other => other,
    });
    answer(ctx, Some(data)).await
}

async fn answer(ctx: RouteCtx<'_>, update: Option<Option<Value>>) -> Response<Bytes> {
    let is_update = update.is_some();
    let outcome = session::read(
        ctx.state,
        &ctx.cookies,
        ctx.origin.secure,
        ReadMode::Route(update),
    )
    .await;
    let mut cookies: Vec<HeaderValue> = ctx.set_cookies;
    let failed = outcome.callback_failed;
    cookies.extend(outcome.set_cookies);
    match outcome.session {
        Some(session) => {
            let body = session.to_json().unwrap_or_else(|_| b"null".to_vec());
            let res = json_bytes(StatusCode::OK, body, cookies);
            if is_update {
                res
            } else {
                no_store(res)
            }
        }
        // A callback that failed during an update is a 400, as Auth.js; no, invalid or
        // expired token (or `jwt` ending the session) is a plain `null`.
        None if is_update && failed => json(StatusCode::BAD_REQUEST, &Value::Null, cookies),
        None if is_update => json(StatusCode::OK, &Value::Null, cookies),
        None => no_store(json(StatusCode::OK, &Value::Null, cookies)),
    }
}
