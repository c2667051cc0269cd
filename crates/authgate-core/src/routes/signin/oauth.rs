//! `POST /signin/<oauth id>`: resolves the endpoints (discovery), mints the checks
//! (`state`, PKCE, `nonce`) into their cookies and redirects to the provider.

use bytes::Bytes;
use http::{HeaderValue, Response};

use crate::{
    context::RouteCtx,
    providers::oauth::{
        checks,
        client::{authorization_url, pkce_pair, random_token, AuthorizationParams},
    },
    Check, Error, ErrorCode, OAuth,
};

/// Starts an OAuth / OIDC sign-in.
pub(super) async fn start(mut ctx: RouteCtx<'_>, provider: &OAuth) -> Response<Bytes> {
    match authorization(&ctx, provider).await {
        Ok((url, cookies)) => {
            ctx.set_cookies.extend(cookies);
            ctx.redirect(&url)
        }
        Err(err) => {
            tracing::warn!(provider = provider.provider_id(), error = %err, "OAuthSignInError");
            ctx.fail(ErrorCode::OAuthSignInError)
        }
    }
}

/// The authorization URL and the check cookies that go with it.
async fn authorization(
    ctx: &RouteCtx<'_>,
    provider: &OAuth,
) -> Result<(String, Vec<HeaderValue>), Error> {
    let state = ctx.state;
    let endpoints = state.oidc.endpoints(&state.http, provider).await?;
    let redirect_uri = format!("{}/callback/{}", ctx.base_url, provider.provider_id());
    let secure = ctx.origin.secure;
    let cross_site = provider.form_post;
    let id = provider.provider_id();
    let mut cookies = Vec::new();
    let mut issue = |check: Check, value: &str| -> Result<(), Error> {
        let codec = state.config.check_codec(secure, check);
        let name = checks::cookie_name(ctx.names, check);
        // A cross-site answer does not bring the callback-url cookie: the state cookie
        // carries the callback URL.
        let callback_url =
            (cross_site && check == Check::State).then_some(ctx.callback_url.as_str());
        let cookie = checks::issue(codec, name, id, value, ctx.attrs, cross_site, callback_url)?;
        cookies.push(cookie);
        Ok(())
    };
    let state_value = random_token();
    if provider.has_check(Check::State) {
        issue(Check::State, &state_value)?;
    }
    let pkce_challenge = if provider.has_check(Check::Pkce) {
        let (challenge, verifier) = pkce_pair();
        issue(Check::Pkce, &verifier)?;
        Some(challenge)
    } else {
        None
    };
    let nonce = if provider.has_check(Check::Nonce) {
        let nonce = random_token();
        issue(Check::Nonce, &nonce)?;
        Some(nonce)
    } else {
        None
    };
    // The sign-in request's query (`prompt`, `login_hint`), as Auth.js passes it on; the
    // provider's own params win over it (the app's choice, e.g. `acr_values`), and
    // `callbackUrl` is ours.
    let mut extra: Vec<(String, String)> = ctx
        .query
        .iter()
        .filter(|(k, _)| k.as_str() != "callbackUrl")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    extra.extend(provider.params.iter().cloned());
    let url = authorization_url(
        provider,
        &endpoints,
        &redirect_uri,
        AuthorizationParams {
            state: &state_value,
            pkce_challenge,
            nonce: nonce.as_deref(),
            extra,
        },
    )?;
    Ok((url, cookies))
}
