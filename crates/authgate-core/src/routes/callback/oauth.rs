//! `GET /callback/<oauth id>` (and `POST` for `response_mode=form_post`): the checks,
//! the code exchange, the id_token and userinfo, the profile, then the shared sign-in
//! path. The check cookies are cleared whatever the outcome (single use).
//!
//! Failures, as Auth.js v5: the provider's own `?error=` is `OAuthCallbackError` (sign-in
//! page); a missing, tampered, expired, replayed or foreign check is `InvalidCheck`; a
//! failed exchange, id_token or userinfo is `CallbackRouteError` (both shown as
//! `Configuration`). One `warn` line names the cause, never a token.

use std::collections::HashMap;

use bytes::Bytes;
use http::Response;
use serde_json::{Map, Value};

use crate::{
    context::RouteCtx,
    providers::oauth::{checks, client},
    signin::{complete_sign_in, SignInAttempt},
    Account, AccountType, Check, Error, ErrorCode, OAuth, OAuthKind, TokenSet,
};

/// The namespace of the stable user ids of OAuth accounts without an adapter.
const USER_ID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6a1f_4c3e_9b7d_4e21_8f05_2c9d_7e3a_b410);

/// Runs an OAuth / OIDC callback.
pub(super) async fn callback(
    mut ctx: RouteCtx<'_>,
    provider: &OAuth,
    is_post: bool,
) -> Response<Bytes> {
    let params: HashMap<String, String> = if is_post {
        ctx.body
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
            .collect()
    } else {
        ctx.query.clone()
    };
    let attempt = sign_in_attempt(&ctx, provider, &params, is_post).await;
    let cleared = checks::clear_all(ctx.names, &ctx.cookies, ctx.attrs, provider.form_post);
    ctx.set_cookies.extend(cleared);
    match attempt {
        Ok((attempt, carried)) => {
            if let (Some(url), None) = (carried, ctx.cookies.get(&ctx.names.callback_url)) {
                let url = ctx
                    .state
                    .config
                    .callbacks
                    .resolve_redirect(&url, &ctx.origin.origin)
                    .await;
                ctx.set_callback_url(url);
            }
            complete_sign_in(ctx, attempt).await
        }
        Err(err) => {
            tracing::warn!(provider = provider.provider_id(), error = %err, "OAuth callback failed");
            ctx.fail(err.code())
        }
    }
}

/// Everything between the provider's redirect and the shared sign-in path; also the
/// callback URL the state cookie carried (`form_post` providers).
async fn sign_in_attempt(
    ctx: &RouteCtx<'_>,
    provider: &OAuth,
    params: &HashMap<String, String>,
    is_post: bool,
) -> Result<(SignInAttempt, Option<String>), Error> {
    let state = ctx.state;
    let secure = ctx.origin.secure;
    let id = provider.provider_id();
    let codec = |check| state.config.check_codec(secure, check);
    let name = |check| checks::cookie_name(ctx.names, check);
    let carried = if provider.has_check(Check::State) {
        let echoed = params.get("state").map(String::as_str);
        checks::verify_state(
            codec(Check::State),
            &ctx.cookies,
            name(Check::State),
            id,
            echoed,
        )?
    } else {
        None
    };
    // The provider's own error, once the state shows the answer is for this browser (a
    // forged `?error=` link cannot abort a sign-in in progress).
    if let Some(error) = params.get("error") {
        return Err(Error::auth(
            ErrorCode::OAuthCallbackError,
            format!("the provider answered error={error:?}"),
        ));
    }
    let verifier = match provider.has_check(Check::Pkce) {
        true => Some(checks::read(
            codec(Check::Pkce),
            &ctx.cookies,
            name(Check::Pkce),
            id,
        )?),
        false => None,
    };
    let nonce = match provider.has_check(Check::Nonce) {
        true => Some(checks::read(
            codec(Check::Nonce),
            &ctx.cookies,
            name(Check::Nonce),
            id,
        )?),
        false => None,
    };
    let code = params
        .get("code")
        .ok_or_else(|| Error::auth(ErrorCode::CallbackRouteError, "the provider sent no code"))?;
    let endpoints = state
        .oidc
        .endpoints(&state.http, provider)
        .await
        .map_err(|e| Error::auth(ErrorCode::CallbackRouteError, e.to_string()))?;
    let redirect_uri = format!("{}/callback/{id}", ctx.base_url);
    let tokens = client::exchange_code(
        &state.http,
        provider,
        &endpoints,
        &redirect_uri,
        code,
        verifier,
    )
    .await?;
    let profile = match provider.kind() {
        OAuthKind::Oidc => {
            let id_token = tokens.id_token.as_deref().ok_or_else(|| {
                Error::auth(
                    ErrorCode::CallbackRouteError,
                    "the token answer has no id_token",
                )
            })?;
            let mut claims = state
                .oidc
                .verify_id_token(
                    &state.http,
                    provider,
                    &endpoints,
                    id_token,
                    nonce.as_deref(),
                )
                .await?;
            if provider.fetch_userinfo
                && (endpoints.userinfo.is_some() || provider.userinfo_request.is_some())
            {
                let info = userinfo(state, provider, endpoints.userinfo.clone(), &tokens).await?;
                merge_userinfo(&mut claims, info)?;
            }
            Value::Object(claims)
        }
        OAuthKind::OAuth => userinfo(state, provider, endpoints.userinfo.clone(), &tokens).await?,
    };
    // Only a form_post provider's cross-site POST may carry `user` (Apple).
    let posted = (provider.form_post && is_post)
        .then(|| params.get("user"))
        .flatten();
    let profile = with_posted_user(profile, posted);
    let mut user = provider.map_profile(&profile, &tokens)?;
    if user.id.is_empty() {
        return Err(Error::auth(
            ErrorCode::OAuthProfileParseError,
            "the profile mapping gave no user id",
        ));
    }
    let provider_account_id = std::mem::take(&mut user.id);
    user.id = stable_user_id(id, &provider_account_id);
    user.email = user.email.map(|e| e.to_lowercase());
    let account = Account {
        kind: match provider.kind() {
            OAuthKind::OAuth => AccountType::OAuth,
            OAuthKind::Oidc => AccountType::Oidc,
        },
        provider: id.to_owned(),
        provider_account_id,
        extra: tokens.to_account_fields(),
    };
    let attempt = SignInAttempt {
        user,
        account,
        profile: Some(profile),
        credentials: None,
        allow_email_linking: provider.allow_dangerous_email_account_linking,
    };
    Ok((attempt, carried))
}

