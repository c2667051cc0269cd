//! The built-in sign-in page: one form per provider, an inline error message.

use std::fmt::Write as _;

use super::{
    context::PageContext,
    layout::{escape, layout},
};
use crate::{error_code::sign_in_page_message, AuthConfig, Provider};

/// The message of a sign-in page error code.
fn sign_in_message(config: &AuthConfig, error: &str, code: Option<&str>) -> String {
    if let Some(m) = code
        .and_then(|c| config.error_message(c))
        .or_else(|| config.error_message(error))
    {
        return m.to_owned();
    }
    sign_in_page_message(error).to_owned()
}

pub(crate) fn sign_in(ctx: &PageContext<'_>, error: Option<&str>, code: Option<&str>) -> String {
    let mut body = String::from("<h1>Sign in</h1>\n");
    if let Some(error) = error {
        let _ = writeln!(
            body,
            r#"<p class="error" role="alert">{}</p>"#,
            escape(&sign_in_message(ctx.config, error, code))
        );
    }
    let mut first = true;
    for provider in ctx.config.providers() {
        if !first {
            body.push_str("<hr>\n");
        }
        first = false;
        match provider {
            Provider::OAuth(o) => {
                let _ = writeln!(
                    body,
                    r#"<form action="{base}/signin/{id}" method="POST">
<input type="hidden" name="csrfToken" value="{csrf}">
<input type="hidden" name="callbackUrl" value="{cb}">
<button type="submit">Sign in with {name}</button>
</form>"#,
                    base = escape(ctx.base_url),
                    id = escape(o.provider_id()),
                    csrf = escape(ctx.csrf_token),
                    cb = escape(ctx.callback_url),
                    name = escape(provider.name()),
                );
            }
            Provider::Email(e) => {
                let input_id = format!("input-email-for-{}-provider", e.provider_id());
                let _ = writeln!(
                    body,
                    r#"<form action="{base}/signin/{id}" method="POST">
<input type="hidden" name="csrfToken" value="{csrf}">
<input type="hidden" name="callbackUrl" value="{cb}">
<label for="{iid}">Email</label>
<input id="{iid}" name="email" type="email" autocomplete="email" placeholder="email@example.com" required>
<button type="submit">Sign in with {name}</button>
</form>"#,
                    base = escape(ctx.base_url),
                    id = escape(e.provider_id()),
                    csrf = escape(ctx.csrf_token),
                    cb = escape(ctx.callback_url),
                    iid = escape(&input_id),
                    name = escape(provider.name()),
                );
            }
            Provider::Credentials(c) => {
                let _ = writeln!(
                    body,
                    r#"<form action="{base}/callback/{id}" method="POST">
<input type="hidden" name="csrfToken" value="{csrf}">
<input type="hidden" name="callbackUrl" value="{cb}">"#,
                    base = escape(ctx.base_url),
                    id = escape(c.provider_id()),
                    csrf = escape(ctx.csrf_token),
                    cb = escape(ctx.callback_url),
                );
                for field in c.form_fields() {
                    let input_id = format!("input-{}-for-{}-provider", field.name, c.provider_id());
                    let _ = writeln!(
                        body,
                        r#"<label for="{iid}">{label}</label>
<input id="{iid}" name="{name}" type="{ty}" autocomplete="{ac}">"#,
                        iid = escape(&input_id),
                        label = escape(&field.label),
                        name = escape(&field.name),
                        ty = escape(&field.input_type),
                        ac = if field.input_type == "password" {
                            "current-password"
                        } else {
                            "username"
                        },
                    );
                }
                let _ = writeln!(
                    body,
                    "<button type=\"submit\">Sign in with {}</button>\n</form>",
                    escape(provider.name())
                );
            }
        }
    }
    if first {
        body.push_str("<p>No sign-in providers are configured.</p>\n");
    }
    layout(&ctx.config.theme, "Sign In", &body)
}
