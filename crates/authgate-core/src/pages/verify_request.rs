//! The built-in "check your email" page.

use super::{
    context::PageContext,
    layout::{escape, layout},
};

pub(crate) fn verify_request(ctx: &PageContext<'_>) -> String {
    let body = format!(
        r#"<h1>Check your email</h1>
<p>A sign in link has been sent to your email address.</p>
<p><a href="{}">Go back to the site</a></p>"#,
        escape(ctx.callback_url)
    );
    layout(&ctx.config.theme, "Verify Request", &body)
}
