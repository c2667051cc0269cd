//! `GET /error` and `GET /verify-request`: the built-in pages, or redirects to the
//! custom ones.

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::{
    context::RouteCtx,
    pages,
    respond::{html, with_query},
    ErrorCode,
};

/// `GET /error?error=<code>`.
pub(super) fn error(ctx: RouteCtx<'_>) -> Response<Bytes> {
    let error = ctx.query.get("error").cloned();
    if let Some(custom) = &ctx.state.config.pages.error {
        let page = ctx.state.page_url(&ctx.origin, Some(custom), "error");
        // Loop guard: an error page that itself bounced here gets the built-in page.
        if !ctx.callback_url.starts_with(&page) {
            let target = with_query(&page, &[("error", error.as_deref().unwrap_or("Default"))]);
            return ctx.redirect(&target);
        }
        tracing::warn!(
            "{}: the custom error page sent the user back",
            ErrorCode::ErrorPageLoop
        );
    }
    let (status, page) = pages::error(&ctx.page_ctx(), error.as_deref());
    html(
        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        page,
        ctx.set_cookies,
    )
}

/// `GET /verify-request` ("check your email"); a custom page gets the query string.
pub(super) fn verify_request(ctx: RouteCtx<'_>) -> Response<Bytes> {
    if let Some(custom) = &ctx.state.config.pages.verify_request {
        let mut target = ctx
            .state
            .page_url(&ctx.origin, Some(custom), "verify-request");
        if let Some(q) = ctx.parts.uri.query().filter(|q| !q.is_empty()) {
            target.push(if target.contains('?') { '&' } else { '?' });
            target.push_str(q);
        }
        return ctx.redirect(&target);
    }
    let page = pages::verify_request(&ctx.page_ctx());
    html(StatusCode::OK, page, ctx.set_cookies)
}
