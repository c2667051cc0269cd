//! The confirm page of an email sign-in link: the link was checked, not used; the
//! button `POST`s it back with a CSRF token this page's answer sets, so a mail scanner
//! that fetches the link never spends it.

use super::{
    context::PageContext,
    layout::{escape, layout},
};

/// The link's fields, posted back by the button.
pub(crate) struct EmailLink<'a> {
    pub(crate) provider: &'a str,
    pub(crate) token: &'a str,
    pub(crate) email: &'a str,
}

pub(crate) fn confirm_email(ctx: &PageContext<'_>, link: &EmailLink<'_>) -> String {
    let body = format!(
        r#"<h1>Sign in</h1>
<p>Sign in as <strong>{email}</strong>?</p>
<form action="{base}/callback/{provider}" method="POST">
<input type="hidden" name="csrfToken" value="{csrf}">
<input type="hidden" name="callbackUrl" value="{cb}">
<input type="hidden" name="token" value="{token}">
<input type="hidden" name="email" value="{email}">
<button type="submit">Sign in</button>
</form>"#,
        base = escape(ctx.base_url),
        provider = escape(link.provider),
        csrf = escape(ctx.csrf_token),
        cb = escape(ctx.callback_url),
        token = escape(link.token),
        email = escape(link.email),
    );
    layout(&ctx.config.theme, "Sign In", &body)
}
