//! The auth routes under the base path, one file per route family:
//!
//! | route | file |
//! |---|---|
//! | `GET /providers` | `providers.rs` |
//! | `GET /csrf` | `csrf.rs` |
//! | `GET`, `POST /session` | `session.rs` |
//! | `GET /signin`, `POST /signin/:provider` | `signin/` (one file per kind of provider) |
//! | `GET`, `POST /callback/:provider` | `callback/` (one file per kind of provider) |
//! | `GET`, `POST /signout` | `signout.rs` |
//! | `GET /error`, `GET /verify-request` | `pages.rs` |
//!
//! This file parses the action and dispatches, as Auth.js v5 does: unknown actions and
//! methods other than GET and POST are a 400 `"Bad request."`; a POST to a GET-only
//! action and a GET to `/signin/:provider` fail with `UnknownAction` (shown as
//! `?error=Configuration`).

mod callback;
mod csrf;
mod pages;
mod providers;
mod session;
mod signin;
mod signout;

use bytes::Bytes;
use http::{Method, Request, Response};

use crate::{context::RouteCtx, respond::bad_request, state::State, ErrorCode};

/// The parsed auth route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Providers,
    Csrf,
    Session,
    SignIn,
    SignOut,
    Callback,
    Error,
    VerifyRequest,
}

/// The action and provider id of a path under the base path; `None` for anything else.
fn parse<'p>(base_path: &str, path: &'p str) -> Option<(Action, Option<&'p str>)> {
    let rest = path.strip_prefix(base_path)?.strip_prefix('/')?;
    let mut segments = rest.split('/');
    let action = match segments.next()? {
        "providers" => Action::Providers,
        "csrf" => Action::Csrf,
        "session" => Action::Session,
        "signin" => Action::SignIn,
        "signout" => Action::SignOut,
        "callback" => Action::Callback,
        "error" => Action::Error,
        "verify-request" => Action::VerifyRequest,
        _ => return None,
    };
    let provider = segments.next();
    if segments.next().is_some() {
        return None;
    }
    match provider {
        None => Some((action, None)),
        Some(p) if !p.is_empty() && matches!(action, Action::SignIn | Action::Callback) => {
            Some((action, Some(p)))
        }
        Some(_) => None,
    }
}

/// Answers an auth route.
pub(crate) async fn handle(state: &State, req: Request<Bytes>) -> Response<Bytes> {
    let mut res = route(state, req).await;
    let names = [
        state.config.cookie_names(false).session_token.as_str(),
        state.config.cookie_names(true).session_token.as_str(),
    ];
    crate::respond::forbid_storing_sessions(res.headers_mut(), &names);
    res
}

/// Answers one auth route.
async fn route(state: &State, req: Request<Bytes>) -> Response<Bytes> {
    let (parts, body) = req.into_parts();
    let Some((action, provider)) = parse(&state.config.base_path, parts.uri.path()) else {
        return bad_request();
    };
    let is_post = match parts.method {
        Method::GET => false,
        Method::POST => true,
        _ => return bad_request(),
    };
    let Some(origin) = state.origin(&parts.headers, &parts.uri) else {
        tracing::warn!("no usable Host header to build URLs from");
        return bad_request();
    };
    if (action, is_post) == (Action::Providers, false) {
        // No cookies, no callbacks.
        return providers::list(state, &origin);
    }
    let ctx = RouteCtx::new(state, &parts, &body, origin).await;
    // The sign-in, callback and sign-out futures (provider round trips, adapters) are
    // several kB: boxed, they are not part of this future, which every auth request
    // (`GET /session` above all) builds and moves.
    match (action, is_post, provider) {
        (Action::Csrf, false, None) => csrf::token(ctx),
        (Action::Session, false, None) => session::get(ctx).await,
        (Action::Session, true, None) => session::update(ctx).await,
        (Action::SignIn, false, None) => signin::page(ctx),
        (Action::SignIn, true, provider) => Box::pin(signin::start(ctx, provider)).await,
        (Action::Callback, _, Some(id)) => Box::pin(callback::handle(ctx, id, is_post)).await,
        (Action::SignOut, false, None) => signout::page(ctx),
        (Action::SignOut, true, None) => Box::pin(signout::sign_out(ctx)).await,
        (Action::Error, false, None) => pages::error(ctx),
        (Action::VerifyRequest, false, None) => pages::verify_request(ctx),
        (Action::SignIn, false, Some(id)) => {
            tracing::warn!(provider = id, "UnknownAction: GET /signin/:provider");
            ctx.fail(ErrorCode::UnknownAction)
        }
        (Action::Providers | Action::Csrf | Action::Error | Action::VerifyRequest, true, _) => {
            tracing::warn!(?action, "UnknownAction: POST to a GET-only action");
            ctx.fail(ErrorCode::UnknownAction)
        }
        _ => bad_request(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_actions() {
        assert_eq!(parse("/auth", "/auth/csrf"), Some((Action::Csrf, None)));
        assert_eq!(
            parse("/auth", "/auth/callback/github"),
            Some((Action::Callback, Some("github")))
        );
        assert_eq!(parse("/auth", "/auth/session/x"), None);
        assert_eq!(parse("/auth", "/auth/callback/a/b"), None);
        assert_eq!(parse("/auth", "/auth/signin/"), None);
        assert_eq!(parse("/auth", "/auth"), None);
        assert_eq!(parse("/auth", "/authx/csrf"), None);
        assert_eq!(parse("/auth", "/auth/nope"), None);
    }
}
