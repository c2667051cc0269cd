//! The sign-in path every provider ends in ([`complete_sign_in`]), in Auth.js's order
//! (callback route, steps 4 to 9):
//!
//! 1. the user and account from the provider (and, with an adapter, the user already
//!    linked to that account);
//! 2. `sign_in({user, account, profile})`: allow, deny, or redirect (through `redirect`);
//! 3. login or registration (`login.rs`: with an adapter, find, link or create the user);
//! 4. the session: `jwt` with `trigger` `SignIn` or `SignUp` and `is_new_user`, then the
//!    session cookie (or, with the database strategy, a session row);
//! 5. the `sign_in` event;
//! 6. the redirect: the new-user page for a new user when one is configured, else the
//!    callback URL.

use std::collections::HashMap;

use bytes::Bytes;
use http::Response;
use serde_json::Value;

use crate::{
    context::RouteCtx,
    cookies::clear_session_cookies,
    login::{account_owner, login_or_register, merged, Login},
    respond::with_query,
    session,
    state::State,
    Account, Error, ErrorCode, JwtContext, SessionStrategy, SignInContext, SignInDecision,
    SignInEvent, Token, Trigger, User,
};

/// What a provider hands to the shared sign-in path.
#[derive(Debug)]
pub(crate) struct SignInAttempt {
    /// The user the provider returned (`authorize`, the mapped OAuth profile, ...).
    pub(crate) user: User,
    /// The account it signed in with.
    pub(crate) account: Account,
    /// The raw provider profile (OAuth/OIDC).
    pub(crate) profile: Option<Value>,
    /// The posted fields (credentials).
    pub(crate) credentials: Option<HashMap<String, String>>,
    /// The provider links an account to an existing user with the same email.
    pub(crate) allow_email_linking: bool,
}

/// Runs the rest of a sign-in for a user a provider vouched for, and answers.
#[tracing::instrument(name = "sign_in", skip_all, fields(provider = %attempt.account.provider))]
pub(crate) async fn complete_sign_in(
    mut ctx: RouteCtx<'_>,
    attempt: SignInAttempt,
) -> Response<Bytes> {
    let state = ctx.state;
    let SignInAttempt {
        user,
        account,
        profile,
        credentials,
        allow_email_linking,
    } = attempt;
    // 1. With an adapter, the user already linked to this account is the user `sign_in`
    //    sees.
    let owner = match account_owner(state, &account).await {
        Ok(owner) => owner,
        Err(err) => {
            tracing::warn!(error = %err, "sign-in failed");
            return ctx.fail(err.code());
        }
    };
    let user = match &owner {
        Some(stored) => merged(stored, &user),
        None => user,
    };
    // 2. `sign_in`.
    let asked = SignInContext {
        user: user.clone(),
        account: Some(account.clone()),
        profile: profile.clone(),
        credentials,
        email: None,
    };
    if let Some(refused) = ask_sign_in(state, asked).await {
        return answer_refusal(ctx, refused).await;
    }
    // 3. Login or registration.
    let login = login_or_register(
        &ctx,
        user,
        owner,
        &account,
        profile.as_ref(),
        allow_email_linking,
    )
    .await;
    let Login { user, is_new_user } = match login {
        Ok(login) => login,
        Err(err) => {
            tracing::warn!(error = %err, "sign-in failed");
            return ctx.fail(err.code());
        }
    };
    // 4. The session.
    let existing = ctx.cookies.session_cookie_names(
        &ctx.names.session_token,
        ctx.state.config.max_session_chunks,
    );
    match state.config.strategy {
        SessionStrategy::Jwt => {
            let trigger = if is_new_user == Some(true) {
                Trigger::SignUp
            } else {
                Trigger::SignIn
            };
            let jwt = state
                .config
                .callbacks
                .jwt(JwtContext {
                    token: Token::from(&user).into(),
                    user: Some(user.clone()),
                    account: Some(account.clone()),
                    profile: profile.clone(),
                    trigger: Some(trigger),
                    is_new_user,
                    session: None,
                })
                .await;
            match jwt {
                Ok(Some(token)) => {
                    match session::jwt::issue(
                        state,
                        token.into_inner(),
                        ctx.origin.secure,
                        &existing,
                    ) {
                        Ok((cookies, _)) => ctx.set_cookies.extend(cookies),
                        Err(err) => {
                            tracing::error!(error = %err, "session token could not be encoded");
                            return ctx.fail(ErrorCode::Configuration);
                        }
                    }
                }
                Ok(None) => {
                    tracing::info!("jwt returned no token: signed in without a session");
                    let cleared = clear_session_cookies(&existing, ctx.attrs);
                    ctx.set_cookies.extend(cleared);
                }
                Err(err) => {
                    tracing::error!(error = %err, "jwt callback failed at sign-in");
                    return ctx.fail(ErrorCode::Configuration);
                }
            }
        }
        SessionStrategy::Database => {
            match session::database::create(state, &user.id, ctx.origin.secure, &existing).await {
                Ok(cookies) => ctx.set_cookies.extend(cookies),
                Err(err) => {
                    tracing::warn!(error = %err, "the session could not be stored");
                    return ctx.fail(err.code());
                }
            }
        }
    }
    // 5. Events.
    if let Some(events) = &state.config.events {
        let event = SignInEvent {
            user,
            account: Some(account),
            profile,
            is_new_user,
        };
        if let Err(err) = events.sign_in(event).await {
            tracing::error!(error = %err, "{}: sign_in event failed", ErrorCode::EventError);
        }
    }
    // 6. The redirect.
    match (&state.config.pages.new_user, is_new_user) {
        (Some(new_user), Some(true)) => {
            let page = state.page_url(&ctx.origin, Some(new_user), "signin");
            let target = with_query(&page, &[("callbackUrl", &ctx.callback_url)]);
            ctx.redirect(&target)
        }
        _ => ctx.redirect_to_callback(),
    }
}

