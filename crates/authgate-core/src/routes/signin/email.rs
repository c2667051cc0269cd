//! `POST /signin/<email id>` (Auth.js §5.3 step 1): rate limits (per client IP, then
//! per address), normalize the address, ask
//! `sign_in` (with `email.verification_request`), store the link's hashed token, send
//! the link, and show "check your email".

use bytes::Bytes;
use http::Response;
use serde_json::Value;

use crate::{
    adapter::VerificationToken,
    context::RouteCtx,
    email::VerificationEmail,
    providers::email::new_link_token,
    rate_limit::Subject,
    respond::with_query,
    signin::{answer_refusal, ask_sign_in},
    Email, EmailSignIn, ErrorCode, SignInContext,
};

/// Sends a sign-in link to the posted `email`.
pub(super) async fn start(ctx: RouteCtx<'_>, provider: &Email) -> Response<Bytes> {
    let state = ctx.state;
    let Some(adapter) = state.config.adapter.as_deref() else {
        tracing::error!(
            "{}: the email provider has no adapter",
            ErrorCode::MissingAdapter
        );
        return ctx.fail(ErrorCode::MissingAdapter);
    };
    if let Err(retry_after) = ctx.rate_limit(Subject::EmailIp, None).await {
        return ctx.fail_rate_limited(retry_after);
    }
    let raw = ctx.body.get("email").and_then(Value::as_str).unwrap_or("");
    let Some(email) = provider.normalized(raw) else {
        tracing::warn!(
            provider = provider.provider_id(),
            "email sign-in: missing or invalid address; nothing sent"
        );
        return ctx.fail(ErrorCode::Configuration);
    };
    if let Err(retry_after) = ctx.rate_limit(Subject::EmailAddress, Some(&email)).await {
        return ctx.fail_rate_limited(retry_after);
    }
    let (user, account) = match provider.sign_in_parts(adapter, &email).await {
        Ok(parts) => parts,
        Err(err) => {
            tracing::warn!(error = %err, "email sign-in: get_user_by_email failed");
            return ctx.fail(ErrorCode::AdapterError);
        }
    };
    let asked = SignInContext {
        user,
        account: Some(account),
        profile: None,
        credentials: None,
        email: Some(EmailSignIn {
            verification_request: true,
        }),
    };
    if let Some(refused) = ask_sign_in(state, asked).await {
        tracing::info!("email sign-in refused by sign_in before sending");
        return answer_refusal(ctx, refused).await;
    }

    let token = new_link_token();
    let hashed = provider.hash_token(&token, state.config.secrets());
    // The max age is at most 30 days (checked at build): no overflow.
    let now = state.config.clock.now();
    let expires = now
        .checked_add(provider.link_max_age().try_into().unwrap_or_default())
        .unwrap_or(now);
    let stored = VerificationToken {
        identifier: email.clone(),
        token: hashed.clone(),
        expires: expires.replace_nanosecond(0).unwrap_or(expires),
    };
    if let Err(err) = adapter.create_verification_token(stored).await {
        tracing::warn!(error = %err, "email sign-in: create_verification_token failed");
        return ctx.fail(ErrorCode::AdapterError);
    }
    // The canonical URL (required with an email provider), never the Host header.
    let callback = format!("{}/callback/{}", ctx.base_url, provider.provider_id());
    let url = with_query(
        &callback,
        &[
            ("callbackUrl", ctx.callback_url.as_str()),
            ("token", token.as_str()),
            ("email", email.as_str()),
        ],
    );
    let message = VerificationEmail {
        to: email.clone(),
        url,
        expires,
        provider: provider.provider_id().to_owned(),
        host: ctx
            .origin
            .origin
            .split_once("://")
            .map_or(ctx.origin.origin.as_str(), |(_, host)| host)
            .to_owned(),
    };
    if let Err(err) = provider.sender().send(&message).await {
        tracing::warn!(error = %err, "{}: the sign-in link could not be sent", ErrorCode::EmailSignInError);
        // Nobody has the link: it goes.
        if let Err(err) = adapter.use_verification_token(&email, &hashed).await {
            tracing::warn!(error = %err, "email sign-in: the unsent link could not be deleted");
        }
        return ctx.fail(ErrorCode::EmailSignInError);
    }
    tracing::info!(
        provider = provider.provider_id(),
        "email sign-in: link sent"
    );
    let target = with_query(
        &format!("{}/verify-request", ctx.base_url),
        &[("provider", provider.provider_id()), ("type", "email")],
    );
    ctx.redirect(&target)
}