/// The userinfo JSON object: the provider's own request, or a GET of its endpoint.
async fn userinfo(
    state: &crate::state::State,
    provider: &OAuth,
    url: Option<String>,
    tokens: &TokenSet,
) -> Result<Value, Error> {
    let info = match (&provider.userinfo_request, url) {
        (Some(request), url) => {
            request(crate::UserinfoRequest {
                http: state.http.clone(),
                url,
                tokens: tokens.clone(),
            })
            .await?
        }
        (None, Some(url)) => client::get_json(&state.http, &url, &tokens.access_token).await?,
        (None, None) => {
            return Err(Error::auth(
                ErrorCode::InvalidEndpoints,
                "the provider has no userinfo endpoint",
            ))
        }
    };
    if !info.is_object() {
        return Err(Error::auth(
            ErrorCode::CallbackRouteError,
            "userinfo is not a JSON object",
        ));
    }
    Ok(info)
}

/// Merges userinfo into the id_token claims: its `sub` must be the same; its other
/// fields fill in what the id_token lacks (many providers put only `sub` in it) but never
/// replace a claim of the signed token.
fn merge_userinfo(claims: &mut Map<String, Value>, info: Value) -> Result<(), Error> {
    let Value::Object(info) = info else {
        return Ok(());
    };
    if info.get("sub") != claims.get("sub") {
        return Err(Error::auth(
            ErrorCode::CallbackRouteError,
            "userinfo sub is not the id_token's",
        ));
    }
    for (k, v) in info {
        claims.entry(k).or_insert(v);
    }
    Ok(())
}

/// A `form_post` provider may post a `user` field with what its id_token lacks (Apple:
/// the name, on the first sign-in only); it joins the profile as `user`, for the
/// profile mapping. It never replaces a claim.
fn with_posted_user(mut profile: Value, posted: Option<&String>) -> Value {
    let posted = posted.and_then(|u| serde_json::from_str::<Value>(u).ok());
    if let (Value::Object(profile), Some(user @ Value::Object(_))) = (&mut profile, posted) {
        profile.entry("user").or_insert(user);
    }
    profile
}

/// The user id of an OAuth account without an adapter: stable across sign-ins of the
/// same provider account (Auth.js v5 makes a random one each time), distinct per provider.
fn stable_user_id(provider: &str, provider_account_id: &str) -> String {
    // Length-prefixed, so no (provider, account) pair can spell another's name.
    let name = format!("{}:{provider}:{provider_account_id}", provider.len());
    uuid::Uuid::new_v5(&USER_ID_NAMESPACE, name.as_bytes()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_ids_per_provider_account() {
        let a = stable_user_id("github", "42");
        assert_eq!(a, stable_user_id("github", "42"));
        assert_ne!(a, stable_user_id("gitlab", "42"));
        assert_ne!(a, stable_user_id("github", "43"));
        assert_ne!(
            stable_user_id("a\u{0}b", "c"),
            stable_user_id("a", "b\u{0}c")
        );
    }

    #[test]
    fn a_posted_user_joins_the_profile_without_replacing_claims() {
        let posted = r#"{"name":{"firstName":"Ann","lastName":"Lee"}}"#.to_owned();
        let p = with_posted_user(serde_json::json!({"sub": "1"}), Some(&posted));
        assert_eq!(p["user"]["name"]["firstName"], "Ann");
        let p = with_posted_user(serde_json::json!({"sub": "1", "user": 5}), Some(&posted));
        assert_eq!(p["user"], 5);
        let p = with_posted_user(
            serde_json::json!({"sub": "1"}),
            Some(&"not json".to_owned()),
        );
        assert!(p.get("user").is_none());
    }

    #[test]
    fn userinfo_with_another_sub_is_refused() {
        let mut claims = Map::new();
        claims.insert("sub".into(), "1".into());
        assert!(merge_userinfo(&mut claims, serde_json::json!({"sub": "2"})).is_err());
        claims.insert("email".into(), "signed@x.example".into());
        merge_userinfo(
            &mut claims,
            serde_json::json!({"sub": "1", "name": "N", "email": "unsigned@x.example"}),
        )
        .unwrap();
        assert_eq!(claims["name"], "N", "fills in");
        assert_eq!(
            claims["email"], "signed@x.example",
            "never replaces a signed claim"
        );
    }
}
