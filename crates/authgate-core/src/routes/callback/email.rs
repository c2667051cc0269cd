//! `GET` and `POST /callback/<email id>` (Auth.js §5.3 step 2). With the confirm page
//! (the default), `GET` checks the link without using it and shows a page whose button
//! `POST`s it back (CSRF checked); only the `POST` uses the link up. Without it, `GET`
//! signs in at once, as Auth.js. A missing, used, expired or tampered link, or one for
//! another address: `Verification`.

use bytes::Bytes;
use http::{header::REFERRER_POLICY, HeaderValue, Response, StatusCode};
use serde_json::Value;

use crate::{
    adapter::{Adapter, AdapterError, VerificationToken},
    context::RouteCtx,
    pages::{self, EmailLink},
    respond::{html, no_store},
    signin::{complete_sign_in, SignInAttempt},
    Email, ErrorCode,
};

/// The link's `token` and `email`, from the query (`GET`) or the form (`POST`).
fn link_fields(ctx: &RouteCtx<'_>, is_post: bool) -> (Option<String>, Option<String>) {
    let field = |name: &str| {
        if is_post {
            ctx.body
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
        } else {
            ctx.query.get(name).cloned()
        }
        .filter(|v| !v.is_empty())
    };
    (field("token"), field("email"))
}

/// The stored link under one of its hashes: used up (`take`, at most once) or only
/// looked at (the confirm page).
async fn lookup(
    adapter: &dyn Adapter,
    email: &str,
    hashes: &[String],
    take: bool,
) -> Result<Option<VerificationToken>, AdapterError> {
    for hashed in hashes {
        let found = if take {
            adapter.use_verification_token(email, hashed).await?
        } else {
            adapter.find_verification_token(email, hashed).await?
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Answers the link.
pub(super) async fn callback(
    ctx: RouteCtx<'_>,
    provider: &Email,
    is_post: bool,
) -> Response<Bytes> {
    if is_post && !ctx.csrf_verified {
        tracing::warn!("MissingCSRF: email link confirmation refused");
        return ctx.fail(ErrorCode::MissingCsrf);
    }
    let (token, email) = link_fields(&ctx, is_post);
    let Some(token) = token else {
        tracing::warn!("email callback without a token");
        return ctx.fail(ErrorCode::Configuration);
    };
    let Some(email) = email else {
        tracing::warn!("Verification: email callback without an address");
        return ctx.fail(ErrorCode::Verification);
    };
    let state = ctx.state;
    let Some(adapter) = state.config.adapter.as_deref() else {
        tracing::error!(
            "{}: the email provider has no adapter",
            ErrorCode::MissingAdapter
        );
        return ctx.fail(ErrorCode::MissingAdapter);
    };
    // One hash per secret: a link sent before a secret rotation still works.
    let hashes = provider.token_hashes(&token, state.config.secrets());
    let now = state.config.clock.now();
    // The confirm page checks the link without using it: a scanner fetching the link
    // leaves it working.
    let confirm = !is_post && provider.uses_confirm_page();
    match lookup(adapter, &email, &hashes, !confirm).await {
        Ok(Some(link)) if link.expires > now => {}
        Ok(_) => {
            tracing::info!("Verification: unknown, used or expired email link");
            return ctx.fail(ErrorCode::Verification);
        }
        Err(err) => {
            tracing::warn!(error = %err, "email callback: the verification token lookup failed");
            return ctx.fail(ErrorCode::AdapterError);
        }
    }
    if confirm {
        let link = EmailLink {
            provider: provider.provider_id(),
            token: &token,
            email: &email,
        };
        let page = pages::confirm_email(&ctx.page_ctx(), &link);
        let mut res = no_store(html(StatusCode::OK, page, ctx.set_cookies));
        // The page's URL holds a live token: never sent on to another site.
        res.headers_mut()
            .insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        return res;
    }
    let (user, account) = match provider.sign_in_parts(adapter, &email).await {
        Ok(parts) => parts,
        Err(err) => {
            tracing::warn!(error = %err, "email callback: get_user_by_email failed");
            return ctx.fail(ErrorCode::AdapterError);
        }
    };
    let attempt = SignInAttempt {
        user,
        account,
        profile: None,
        credentials: None,
        allow_email_linking: false,
    };
    complete_sign_in(ctx, attempt).await
}
