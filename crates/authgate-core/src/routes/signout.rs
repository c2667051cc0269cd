//! `GET /signout` (the confirm page, or a redirect to the custom one) and
//! `POST /signout` (clears the session; CSRF checked).

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::{
    context::RouteCtx, cookies::clear_session_cookies, pages, respond::html, session::database,
    ErrorCode, SessionStrategy, SignOutEvent,
};

/// `GET /signout`.
pub(super) fn page(ctx: RouteCtx<'_>) -> Response<Bytes> {
    if let Some(custom) = &ctx.state.config.pages.sign_out {
        let target = ctx.state.page_url(&ctx.origin, Some(custom), "signout");
        return ctx.redirect(&target);
    }
    let page = pages::sign_out(&ctx.page_ctx());
    html(StatusCode::OK, page, ctx.set_cookies)
}

/// `POST /signout`: fires `sign_out`, clears every session cookie chunk, redirects to
/// the callback URL.
#[tracing::instrument(name = "signout", skip_all)]
pub(super) async fn sign_out(mut ctx: RouteCtx<'_>) -> Response<Bytes> {
    if !ctx.csrf_verified {
        tracing::warn!("MissingCSRF: sign-out refused");
        return ctx.fail(ErrorCode::MissingCsrf);
    }
    let existing = ctx.cookies.session_cookie_names(
        &ctx.names.session_token,
        ctx.state.config.max_session_chunks,
    );
    if existing.is_empty() {
        return ctx.redirect_to_callback();
    }
    let secure = ctx.origin.secure;
    let state = ctx.state;
    // Database sessions: the row goes (a failure is logged; the cookie goes anyway).
    let session = match state.config.strategy {
        SessionStrategy::Database => match database::delete(state, &ctx.cookies, secure).await {
            Ok(deleted) => deleted,
            Err(err) => {
                tracing::warn!(error = %err, "{}: the session row could not be deleted", ErrorCode::SignOutError);
                None
            }
        },
        SessionStrategy::Jwt => None,
    };
    // The JWT is decoded only for the `sign_out` event.
    if let Some(events) = &state.config.events {
        let token =
            match state.config.strategy {
                SessionStrategy::Jwt => {
                    let codec = state.config.token_codec(secure);
                    ctx.cookies
                    .session_token(&ctx.names.session_token, state.config.max_session_chunks)
                    .and_then(|v| match state.tokens.decode(codec, secure, &v, crate::time_now()) {
                        Ok(t) => Some((*t).clone()),
                        Err(err) => {
                            tracing::debug!(error = %err, "sign-out with an undecodable token");
                            None
                        }
                    })
                }
                SessionStrategy::Database => None,
            };
        if let Err(err) = events.sign_out(SignOutEvent { token, session }).await {
            tracing::error!(error = %err, "sign_out event failed");
        }
    }
    let cleared = clear_session_cookies(&existing, ctx.attrs);
    ctx.set_cookies.extend(cleared);
    ctx.redirect_to_callback()
}