/// Runs `sign_in`; `None` lets the sign-in go on.
pub(crate) async fn ask_sign_in(state: &State, asked: SignInContext) -> Option<Refusal> {
    refuse(state.config.callbacks.sign_in(asked).await)
}

/// Answers a refused sign-in: the error page or sign-in page with its code, or the
/// redirect `sign_in` asked for (through `redirect`).
pub(crate) async fn answer_refusal(ctx: RouteCtx<'_>, refused: Refusal) -> Response<Bytes> {
    let config = &ctx.state.config;
    match refused {
        Refusal::Code(code) => ctx.fail(code),
        Refusal::AppCode(code) if config.error_message(&code).is_some() => {
            ctx.fail_with_app_code(&code)
        }
        Refusal::AppCode(code) => {
            tracing::warn!(code, "sign_in code is not on the allow-list; AccessDenied");
            ctx.fail(ErrorCode::AccessDenied)
        }
        Refusal::Redirect(url) => {
            let target = config
                .callbacks
                .resolve_redirect(&url, &ctx.origin.origin)
                .await;
            ctx.redirect(&target)
        }
    }
}

/// Why `sign_in` stopped a sign-in.
pub(crate) enum Refusal {
    /// An Auth.js error type.
    Code(ErrorCode),
    /// An app code on the allow-list (shown on the error page with the app's message).
    AppCode(String),
    /// A URL to send the user to (passed through `redirect`).
    Redirect(String),
}

/// Maps the `sign_in` result; `None` lets the sign-in go on.
fn refuse(decision: Result<SignInDecision, Error>) -> Option<Refusal> {
    match decision {
        Ok(SignInDecision::Allow) => None,
        Ok(SignInDecision::Deny) => {
            tracing::info!("AccessDenied: sign_in refused");
            Some(Refusal::Code(ErrorCode::AccessDenied))
        }
        Ok(SignInDecision::Redirect(url)) => {
            tracing::info!("sign_in refused with a redirect");
            Some(Refusal::Redirect(url))
        }
        Ok(SignInDecision::DenyWith(code)) | Err(Error::AppCode(code)) => {
            tracing::info!(code, "sign_in refused with an app code");
            Some(Refusal::AppCode(code))
        }
        Err(err) => {
            tracing::error!(error = %err, "sign_in callback failed; AccessDenied");
            Some(Refusal::Code(ErrorCode::AccessDenied))
        }
    }
}
