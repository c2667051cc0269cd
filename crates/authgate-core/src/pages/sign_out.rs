//! The built-in sign-out confirmation page.

use super::{
    context::PageContext,
    layout::{escape, layout},
};

pub(crate) fn sign_out(ctx: &PageContext<'_>) -> String {
    let body = format!(
        r#"<h1>Sign out</h1>
<p>Are you sure you want to sign out?</p>
<form action="{base}/signout" method="POST">
<input type="hidden" name="csrfToken" value="{csrf}">
<input type="hidden" name="callbackUrl" value="{cb}">
<button type="submit">Sign out</button>
</form>"#,
        base = escape(ctx.base_url),
        csrf = escape(ctx.csrf_token),
        cb = escape(ctx.callback_url),
    );
    layout(&ctx.config.theme, "Sign Out", &body)
}
