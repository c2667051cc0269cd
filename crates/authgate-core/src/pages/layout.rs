//! The layout every built-in page shares, and HTML escaping.

use crate::config::Theme;

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

pub(crate) fn layout(theme: &Theme, title: &str, body: &str) -> String {
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
