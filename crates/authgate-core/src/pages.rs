//! The built-in HTML pages: sign-in, sign-out, error and verify-request. Small,
//! accessible, no JavaScript.

use std::fmt::Write as _;

use crate::{config::Theme, error::codes, AuthConfig, Provider};

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn layout(theme: &Theme, title: &str, body: &str) -> String {
    let logo = theme
        .logo
        .as_deref()
        .map(|l| format!(r#"<img class="logo" src="{}" alt="">"#, escape(l)))
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
:root {{ --brand: {brand}; --button-text: {button_text}; }}
body {{ font-family: system-ui, -apple-system, sans-serif; background: #f3f4f6; color: #111827; margin: 0; display: flex; min-height: 100vh; align-items: center; justify-content: center; }}
main {{ width: 100%; max-width: 22rem; padding: 1rem; }}
.logo {{ display: block; max-height: 4rem; margin: 0 auto 1rem; }}
.card {{ background: #fff; border-radius: .75rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); padding: 1.5rem; }}
h1 {{ font-size: 1.25rem; margin: 0 0 1rem; }}
label {{ display: block; font-size: .875rem; font-weight: 600; margin: .75rem 0 .25rem; }}
input[type=text], input[type=password], input[type=email] {{ box-sizing: border-box; width: 100%; padding: .5rem .75rem; border: 1px solid #d1d5db; border-radius: .375rem; font-size: 1rem; }}
button {{ width: 100%; margin-top: 1rem; padding: .6rem; border: 0; border-radius: .375rem; background: var(--brand); color: var(--button-text); font-size: 1rem; font-weight: 600; cursor: pointer; }}
button:focus-visible, input:focus-visible {{ outline: 3px solid var(--brand); outline-offset: 2px; }}
.error {{ background: #fef2f2; color: #991b1b; border-radius: .375rem; padding: .75rem; margin-bottom: 1rem; }}
hr {{ border: 0; border-top: 1px solid #e5e7eb; margin: 1.25rem 0; }}
a {{ color: var(--brand); }}
</style>
</head>
<body>
<main>
{logo}<div class="card">
{body}
</div>
</main>
</body>
</html>
"#,
        title = escape(title),
        brand = css_value(&theme.brand_color),
        button_text = css_value(&theme.button_text),
    )
}

/// Keeps a theme colour from breaking out of its CSS declaration.
fn css_value(v: &str) -> String {
    v.chars()
        .filter(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '#' | '(' | ')' | ',' | '.' | '%' | ' ' | '-')
        })
        .collect()
}

/// The message of a sign-in page error code.
fn sign_in_message(config: &AuthConfig, error: &str, code: Option<&str>) -> String {
    if let Some(m) = code
        .and_then(|c| config.error_message(c))
        .or_else(|| config.error_message(error))
    {
        return m.to_owned();
    }
    match error {
        "Signin" | "OAuthSignin" | "OAuthCallbackError" | "OAuthCallback"
        | "OAuthCreateAccount" | "EmailCreateAccount" | "Callback" => {
            "Try signing in with a different account."
        }
        "OAuthAccountNotLinked" => {
            "To confirm your identity, sign in with the same account you used originally."
        }
        "EmailSignin" => "The e-mail could not be sent.",
        codes::CREDENTIALS_SIGNIN => "Sign in failed. Check the details you provided are correct.",
        codes::SESSION_REQUIRED => "Please sign in to access this page.",
        _ => "Unable to sign in.",
    }
    .to_owned()
}

/// The data a page needs from the request.
pub(crate) struct PageContext<'a> {
    pub(crate) config: &'a AuthConfig,
    /// Origin + base path.
    pub(crate) base_url: &'a str,
    pub(crate) csrf_token: &'a str,
    pub(crate) callback_url: &'a str,
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

/// The error page and its status code.
pub(crate) fn error(ctx: &PageContext<'_>, error: Option<&str>) -> (u16, String) {
    let sign_in_link = format!(
        r#"<p><a href="{}/signin">Sign in</a></p>"#,
        escape(ctx.base_url)
    );
    let (status, heading, message) = match error {
        Some(codes::CONFIGURATION) => (
            500,
            "Server error",
            "<p>There is a problem with the server configuration. Check the server logs for more information.</p>".to_owned(),
        ),
        Some(codes::ACCESS_DENIED) => (
            403,
            "Access Denied",
            format!("<p>You do not have permission to sign in.</p>{sign_in_link}"),
        ),
        Some(codes::VERIFICATION) => (
            403,
            "Unable to sign in",
            format!("<p>The sign in link is no longer valid. It may have been used already or it may have expired.</p>{sign_in_link}"),
        ),
        Some(code) if ctx.config.error_message(code).is_some() => (
            403,
            "Unable to sign in",
            format!(
                "<p>{}</p>{sign_in_link}",
                escape(ctx.config.error_message(code).unwrap_or_default())
            ),
        ),
        _ => (
            200,
            "Error",
            format!(r#"<p><a href="{}">Go back to the site</a></p>"#, escape(ctx.callback_url)),
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

pub(crate) fn verify_request(ctx: &PageContext<'_>) -> String {
    let body = format!(
        r#"<h1>Check your email</h1>
<p>A sign in link has been sent to your email address.</p>
<p><a href="{}">Go back to the site</a></p>"#,
        escape(ctx.callback_url)
    );
    layout(&ctx.config.theme, "Verify Request", &body)
}
