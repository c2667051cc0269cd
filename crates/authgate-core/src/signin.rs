//! `POST /callback/<credentials id>`: `authorize` → `sign_in` → `jwt` → cookie.

use std::collections::HashMap;

use bytes::Bytes;
use http::{HeaderMap, Method, Response, Uri};
use serde_json::Value;

use crate::{
    cookies::clear_session_cookies, engine::RouteCtx, error::codes, providers::AuthorizeRequest,
    Account, AccountType, Auth, Error, JwtContext, Provider, SignInContext, SignInDecision,
    SignInEvent, Token, Trigger,
};

impl Auth {
    #[tracing::instrument(name = "callback", skip_all, fields(provider = id))]
    pub(crate) async fn credentials_callback(
        &self,
        mut ctx: RouteCtx<'_>,
        id: &str,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
    ) -> Response<Bytes> {
        let config = &self.inner.config;
        let Some(Provider::Credentials(provider)) = self.provider(id).cloned() else {
            tracing::warn!("InvalidProvider: no credentials provider with this id");
            return self.error_redirect(ctx, codes::CONFIGURATION, None);
        };
        if !ctx.csrf_verified {
            tracing::warn!("MissingCSRF: credentials sign-in refused before authorize");
            return self.error_redirect(ctx, codes::MISSING_CSRF, None);
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
        let request = AuthorizeRequest {
            method,
            uri,
            headers,
        };
        let mut user = match provider.authorize(credentials.clone(), request).await {
            Ok(Some(user)) => user,
            Ok(None) => {
                tracing::info!("CredentialsSignin: authorize returned no user");
                return self.error_redirect(ctx, codes::CREDENTIALS_SIGNIN, Some("credentials"));
            }
            Err(Error::Code(code)) => {
                let code = if config.error_message(&code).is_some() {
                    code
                } else {
                    tracing::warn!(
                        code,
                        "authorize returned a code that is not on the allow-list"
                    );
                    "credentials".to_owned()
                };
                tracing::info!(code, "CredentialsSignin: authorize refused");
                return self.error_redirect(ctx, codes::CREDENTIALS_SIGNIN, Some(&code));
            }
            Err(err) => {
                tracing::error!(error = %err, "CallbackRouteError: authorize failed");
                return self.error_redirect(ctx, codes::CONFIGURATION, None);
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
        let decision = config
            .callbacks
            .sign_in(SignInContext {
                user: user.clone(),
                account: Some(account.clone()),
                profile: None,
                credentials: Some(credentials),
            })
            .await;
        match decision {
            Ok(SignInDecision::Allow) => {}
            Ok(SignInDecision::Deny) => {
                tracing::info!("AccessDenied: sign_in refused");
                return self.error_redirect(ctx, codes::ACCESS_DENIED, None);
            }
            Ok(SignInDecision::Redirect(url)) => {
                tracing::info!("sign_in refused with a redirect");
                let target = self.run_redirect(&url, &ctx.origin.origin).await;
                return self.redirect(ctx, &target);
            }
            Ok(SignInDecision::DenyWith(code)) | Err(Error::Code(code)) => {
                if config.error_message(&code).is_some() {
                    tracing::info!(code, "sign_in refused with an app code");
                    return self.error_redirect(ctx, &code, None);
                }
                tracing::warn!(code, "sign_in code is not on the allow-list; AccessDenied");
                return self.error_redirect(ctx, codes::ACCESS_DENIED, None);
            }
            Err(err) => {
                tracing::error!(error = %err, "sign_in callback failed; AccessDenied");
                return self.error_redirect(ctx, codes::ACCESS_DENIED, None);
            }
        }
        let token = Token::from(&user);
        let jwt = config
            .callbacks
            .jwt(JwtContext {
                token,
                user: Some(user.clone()),
                account: Some(account.clone()),
                profile: None,
                trigger: Some(Trigger::SignIn),
                is_new_user: Some(false),
                session: None,
            })
            .await;
        let existing = ctx.cookies.session_cookie_names(&ctx.names.session_token);
        match jwt {
            Ok(Some(token)) => match self.issue_token(token, ctx.origin.secure, &existing) {
                Ok((cookies, _)) => ctx.set_cookies.extend(cookies),
                Err(err) => {
                    tracing::error!(error = %err, "session token could not be encoded");
                    return self.error_redirect(ctx, codes::CONFIGURATION, None);
                }
            },
            Ok(None) => {
                tracing::info!("jwt returned no token: signed in without a session");
                let cleared = clear_session_cookies(&existing, ctx.attrs);
                ctx.set_cookies.extend(cleared);
            }
            Err(err) => {
                tracing::error!(error = %err, "jwt callback failed at sign-in");
                return self.error_redirect(ctx, codes::CONFIGURATION, None);
            }
        }
        let event = SignInEvent {
            user,
            account: Some(account),
            is_new_user: Some(false),
        };
        if let Some(events) = &config.events {
            if let Err(err) = events.sign_in(event).await {
                tracing::error!(error = %err, "sign_in event failed");
            }
        }
        let target = ctx.callback_url.clone();
        self.redirect(ctx, &target)
    }
}
