//! `GET /signin` (the built-in page, or a redirect to the custom one) and
//! `POST /signin/:provider` (starts a provider's flow; CSRF checked), one file per kind
//! of provider that has a start: `oauth.rs`, `email.rs`.

mod email;
mod oauth;

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::{
    context::RouteCtx,
    pages,
    respond::{html, with_query},
    ErrorCode, ErrorPage, Provider,
};

/// `GET /signin`.
pub(super) fn page(ctx: RouteCtx<'_>) -> Response<Bytes> {
    let error = ctx.query.get("error").cloned();
    if ctx.state.config.pages.sign_in.is_some() {
        let mut params = vec![("callbackUrl", ctx.callback_url.as_str())];
        if let Some(e) = &error {
            params.push(("error", e));
        }
        let target = with_query(&ctx.page(ErrorPage::SignIn), &params);
        return ctx.redirect(&target);
    }
    let code = ctx.query.get("code").map(String::as_str);
    let page = pages::sign_in(&ctx.page_ctx(), error.as_deref(), code);
    html(StatusCode::OK, page, ctx.set_cookies)
}

/// `POST /signin` and `POST /signin/:provider`. OAuth providers start their flow;
/// credentials (and no provider) go to the sign-in page, as Auth.js.
pub(super) async fn start(ctx: RouteCtx<'_>, provider: Option<&str>) -> Response<Bytes> {
    if !ctx.csrf_verified {
        tracing::warn!("MissingCSRF: sign-in refused");
        return ctx.fail(ErrorCode::MissingCsrf);
    }
    match provider.map(|id| (id, ctx.state.provider(id))) {
        Some((id, None)) => {
            tracing::warn!(provider = id, "InvalidProvider: unknown provider");
            ctx.fail(ErrorCode::InvalidProvider)
        }
        Some((_, Some(Provider::OAuth(p)))) => oauth::start(ctx, p).await,
        Some((_, Some(Provider::Email(p)))) => email::start(ctx, p).await,
        Some((_, Some(Provider::Credentials(_)))) | None => {
            let target = format!("{}/signin", ctx.base_url);
            ctx.redirect(&target)
        }
    }
}
