//! The built-in error page.

use super::{
    context::PageContext,
    layout::{escape, layout},
};
use crate::error_code::error_page_text;

/// The error page and its status code.
pub(crate) fn error(ctx: &PageContext<'_>, error: Option<&str>) -> (u16, String) {
    let sign_in_link = format!(
        r#"<p><a href="{}/signin">Sign in</a></p>"#,
        escape(ctx.base_url)
    );
    let known = error.and_then(error_page_text);
    let app_message = error.and_then(|code| ctx.config.error_message(code));
    let (status, heading, message) = match (known, app_message) {
        // Configuration: the details are in the log; signing in again will not help.
        (Some((500, heading, text)), _) => (500, heading, format!("<p>{text}</p>")),
        (Some((status, heading, text)), _) => {
            (status, heading, format!("<p>{text}</p>{sign_in_link}"))
        }
        (None, Some(text)) => (
            403,
            "Unable to sign in",
            format!("<p>{}</p>{sign_in_link}", escape(text)),
        ),
        (None, None) => (
            200,
            "Error",
            format!(
                r#"<p><a href="{}">Go back to the site</a></p>"#,
                escape(ctx.callback_url)
            ),
        ),
    };
    (
        status,
        layout(
            &ctx.config.theme,
            heading,
            &format!("<h1>{heading}</h1>\n{message}"),
        ),
    )
}
