//! `GET` and `POST /callback/:provider`: where a provider's flow comes back, one file per
//! kind of provider: `credentials.rs` (`POST`), `oauth.rs` (`GET`, and `POST` for
//! `form_post`), `email.rs` (`GET` the link, `POST` its confirm page).

mod credentials;
mod email;
mod oauth;

use bytes::Bytes;
use http::Response;

use crate::{context::RouteCtx, ErrorCode, Provider};

/// Dispatches to the provider's callback.
#[tracing::instrument(name = "callback", skip_all, fields(provider = id))]
pub(super) async fn handle(ctx: RouteCtx<'_>, id: &str, is_post: bool) -> Response<Bytes> {
    match (ctx.state.provider(id), is_post) {
        (Some(Provider::Credentials(provider)), true) => {
            credentials::callback(ctx, provider.clone()).await
        }
        (Some(Provider::OAuth(provider)), _) => oauth::callback(ctx, provider, is_post).await,
        (Some(Provider::Email(provider)), _) => email::callback(ctx, provider, is_post).await,
        (Some(_), false) => {
            tracing::warn!("InvalidProvider: GET callback is not supported for this provider");
            ctx.fail(ErrorCode::InvalidProvider)
        }
        (None, _) => {
            tracing::warn!("InvalidProvider: no provider with this id");
            ctx.fail(ErrorCode::InvalidProvider)
        }
    }
}
