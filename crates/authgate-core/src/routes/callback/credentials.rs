//! `POST /callback/<credentials id>`: CSRF → rate limits (per client IP, per
//! identifier; when set) → `authorize` → the shared sign-in path.

use std::collections::HashMap;

use bytes::Bytes;
use http::Response;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::{
    context::RouteCtx,
    rate_limit::Subject,
    signin::{complete_sign_in, SignInAttempt},
    Account, AccountType, AuthorizeRequest, Credentials, Error, ErrorCode,
};

/// The default `&code=` of `CredentialsSignin`, as Auth.js.
const DEFAULT_CODE: &str = "credentials";

/// Checks CSRF, runs `authorize` and hands its user to [`complete_sign_in`].
pub(super) async fn callback(ctx: RouteCtx<'_>, provider: Credentials) -> Response<Bytes> {
    if !ctx.csrf_verified {
        tracing::warn!("MissingCSRF: credentials sign-in refused before authorize");
        return ctx.fail(ErrorCode::MissingCsrf);
    }
    let credentials: HashMap<String, String> = ctx
        .body
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), v)
        })
        .collect();
    if let Err(retry_after) = ctx.rate_limit(Subject::CredentialsIp, None).await {
        return ctx.fail_rate_limited(retry_after);
    }
    let identifier = ctx
        .state
        .config
        .rate_limits
        .as_ref()
        .and_then(|l| l.credentials_per_identifier.as_ref())
        .and_then(|(field, _)| credentials.get(field))
        .map(|v| {
            let v: String = v.nfkc().collect();
            format!("{}:{}", provider.provider_id(), v.trim().to_lowercase())
        });
    if let Err(retry_after) = ctx
        .rate_limit(Subject::CredentialsIdentifier, identifier.as_deref())
        .await
    {
        return ctx.fail_rate_limited(retry_after);
    }
    let request = AuthorizeRequest {
        method: ctx.parts.method.clone(),
        uri: ctx.parts.uri.clone(),
        headers: ctx.parts.headers.clone(),
        client_ip: ctx.client_ip(),
    };
    let mut user = match provider.authorize(credentials.clone(), request).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            tracing::info!("CredentialsSignin: authorize returned no user");
            return ctx.fail_credentials(DEFAULT_CODE);
        }
        Err(Error::AppCode(code)) => {
            let code = if ctx.state.config.error_message(&code).is_some() {
                code
            } else {
                tracing::warn!(
                    code,
                    "authorize returned a code that is not on the allow-list"
                );
                DEFAULT_CODE.to_owned()
            };
            tracing::info!(code, "CredentialsSignin: authorize refused");
            return ctx.fail_credentials(&code);
        }
        Err(err) => {
            tracing::error!(error = %err, "CallbackRouteError: authorize failed");
            return ctx.fail(ErrorCode::CallbackRouteError);
        }
    };
    if user.id.is_empty() {
        user.id = uuid::Uuid::new_v4().to_string();
    }
    let account = Account {
        kind: AccountType::Credentials,
        provider: provider.provider_id().to_owned(),
        provider_account_id: user.id.clone(),
        extra: serde_json::Map::new(),
    };
    let attempt = SignInAttempt {
        user,
        account,
        profile: None,
        credentials: Some(credentials),
        allow_email_linking: false,
    };
    complete_sign_in(ctx, attempt).await
}
